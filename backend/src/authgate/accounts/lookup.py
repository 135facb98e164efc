"""Loading the user behind an access token: the query every protected request makes, so it is kept lean."""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from authgate.accounts.connections import StatementConnections
from authgate.accounts.models import ExperienceLevel, ProfessionalRole, User, UserProfile
from authgate.accounts.snapshots import SnapshotCache
from authgate.db import ConnectionLosses, Timeouts, is_unavailable_state
from authgate.errors import ServiceUnavailable
from authgate.security.lockout_policy import Failures

_users = User.__table__
_profiles = UserProfile.__table__
_PROFILE_COLUMNS = ("experience_level", "professional_role", "role_other", "organization", "created_at", "updated_at")

USER_WITH_PROFILE = select(
    _users, *(_profiles.c[name].label(f"profile_{name}") for name in _PROFILE_COLUMNS)
).select_from(_users.outerjoin(_profiles, _profiles.c.user_id == _users.c.id))
# each has one parameter, named "key"
QUERIES = {
    "by_id": USER_WITH_PROFILE.where(_users.c.id == bindparam("key")),
    "by_email": USER_WITH_PROFILE.where(_users.c.email == bindparam("key")),
}


@dataclass(frozen=True, slots=True)
class FastStatement:
    """A Core statement compiled once for asyncpg: its SQL ($n placeholders) and its parameters in order, so the
    SQL is written only once (as Core) and serves SQLAlchemy and the fast path alike."""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]

    def arguments(self, params: Mapping[str, object]) -> list[object]:
        return [params[name] if name in params else self.defaults[name] for name in self.names]


def compile_for_asyncpg(statement: Executable, dialect: Dialect) -> FastStatement:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    defaults = {name: bind.value for name, bind in compiled.binds.items()}
    return FastStatement(str(compiled), tuple(compiled.positiontup or ()), defaults)


@functools.cache
def _asyncpg_query(dialect: Dialect, query: str) -> FastStatement:
    return compile_for_asyncpg(QUERIES[query], dialect)


class UserLookup:
    """Loads a user with the profile, by id (every protected request) or by email (sign-in).

    On PostgreSQL it uses a few asyncpg connections of its own (connections.py): one round trip with a cached
    prepared statement and no transaction, where a pooled SQLAlchemy connection adds checkout, BEGIN/ROLLBACK and
    result processing (profiled here: that overhead was over half of GET /auth/me's CPU).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        database_url: str,
        *,
        pool_size: int,
        timeouts: Timeouts | None = None,
        pooler: str = "none",
        cache: SnapshotCache | None = None,
    ) -> None:
        self.engine = engine
        # the reader behind an access token, kept below a second (see snapshots.py); off when None
        self.cache = cache or SnapshotCache(0)
        self.cache.watch(engine)
        self.pool_size = pool_size
        self.timeouts = timeouts or Timeouts()
        # behind a transaction pooler, no named statement may outlive its round trip: asyncpg then sends each
        # query as an unnamed statement (parsed again in the same message batch as its execution)
        self._statement_cache_size = 0 if pooler != "none" else 100
        self._dsn = _asyncpg_dsn(database_url) if engine.dialect.driver == "asyncpg" else None
        self._connections: StatementConnections | None = None
        # a connection lost by this pool or by the engine's: the connections of both are replaced (db.py)
        self.losses = ConnectionLosses()
        self._renewed_at = 0
        if self._dsn:
            self.losses.watch(engine)

    async def load(self, user_id: uuid.UUID) -> CurrentUser | None:
        """The reader behind an access token: possibly as it was up to CURRENT_USER_CACHE_SECONDS ago."""
        return await self.cache.get(user_id, self.load_fresh)

    async def load_fresh(self, user_id: uuid.UUID) -> CurrentUser | None:
        row = await self._fetch("by_id", user_id)
        return _snapshot(row) if row is not None else None

    async def load_for_sign_in(self, email: str) -> Credentials | None:
        """Sign-in: the user, the hash, and the consecutive-failure state the lockout policy reads."""
        row = await self._fetch("by_email", email)
        return credentials_from_row(row) if row is not None else None

    async def load_credentials(self, user_id: uuid.UUID) -> Credentials | None:
        """Re-authentication of a signed-in reader: the same as a sign-in reads, by id."""
        row = await self._fetch("by_id", user_id)
        return credentials_from_row(row) if row is not None else None

    @property
    def fast(self) -> bool:
        """On PostgreSQL through asyncpg: single statements can go through `fetchrow` (one round trip)."""
        return self._dsn is not None

    async def fetchrow(self, statement: FastStatement, params: Mapping[str, object]) -> dict[str, Any] | None:
        """One statement on this pool, outside any transaction of the caller's (it commits on its own: a single
        statement is atomic), or ServiceUnavailable when the database does not answer in time. Only when `fast`."""
        return await self._fetchrow_asyncpg(statement.sql, statement.arguments(params))

    async def _fetch(self, query: str, key: object) -> dict[str, Any] | None:
        if not self._dsn:
            return await self._fetch_core(query, key)
        return await self.fetchrow(_asyncpg_query(self.engine.dialect, query), {"key": key})

    async def _fetch_core(self, query: str, key: object) -> dict[str, Any] | None:
        async with self.engine.connect() as connection:
            mapping = (await connection.execute(QUERIES[query], {"key": key})).mappings().first()
            return dict(mapping) if mapping is not None else None

    async def _fetchrow_asyncpg(self, sql: str, arguments: list[object]) -> dict[str, Any] | None:
        connections = self._statement_connections()
        try:
            if self._renewed_at < self.losses.count:
                # the engine lost a connection since: these were most likely lost in the same outage
                await self._expire_all()
            # every wait bounded: the checkout (which may connect) and the statement
            connection = await connections.acquire(self.timeouts.pool + self.timeouts.connect)
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError, TimeoutError) as error:
            await self._expire_all(lost=True)
            raise ServiceUnavailable() from error
        except asyncpg.PostgresError as error:
            # refused at start-up: "the database system is starting up", "too many clients already"
            if not is_unavailable_state(error.sqlstate):
                raise
            await self._expire_all()
            raise ServiceUnavailable() from error
        # reusable only once the server has answered: a statement interrupted any other way (a timeout, a cancelled
        # request) may have left the connection mid-exchange, and it is closed
        reusable = False
        try:
            record = await connection.fetchrow(sql, *arguments, timeout=self.timeouts.statement)
            reusable = True
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError, TimeoutError) as error:
            # the server stopped answering mid-statement: this connection is never reused (a release would wait
            # for the server to confirm a cancel that never comes), and the rest are replaced too
            with contextlib.suppress(asyncpg.InterfaceError):  # already gone if the server closed it
                connection.terminate()
            await self._expire_all(lost=True)
            raise ServiceUnavailable() from error
        except asyncpg.PostgresError as error:
            reusable = True  # the server answered with an error: the connection is between statements
            if not is_unavailable_state(error.sqlstate):
                raise
            # shutting down, or a statement cancelled on the server
            await self._expire_all()
            raise ServiceUnavailable() from error
        finally:
            connections.release(connection, reusable=reusable)
        return dict(record) if record is not None else None

    async def _expire_all(self, *, lost: bool = False) -> None:
        if lost:
            self.losses.record()
        self._renewed_at = self.losses.count
        if self._connections is not None:
            # the server went away: replace every connection, not one stale connection per request
            await self._connections.expire_all()

    def _statement_connections(self) -> StatementConnections:
        if self._connections is None:
            self._connections = StatementConnections(
                self._connect, max_size=self.pool_size, idle_lifetime=300, close_timeout=self.timeouts.statement
            )
        return self._connections

    async def _connect(self) -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(
            self._dsn,
            timeout=self.timeouts.connect,
            command_timeout=self.timeouts.statement,
            server_settings=self.timeouts.server_settings(),
            statement_cache_size=self._statement_cache_size,
        )
        return connection

    async def close(self) -> None:
        connections, self._connections = self._connections, None
        if connections is not None:
            # each connection's goodbye is bounded (connections.py); a server that does not answer it (a partition
            # at shutdown) gets its connections closed without one, and shutting down goes on: the engine and
            # Redis are still to be closed
            await connections.close()


def _asyncpg_dsn(database_url: str) -> str:
    parsed = make_url(database_url).set(drivername="postgresql")
    # asyncpg reads libpq's sslmode itself but would send unknown parameters to the server as settings
    query = {key: value for key, value in parsed.query.items() if key not in ("channel_binding", "ssl")}
    if "ssl" in parsed.query and "sslmode" not in query:
        query["sslmode"] = parsed.query["ssl"]
    return parsed.set(query=query).render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class CurrentProfile:
    experience_level: ExperienceLevel
    professional_role: ProfessionalRole
    role_other: str | None
    organization: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The caller, as `current_user` gives it: a plain snapshot (no password hash, no database session)."""

    id: uuid.UUID
    email: str
    is_active: bool
    is_verified: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    tokens_valid_after: datetime | None
    profile: CurrentProfile | None


def current_user_of(user: User) -> CurrentUser:
    profile = user.profile
    return CurrentUser(
        **{name: getattr(user, name) for name in _USER_FIELDS},
        profile=CurrentProfile(**{name: getattr(profile, name) for name in _PROFILE_COLUMNS}) if profile else None,
    )


_USER_FIELDS = tuple(f for f in CurrentUser.__dataclass_fields__ if f != "profile")


# the user, the password hash (None: no password), the failure state
Credentials = tuple[CurrentUser, str | None, Failures]


def credentials_from_row(row: Mapping[str, Any]) -> Credentials:
    """A row of USER_WITH_PROFILE as the sign-in reads it."""
    failures = Failures(
        count=int(row["failed_login_count"] or 0),
        last_failed_at=_utc(row["last_failed_login_at"]),
        reset_required=bool(row["password_reset_required"]),
    )
    stored = row["hashed_password"]
    return _snapshot(row), str(stored) if stored is not None else None, failures


def _snapshot(row: Mapping[str, Any]) -> CurrentUser:
    # plain dataclasses, not ORM instances: building those was ~13% of GET /auth/me's CPU
    profile = None
    if row["profile_experience_level"] is not None:
        profile = CurrentProfile(
            experience_level=ExperienceLevel(row["profile_experience_level"]),
            professional_role=ProfessionalRole(row["profile_professional_role"]),
            role_other=row["profile_role_other"],
            organization=row["profile_organization"],
            created_at=_utc(row["profile_created_at"]),
            updated_at=_utc(row["profile_updated_at"]),
        )
    return CurrentUser(**{name: _utc(row[name]) for name in _USER_FIELDS}, profile=profile)


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value
