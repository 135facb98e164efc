"""`create_app(settings)`: the standalone service."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match

from authgate import __version__
from authgate.errors import AuthError, OriginNotAllowed
from authgate.gate import AuthGate
from authgate.keys.router import jwks_response, metadata_response
from authgate.keys.schemas import JwksDocument, ServerMetadata
from authgate.observability import metrics_document
from authgate.router import create_auth_router
from authgate.routing import (
    DATABASE_DOWN,
    REQUEST_ID_HEADER,
    ResponseHeadersMiddleware,
    database_error_response,
    declared_operation_id,
    error_response,
    http_error_response,
    unavailable_response,
    unexpected_error_response,
    validation_response,
)
from authgate.security import Clock, utc_now
from authgate.settings import Settings

logger = logging.getLogger("authgate")


class JSONPreflightCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, whose refused preflight is a plain-text 400: here it is {detail, code} too."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = error_response(OriginNotAllowed())
        refused.status_code = response.status_code
        return refused


def give_back_startup_memory() -> None:
    """Imports and building the routes leave freed blocks in the C heap, which glibc keeps unless asked: handing
    them back lowers the service's resident memory for its whole life (about 4 MB here, `make bench` figure d)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to ask


def freeze_startup_objects() -> None:
    """The standalone service, once its app is built: what start-up made (modules, routes, schemas; about 160,000
    objects) lives as long as the process, so the cyclic garbage collector stops scanning it (`gc.freeze`). A full
    collection walked all of it on the event loop, 40 to 80 ms here, a pause for every request in flight. Not done
    in `create_app`: an app mounted in someone else's process (or built once per test) is not ours to freeze."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings()
    auth_router = create_auth_router(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        give_back_startup_memory()
        # what include_router would have merged: the purge and the mail sender start and stop with the app
        async with auth_router.lifespan_context(app):
            yield
        await auth_router.gate.dispose()

    docs: dict[str, Any] = {} if settings.api_docs else {"docs_url": None, "redoc_url": None, "openapi_url": None}
    app = FastAPI(
        title="authgate",
        version=__version__,
        description="Sign-up, sign-in and reader profiles for the docs platform. Errors: {detail, code}.",
        lifespan=lifespan,
        generate_unique_id_function=declared_operation_id,
        # the auth routes are the app's own (each already carries the router's prefix, tags and route class): a
        # host app's include_router matches every request twice through a wrapper, about a tenth of a
        # GET /auth/me here; the service has no other router to keep them apart from
        routes=list(auth_router.routes),
        **docs,
    )
    app.state.authgate = auth_router.gate
    app.add_middleware(
        JSONPreflightCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
        expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
        max_age=600,
    )
    # outermost: every response, CORS preflights and errors included
    app.add_middleware(ResponseHeadersMiddleware, settings=settings)
    add_exception_handlers(app)

    @app.get(
        "/health",
        operation_id="ops_health",
        tags=["operations"],
        summary="Liveness (the quickstart's name for /healthz)",
    )
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/healthz",
        operation_id="ops_healthz",
        tags=["operations"],
        summary="Liveness: the process answers (no dependency is asked)",
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        operation_id="ops_readyz",
        tags=["operations"],
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "The database does not answer in time"}},
        summary="Readiness: the database answers within its timeouts (Redis, when configured, is reported: "
        "without it the service is degraded, not down)",
    )
    async def readyz() -> Response:
        readiness = await check_readiness(auth_router.gate)
        status = 503 if readiness.status == "unavailable" else 200
        headers = {"Cache-Control": "no-store"}
        if status == 503:
            headers["Retry-After"] = str(settings.db_unavailable_retry_after_seconds)
        return JSONResponse(readiness.model_dump(), status_code=status, headers=headers)

    if settings.metrics:

        @app.get(
            "/metrics",
            operation_id="ops_metrics",
            tags=["operations"],
            summary="Prometheus metrics",
            include_in_schema=False,
        )
        async def metrics(request: Request) -> Response:
            if settings.metrics_token is not None and not token_matches(
                request.headers.get("authorization", ""), settings.metrics_token.get_secret_value()
            ):
                return JSONResponse(
                    {"detail": "A metrics token is required", "code": "NOT_AUTHENTICATED"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
                )
            body, media_type = metrics_document()
            return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})

    gate = auth_router.gate

    # where other services look first: the same documents as under /auth/.well-known/
    @app.get(
        "/.well-known/jwks.json",
        operation_id="ops_jwks",
        tags=["operations"],
        response_model=JwksDocument,
        summary="Public keys (JWKS)",
    )
    async def root_jwks(request: Request) -> Response:
        # not an auth route (whose guard turns a database outage into 503): an instance that started during an
        # outage loads its key pairs here on the first request, and a refused connection was a plain 500
        try:
            await gate.ready_keys()
        except DBAPIError as error:
            return database_error_response(error, request, settings)
        except DATABASE_DOWN:
            return unavailable_response(settings)
        return jwks_response(gate)

    @app.get(
        "/.well-known/oauth-authorization-server",
        operation_id="ops_server_metadata",
        tags=["operations"],
        response_model=ServerMetadata,
        summary="Issuer, JWKS and introspection endpoint",
    )
    async def root_metadata() -> Response:
        return metadata_response(gate, "/auth")

    return app


class Readiness(BaseModel):
    status: str
    database: str
    redis: str


async def check_readiness(gate: AuthGate) -> Readiness:
    """Each dependency asked once, bounded by its own timeouts (DB_* and REDIS_TIMEOUT_SECONDS)."""
    database = "ok"
    try:
        async with asyncio.timeout(
            gate.settings.db_statement_timeout_seconds + gate.settings.db_connect_timeout_seconds
        ):
            async with gate.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure is "not ready"; the type is logged, never the URL
        logger.warning("readiness: database %s", type(error).__name__)
        database = "unavailable"
    answered = await gate.limiter.redis_ready()
    redis = "not configured" if answered is None else ("ok" if answered else "unavailable")
    # without Redis every instance still serves (each with its own counters: docs/rate-limits.md); a 503
    # here would take every instance out of its load balancer at once and turn a Redis outage into a full one
    if database != "ok":
        status = "unavailable"
    elif redis == "unavailable":
        status = "degraded"
    else:
        status = "ok"
    return Readiness(status=status, database=database, redis=redis)


def token_matches(header: str, expected: str) -> bool:
    scheme, _, given = header.partition(" ")
    if not expected.strip() or not given:
        # a blank METRICS_TOKEN (`METRICS_TOKEN=`, or a compose file's `${VAR}` of an unset variable) lets no one in:
        # compared as it was, `Authorization: Bearer` with nothing after it matched it (attack pass)
        return False
    digest = hashlib.sha256
    return scheme.lower() == "bearer" and hmac.compare_digest(
        digest(given.encode()).digest(), digest(expected.encode()).digest()
    )


def allowed_methods(request: Request) -> set[str]:
    allowed: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            allowed |= set(getattr(route, "methods", None) or ())
    return allowed


def add_exception_handlers(app: FastAPI) -> None:
    """Give the host app's errors the same {detail, code} shape."""

    async def on_auth_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AuthError)
        return error_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return validation_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = http_error_response(exc)
        response.headers["Cache-Control"] = "no-store"
        if exc.status_code == 405:
            # RFC 9110 §15.5.6: every method of the resource, not only those of the first route that matched the path
            response.headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
        return response

    async def on_unexpected_error(request: Request, exc: Exception) -> Response:
        return unexpected_error_response(exc, request)

    app.add_exception_handler(AuthError, on_auth_error)
    app.add_exception_handler(Exception, on_unexpected_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
