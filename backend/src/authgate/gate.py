"""The runtime an auth router needs: settings, database, hashing pool, clock and token keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from authgate.accounts.lookup import CurrentUser, UserLookup
from authgate.accounts.models import User
from authgate.cleanup.schedule import CleanupSchedule
from authgate.cleanup.service import purge_expired
from authgate.db import create_sessionmaker, engine_for, timeouts_of
from authgate.errors import AccountSuspended, InvalidToken
from authgate.mail.service import Mailer
from authgate.ratelimit.limiter import RateLimiter
from authgate.security import (
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
from authgate.settings import Settings


@dataclass
class AuthGate:
    settings: Settings
    clock: Clock = utc_now
    engine: AsyncEngine = field(init=False)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)
    hashing: HashingPool = field(init=False)
    access: AccessTokenConfig = field(init=False)
    successor_key: bytes = field(init=False)
    verifier: AccessTokenVerifier = field(init=False)
    users: UserLookup = field(init=False)
    mailer: Mailer = field(init=False)
    cleanup: CleanupSchedule = field(init=False)
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.settings.check_secret()
        self.engine = engine_for(self.settings)
        self.sessions = create_sessionmaker(self.engine)
        # the lookup every protected request makes; on PostgreSQL a pool of its own, half the size of the main one
        lookup_pool = max(2, self.settings.db_pool_size // 2)
        self.users = UserLookup(
            self.engine, self.settings.database_url, pool_size=lookup_pool, timeouts=timeouts_of(self.settings)
        )
        params = Argon2Params(
            time_cost=self.settings.argon2_time_cost,
            memory_cost=self.settings.argon2_memory_cost,
            parallelism=self.settings.argon2_parallelism,
        )
        self.hashing = HashingPool(PasswordHasher(params), max_in_flight=self.settings.hashing_max_in_flight)
        secret = self.settings.secret
        self.access = AccessTokenConfig(
            secret=secret,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            lifetime=timedelta(minutes=self.settings.access_token_expire_minutes),
            algorithm=self.settings.jwt_algorithm,
            leeway=timedelta(seconds=self.settings.jwt_leeway_seconds),
        )
        self.successor_key = derive_key(secret, "authgate refresh-token successor")
        self.verifier = AccessTokenVerifier(self.access)
        # rate-limit windows and sign-in failure state: in memory, or shared in Redis when REDIS_URL is set
        self.limiter = RateLimiter(self.settings, secret=secret, clock=self.now)
        # mail leaves in background tasks the mailer owns; dispose() waits for them
        self.mailer = Mailer(self.settings)
        # expired sessions and spent links are purged in the background; started lazily, by the first request
        self.cleanup = CleanupSchedule(
            lambda now: purge_expired(self.engine, now),
            interval_minutes=self.settings.session_cleanup_interval_minutes,
            clock=self.now,
        )

    def now(self) -> datetime:
        return self.clock()

    def issue_access_token(self, user: User | CurrentUser) -> str:
        token, _ = issue_access_token(self.access, subject=str(user.id), now=self.now(), extra={"email": user.email})
        return token

    @property
    def access_lifetime_seconds(self) -> int:
        return int(self.access.lifetime.total_seconds())

    async def user_from_access_token(self, token: str) -> CurrentUser:
        """Verify the token, then re-check the user on every request (suspension, revocation)."""
        try:
            claims = self.verifier.verify(token, now=self.now())
            user_id = uuid.UUID(claims.subject)
        except (InvalidAccessToken, ValueError) as exc:
            raise InvalidToken() from exc
        user = await self.load_user(user_id)
        if user is None:
            raise InvalidToken()
        if user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after:
            raise InvalidToken()
        if not user.is_active:
            raise AccountSuspended()
        return user

    async def load_user(self, user_id: uuid.UUID) -> CurrentUser | None:
        return await self.users.load(user_id)

    async def dispose(self) -> None:
        await self.cleanup.stop()
        # first: pending mail jobs may still need the database
        await self.mailer.close()
        self.hashing.close()
        await self.users.close()
        await self.limiter.close()
        await self.engine.dispose()
