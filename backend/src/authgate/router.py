"""`create_auth_router(settings)`: everything under /auth, mountable into any FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute

from authgate.accounts import feature as accounts
from authgate.accounts.lookup import CurrentUser, UserLookup
from authgate.accounts.snapshots import SnapshotCache
from authgate.cleanup import feature as cleanup
from authgate.cleanup.schedule import CleanupSchedule
from authgate.cleanup.service import process_name, purge_if_due
from authgate.content import feature as content
from authgate.db import engine_for, timeouts_of
from authgate.devices import feature as devices
from authgate.errors import AuthError, ServiceUnavailable
from authgate.events import feature as events
from authgate.feature import Feature
from authgate.gate import AuthGate
from authgate.keys import feature as keys
from authgate.mail import feature as mail
from authgate.mail.service import Mailer
from authgate.mfa import feature as mfa
from authgate.oauth import feature as oauth
from authgate.onetime import feature as onetime
from authgate.privacy import feature as privacy
from authgate.profile import feature as profile
from authgate.ratelimit.limiter import RateLimiter
from authgate.recovery import feature as recovery
from authgate.routing import DATABASE_DOWN, declared_operation_id, make_route_class
from authgate.security import Clock, utc_now
from authgate.sessions import feature as sessions
from authgate.settings import Settings
from authgate.shared import bearer_user
from authgate.verification import feature as verification

FEATURES: tuple[Feature, ...] = (
    accounts.FEATURE,
    sessions.FEATURE,
    profile.FEATURE,
    verification.FEATURE,
    recovery.FEATURE,
    devices.FEATURE,
    privacy.FEATURE,
    oauth.FEATURE,
    mfa.FEATURE,
    content.FEATURE,
    onetime.FEATURE,
    events.FEATURE,
    keys.FEATURE,
    cleanup.FEATURE,
    mail.FEATURE,
)


class AuthRouter(APIRouter):
    """An APIRouter that also carries its runtime (`.gate`) and a bound `current_user` dependency."""

    gate: AuthGate

    async def current_user(self, request: Request) -> CurrentUser:
        return await _as_http_error(self.gate, request)


def build_gate(settings: Settings, *, clock: Clock = utc_now) -> AuthGate:
    """The runtime, given its parts: the database engine, and what the features built on it."""
    settings.check_secret()
    engine = engine_for(settings)
    timeouts = timeouts_of(settings)
    # the lookup every protected request makes; on PostgreSQL a pool of its own, half the size of the main one
    users = UserLookup(
        engine,
        settings.database_url,
        pool_size=max(2, settings.db_pool_size // 2),
        timeouts=timeouts,
        pooler=settings.database_pooler,
        cache=SnapshotCache(settings.current_user_cache_seconds, clock=lambda: clock().timestamp()),
    )
    cleanup_every, holder = timedelta(minutes=settings.session_cleanup_interval_minutes), process_name()
    # rate-limit windows and sign-in failure state: in memory, or shared in Redis when REDIS_URL is set
    limiter = RateLimiter(settings, secret=settings.secret, clock=clock)
    return AuthGate(
        settings=settings,
        engine=engine,
        users=users,
        limiter=limiter,
        # mail is written to the outbox with the write that causes it; the mailer's sender sends and retries it; a
        # notice goes only while its address has room in RATE_LIMIT_MAIL_ACCOUNT for that kind of notice
        mailer=Mailer(settings, engine, clock=clock, admit_notice=limiter.admits_notice),
        # expired sessions and spent links are purged in the background; started lazily, by the first request
        cleanup=CleanupSchedule(
            # once per interval across every process sharing the database, not once per process
            lambda now: purge_if_due(engine, now, every=cleanup_every, holder=holder),
            interval_minutes=settings.session_cleanup_interval_minutes,
            clock=clock,
        ),
        clock=clock,
    )


def create_auth_router(settings: Settings | None = None, *, clock: Clock = utc_now) -> AuthRouter:
    gate = build_gate(settings or Settings(), clock=clock)
    router = AuthRouter(
        prefix="/auth",
        tags=["authentication"],
        route_class=make_route_class(gate),
        lifespan=_background(gate),
        generate_unique_id_function=declared_operation_id,
    )
    router.gate = gate
    for feature in FEATURES:
        if feature.add_routes is not None:
            feature.add_routes(router, gate)
    return router


def _background(gate: AuthGate) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The host app's lifespan (merged by include_router) starts the purge and the mail sender at start-up (mail
    left in the outbox by the last run leaves at once) and stops them at shutdown."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        gate.cleanup.ensure_started()
        gate.mailer.ensure_started()
        yield
        await gate.cleanup.stop()
        await gate.mailer.close()

    return lifespan


async def current_user(request: Request) -> CurrentUser:
    """FastAPI dependency for the host app's own routes: the user behind a valid bearer access token.

    Works in any app that included a router made by `create_auth_router`.
    """
    return await _as_http_error(_find_gate(request), request)


class AuthHTTPException(HTTPException):
    """An HTTPException that keeps the domain error's stable code (add_exception_handlers answers it)."""

    def __init__(self, error: AuthError, headers: dict[str, str] | None = None) -> None:
        super().__init__(error.status_code, detail=error.detail, headers=headers or error.headers or None)
        self.code = error.code


async def _as_http_error(gate: AuthGate, request: Request) -> CurrentUser:
    # the host app's routes use FastAPI's own error handling: turn domain errors into HTTPException
    retry_after = {"Retry-After": str(gate.settings.db_unavailable_retry_after_seconds)}
    try:
        return await bearer_user(gate)(request)
    except ServiceUnavailable as error:
        raise AuthHTTPException(error, retry_after) from error
    except AuthError as error:
        raise AuthHTTPException(error) from error
    except DATABASE_DOWN as error:
        raise AuthHTTPException(ServiceUnavailable(), retry_after) from error


def _gate_among(routes: Sequence[BaseRoute], depth: int = 0) -> AuthGate | None:
    # older FastAPI copies routes into the app (keeping their class); newer wraps the included router
    for route in routes:
        for candidate in (
            getattr(route, "authgate", None),
            getattr(getattr(route, "original_router", None), "gate", None),
        ):
            if isinstance(candidate, AuthGate):
                return candidate
        nested = getattr(getattr(route, "original_router", None), "routes", None)
        if nested and depth < 4 and (found := _gate_among(nested, depth + 1)) is not None:
            return found
    return None


def _find_gate(request: Request) -> AuthGate:
    cached = getattr(request.app.state, "authgate", None)
    if isinstance(cached, AuthGate):
        return cached
    gate = _gate_among(request.app.router.routes)
    if gate is not None:
        request.app.state.authgate = gate
        return gate
    raise RuntimeError("current_user needs an auth router: app.include_router(create_auth_router(settings))")
