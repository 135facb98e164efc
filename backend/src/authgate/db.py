"""Engine, sessions and column types shared by every feature folder."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, exc
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from authgate.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite stores no offset, so it is restored on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def async_database_url(url: str) -> str:
    """Accept the quickstart's plain URLs and pick the async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # Heroku-style postgres:// is common in hosted URLs
        parsed = parsed.set(drivername="postgresql+asyncpg")
        # libpq spells TLS as sslmode; asyncpg calls it ssl (Neon URLs carry sslmode=require)
        query = dict(parsed.query)
        if "sslmode" in query:
            query["ssl"] = query.pop("sslmode")
        query.pop("channel_binding", None)
        parsed = parsed.set(query=query)
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"unsupported DATABASE_URL backend {backend!r}: use postgresql:// or sqlite:///")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    """Whether a DATABASE_URL names SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


@dataclass(frozen=True)
class Timeouts:
    """Every wait on the database, bounded (seconds): opening a connection, waiting for a pooled one, one statement.

    A server that accepts connections and never answers (a network partition) would otherwise hold a request for
    as long as the kernel keeps the socket: minutes. With these the request answers 503 and the connection is
    dropped, so the service recovers by itself once the server answers again.
    """

    connect: float = 5.0
    pool: float = 5.0
    statement: float = 5.0
    # PostgreSQL ends a session left idle inside a transaction after this, releasing its locks: a partition that cuts
    # a transaction off leaves no orphan holding a reader's row until TCP keepalive notices, hours later
    idle_in_transaction: float = 15.0
    # send the limits above to the server as start-up parameters too (off behind a pooler that refuses them: set
    # them there with ALTER ROLE … SET instead)
    server_side: bool = True

    def server_settings(self) -> dict[str, str]:
        """PostgreSQL settings for each session: the server stops waiting when the client would have."""
        if not self.server_side:
            return {}
        return {
            "statement_timeout": str(int((self.statement + 1) * 1000)),
            "lock_timeout": str(int(self.statement * 1000)),
            "idle_in_transaction_session_timeout": str(int(self.idle_in_transaction * 1000)),
        }


def transaction_pooler_args(pooler: str) -> dict[str, Any]:
    """asyncpg's connection arguments for PostgreSQL reached through PgBouncer in transaction mode.

    Each transaction may run on another server connection, so nothing may outlive one: asyncpg's statement cache
    is off (a statement it prepared on one server connection is unknown on the next, and its numbered names
    `__asyncpg_stmt_1__` collide between clients sharing one), SQLAlchemy's is off too, and the statements SQLAlchemy
    still prepares inside a transaction get unique names. PgBouncer refuses start-up parameters it does not know
    ("unsupported startup parameter: statement_timeout"), so none are sent: set the server-side limits on the pooler
    (`connect_query`) or the role (`ALTER ROLE … SET`). The client-side limits (`timeout`, `command_timeout`) hold.
    """
    if pooler == "none":
        return {}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unique_statement_name,
    }


def _unique_statement_name() -> str:
    return f"__authgate_{uuid.uuid4().hex}__"


def create_engine(
    database_url: str, *, pool_size: int = 20, timeouts: Timeouts | None = None, pooler: str = "none"
) -> AsyncEngine:
    url = async_database_url(database_url)
    timeouts = timeouts or Timeouts()
    # no pre-ping (it costs a round trip per checkout): a connection found dead is invalidated with its pool
    # generation, the request answers 503, and the next checkout connects afresh
    options: dict[str, Any] = {}
    if is_sqlite(url):
        # how long a writer waits for SQLite's single write lock
        options["connect_args"] = {"timeout": timeouts.statement}
    else:
        # no overflow: connections beyond the pool would be opened and closed per request under load (measured:
        # ~13% of /auth/me's CPU went to connecting and re-preparing); waiting for a pooled one is cheaper
        options.update(pool_size=pool_size, max_overflow=0, pool_timeout=timeouts.pool)
        # asyncpg: `timeout` bounds the whole connection set-up (TCP, TLS, start-up, authentication);
        # `command_timeout` every statement, COMMIT and ROLLBACK included. Both are client-side, so they also hold
        # through a transaction-mode pooler that refuses start-up parameters such as statement_timeout.
        options["connect_args"] = {
            "timeout": timeouts.connect,
            "command_timeout": timeouts.statement,
            "server_settings": timeouts.server_settings() if pooler == "none" else {},
            **transaction_pooler_args(pooler),
        }
    # hide_parameters: a database error's text would otherwise quote the statement's values (hashes, addresses)
    # into whatever logs it
    engine = create_async_engine(url, hide_parameters=True, **options)
    if is_sqlite(url):
        _configure_sqlite(engine, busy_timeout_ms=int(timeouts.statement * 1000))
    else:
        _timeouts_are_disconnects(engine)
        _close_connections_at_once(engine)
    return engine


def timeouts_of(settings: Settings) -> Timeouts:
    return Timeouts(
        connect=settings.db_connect_timeout_seconds,
        pool=settings.db_pool_timeout_seconds,
        statement=settings.db_statement_timeout_seconds,
        idle_in_transaction=settings.db_idle_in_transaction_timeout_seconds,
        # a transaction pooler refuses them as start-up parameters (see transaction_pooler_args)
        server_side=settings.db_server_side_timeouts and settings.database_pooler == "none",
    )


def engine_for(settings: Settings, *, pool_size: int | None = None) -> AsyncEngine:
    """The engine for these settings: its URL, pool size and timeouts."""
    return create_engine(
        settings.database_url,
        pool_size=pool_size or settings.db_pool_size,
        timeouts=timeouts_of(settings),
        pooler=settings.database_pooler,
    )


def _timeouts_are_disconnects(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: Any) -> None:
        # a statement that timed out left its connection mid-protocol: never hand it out again
        if isinstance(context.original_exception, TimeoutError):
            context.is_disconnect = True


def _close_connections_at_once(engine: AsyncEngine) -> None:
    """Every connection the pool closes is closed at once, without a goodbye (asyncpg's `terminate()`).

    SQLAlchemy's asyncpg adapter says goodbye first and waits for the server to close: up to 2 s when the pool drops a
    connection that failed (a timeout, a reset) or one opened before such a failure, and up to the statement timeout
    per idle connection, one after the other, when the engine is disposed at shutdown. To a server that stopped
    answering that was 2 s more for the request that happened to drop a connection, holding its pool slot meanwhile
    (measured: a partition's 503s took 3 s instead of 1 with 1 s timeouts), and a shutdown of pool size × statement
    timeout (20 × 5 s). A closed socket ends the session on the server just the same, rolling back any transaction it
    had open.
    """

    def close_now(dbapi_connection: Any) -> None:
        dbapi_connection.driver_connection.terminate()

    dialect = engine.sync_engine.dialect
    dialect.do_terminate = close_now  # type: ignore[method-assign]
    dialect.do_close = close_now  # type: ignore[method-assign]


class ConnectionLosses:
    """Connections to the database found lost, counted across the pools that reach it.

    Two pools reach PostgreSQL: SQLAlchemy's (every transaction) and the user lookup's own asyncpg pool (the bearer
    check). A partition or a restart loses the connections of both, but a pool only finds out when a request takes a
    lost connection and waits out the statement timeout on it. When only one pool was in use during the outage (only
    `GET /auth/me` called, or only `/auth/refresh`), the other's connections were still waiting, dead, after the
    database was back: the next requests got 503. So every loss either pool sees is counted here, and each pool
    replaces a connection opened before the latest loss before handing it out.
    """

    def __init__(self) -> None:
        self.count = 0

    def record(self) -> None:
        self.count += 1

    def watch(self, engine: AsyncEngine) -> None:
        """SQLAlchemy's side: its losses are counted, and its connections older than the latest loss replaced."""
        stamp = "authgate.losses_seen"

        @event.listens_for(engine.sync_engine, "handle_error")
        def _on_error(context: Any) -> None:
            if context.is_disconnect:
                self.record()

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(_dbapi_connection: Any, record: Any) -> None:
            record.info[stamp] = self.count

        @event.listens_for(engine.sync_engine, "checkout")
        def _on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            if record.info.get(stamp, self.count) < self.count:
                # the pool closes it and opens a new one in its place (SQLAlchemy's pessimistic disconnect handling)
                raise exc.DisconnectionError("opened before a connection to the database was lost")


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        # let SQLAlchemy emit BEGIN itself, below
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # take the write lock up front: a deferred transaction that reads and then writes fails with
        # "database is locked" instead of waiting when another writer got there first
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLSTATE classes (PostgreSQL, Appendix A) that say "the server cannot serve this now", not "the request is wrong":
# 08 connection exception, 53 insufficient resources (too many connections, disk full, out of memory), 57 operator
# intervention (shutting down, "the database system is starting up", a statement cancelled by statement_timeout),
# 58 system error; and 55P03, a lock not granted within lock_timeout
_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57", "58"})
_UNAVAILABLE_STATES = frozenset({"55P03"})
# class 40: the transaction was rolled back whole (deadlock detected, serialization failure): try again
ROLLED_BACK_CLASS = "40"
# class 22: a value the database cannot store (a NUL character in text, a date out of range)
DATA_EXCEPTION_CLASS = "22"


def sqlstate_of(error: BaseException) -> str | None:
    """The SQLSTATE behind a driver or SQLAlchemy error, if there is one."""
    for candidate in (error, getattr(error, "orig", None), getattr(getattr(error, "orig", None), "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            return state
    return None


def is_unavailable_state(state: str | None) -> bool:
    return state is not None and (state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES)
