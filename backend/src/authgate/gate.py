"""The runtime an auth router needs: settings, database, hashing pool, clock and token keys."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from authgate.db import create_sessionmaker
from authgate.errors import AccountSuspended, InvalidToken, ServiceUnavailable
from authgate.observability import HASH_QUEUE, HASH_SECONDS, HASHES_SHED
from authgate.security import (
    AccessClaims,
    AccessTokenConfig,
    AccessTokenVerifier,
    Argon2Params,
    Clock,
    HashingPool,
    InvalidAccessToken,
    PasswordHasher,
    derive_key,
    issue_access_token,
    utc_now,
)
from authgate.security.signing import HMAC_ALGORITHMS
from authgate.settings import Settings

if TYPE_CHECKING:
    # types only: the runtime is handed these parts by the router factory (router.py), it imports no feature
    from authgate.accounts.lookup import CurrentUser, UserLookup
    from authgate.cleanup.schedule import CleanupSchedule
    from authgate.mail.service import Mailer
    from authgate.ratelimit.limiter import RateLimiter


class TokenSubject(Protocol):
    """Whom an access token is for: any reader record with an id and an address."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def email(self) -> str: ...


def _observe_hashing(waited: float, ran: float) -> None:
    HASH_SECONDS.labels("wait").observe(waited)
    HASH_SECONDS.labels("hash").observe(ran)


def _no_keys() -> list[dict[str, Any]]:
    return []


@dataclass
class AuthGate:
    """What every route shares: the settings, the database, the security core (hashing, token keys) and the parts
    the features built (the user lookup, the limiter, the mailer, the cleanup schedule), given by the router factory."""

    settings: Settings
    engine: AsyncEngine
    users: UserLookup
    limiter: RateLimiter
    mailer: Mailer
    cleanup: CleanupSchedule
    clock: Clock = utc_now
    sessions: async_sessionmaker[AsyncSession] = field(init=False)
    hashing: HashingPool = field(init=False)
    access: AccessTokenConfig = field(init=False)
    successor_key: bytes = field(init=False)
    verifier: AccessTokenVerifier = field(init=False)
    # signing key pairs (keys/): reload the ring when stale, or at once (`force`) for an unknown kid; the published
    # public keys. With an HMAC algorithm there is nothing to reload and nothing to publish.
    keys_refresh: Callable[[bool], Awaitable[None]] | None = field(default=None, init=False)
    published_keys: Callable[[], list[dict[str, Any]]] = field(default_factory=lambda: _no_keys, init=False)

    def __post_init__(self) -> None:
        self.settings.check_secret()
        self.sessions = create_sessionmaker(self.engine)
        params = Argon2Params(
            time_cost=self.settings.argon2_time_cost,
            memory_cost=self.settings.argon2_memory_cost,
            parallelism=self.settings.argon2_parallelism,
        )
        self.hashing = HashingPool(
            PasswordHasher(params),
            max_in_flight=self.settings.hashing_max_in_flight,
            on_queue=HASH_QUEUE.inc,
            on_timing=_observe_hashing,
            queue_timeout=self.settings.hashing_queue_timeout_seconds,
            busy=self._hashing_busy,
        )
        secret = self.settings.secret
        algorithm = self.settings.jwt_algorithm
        self.access = AccessTokenConfig(
            secret=secret,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            lifetime=timedelta(minutes=self.settings.access_token_expire_minutes),
            # a key-pair algorithm gets its ring from the database before the first token (`ready_keys`)
            algorithm=algorithm if algorithm in HMAC_ALGORITHMS else "HS256",
            leeway=timedelta(seconds=self.settings.jwt_leeway_seconds),
        )
        self.successor_key = derive_key(secret, "authgate refresh-token successor")
        self.verifier = AccessTokenVerifier(self.access)

    def _hashing_busy(self) -> Exception:
        # every hashing thread taken for the whole queue timeout: shed, answered like an unavailable database
        HASHES_SHED.inc()
        retry_after = str(self.settings.db_unavailable_retry_after_seconds)
        return ServiceUnavailable(headers={"Retry-After": retry_after})

    def now(self) -> datetime:
        return self.clock()

    async def ready_keys(self, *, force: bool = False) -> None:
        """Before a token is signed or checked: the signing keys are loaded and fresh."""
        if self.keys_refresh is not None:
            await self.keys_refresh(force)

    def issue_access_token(self, user: TokenSubject, *, signed_in_at: datetime, now: datetime | None = None) -> str:
        """An access token; `auth_time` (OpenID Connect Core §2) is when the reader last proved who they are, carried
        through every refresh of that sign-in, so a sensitive action can ask for a recent one."""
        extra = {"email": user.email, "auth_time": int(signed_in_at.timestamp())}
        token, _ = issue_access_token(self.access, subject=str(user.id), now=now or self.now(), extra=extra)
        return token

    def signed_in_at(self, refresh_expires_at: datetime) -> datetime:
        """When a sign-in happened, from its refresh token's fixed expiry (set at sign-in, copied on rotation)."""
        return refresh_expires_at - timedelta(seconds=self.settings.refresh_lifetime_seconds)

    @property
    def access_lifetime_seconds(self) -> int:
        return int(self.access.lifetime.total_seconds())

    async def user_from_access_token(self, token: str) -> CurrentUser:
        """Verify the token, then re-check the user on every request (suspension, revocation)."""
        user, _ = await self.verify_access(token)
        return user

    async def verify_access(self, token: str) -> tuple[CurrentUser, AccessClaims]:
        """`user_from_access_token`, with the token's claims."""
        await self.ready_keys()
        try:
            claims = self._verified_claims(token)
            user_id = uuid.UUID(claims.subject)
        except (InvalidAccessToken, ValueError) as exc:
            if not (isinstance(exc, InvalidAccessToken) and exc.reason == "unknown key" and self.keys_refresh):
                raise InvalidToken() from exc
            # signed by a key another instance made since this one last loaded them: load now, once
            await self.ready_keys(force=True)
            try:
                claims = self._verified_claims(token)
                user_id = uuid.UUID(claims.subject)
            except (InvalidAccessToken, ValueError) as again:
                raise InvalidToken() from again
        user = await self.load_user(user_id)
        if user is None:
            raise InvalidToken()
        if user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after:
            raise InvalidToken()
        if not user.is_active:
            raise AccountSuspended()
        return user, claims

    def _verified_claims(self, token: str) -> AccessClaims:
        return self.verifier.verify(token, now=self.now())

    async def load_user(self, user_id: uuid.UUID) -> CurrentUser | None:
        return await self.users.load(user_id)

    async def dispose(self) -> None:
        await self.cleanup.stop()
        # first: the last mail to send needs the database
        await self.mailer.close()
        self.hashing.close()
        await self.users.close()
        await self.limiter.close()
        await self.engine.dispose()
