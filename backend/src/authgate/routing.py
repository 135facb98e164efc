"""The route class every auth route uses: request guards, error bodies and no-store, even when mounted."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from authgate.db import DATA_EXCEPTION_CLASS, ROLLED_BACK_CLASS, is_unavailable_state, sqlstate_of
from authgate.errors import (
    HTTP_ERROR_CODES,
    AuthError,
    BadRequest,
    ErrorCode,
    InternalError,
    OriginNotAllowed,
    PayloadTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    UnstorableValue,
    UnsupportedMediaType,
)
from authgate.observability import REQUEST_ID, log_access, observe_request
from authgate.settings import Settings
from authgate.transport import COOKIE_PATH_SCOPE_KEY, REFRESH_COOKIE_PATH

if TYPE_CHECKING:
    from authgate.gate import AuthGate

logger = logging.getLogger("authgate")

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# what a lost or refused database connection raises, through SQLAlchemy or straight from the driver
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, OSError, TimeoutError)
REQUEST_ID_HEADER = "X-Request-ID"
# a request id from the client (or a proxy) is echoed only if it is short and plain: it ends up in logs
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# HSTS for two years with subdomains (RFC 6797; the OWASP HTTP headers cheat sheet's value)
HSTS = "max-age=63072000; includeSubDomains"


def error_response(error: AuthError) -> JSONResponse:
    return JSONResponse(
        {"detail": error.detail, "code": error.code.value},
        status_code=error.status_code,
        headers=error.headers,
    )


def validation_response(error: RequestValidationError) -> JSONResponse:
    errors = [
        {
            "loc": [str(part) if not isinstance(part, int) else part for part in item.get("loc", ())],
            "msg": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in error.errors()
    ]
    # the quickstart's pages show `detail` as text, so it is one readable sentence, not a list
    summary = "; ".join(f"{_field_name(e['loc'])}: {e['msg']}" for e in errors) or "Invalid request"
    return JSONResponse(
        {"detail": summary, "code": ErrorCode.VALIDATION_ERROR.value, "errors": errors}, status_code=422
    )


def _field_name(loc: Sequence[Any]) -> str:
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):
        # malformed JSON: pydantic reports the character position, not a field
        return "body"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def unavailable_response(settings: Settings) -> JSONResponse:
    return error_response(ServiceUnavailable(headers={"Retry-After": str(settings.db_unavailable_retry_after_seconds)}))


def http_error_response(error: HTTPException) -> JSONResponse:
    """An HTTP error raised by the framework itself (an unreadable body, an unknown path): the same {detail, code}."""
    status = error.status_code
    code = getattr(error, "code", None)
    if not isinstance(code, ErrorCode):
        code = HTTP_ERROR_CODES.get(status)
    if code is None:
        code = ErrorCode.BAD_REQUEST if 400 <= status < 500 else ErrorCode.INTERNAL_ERROR
    detail = error.detail if isinstance(error.detail, str) else "Bad request"
    return JSONResponse({"detail": detail, "code": code.value}, status_code=status, headers=error.headers)


def request_id(request: Request) -> str:
    """The request's id: the caller's X-Request-ID when it is plain and short, otherwise a new one."""
    known = request.scope.get("authgate.request_id")
    if isinstance(known, str):
        return known
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # 32 hex digits, like uuid4().hex, for a fraction of its cost (every request makes one)
    chosen = given if _REQUEST_ID.fullmatch(given) else os.urandom(16).hex()
    request.scope["authgate.request_id"] = chosen
    return chosen


def security_headers(settings: Settings) -> dict[str, str]:
    """On every response (OWASP HTTP headers cheat sheet): no MIME sniffing, never framed, HSTS behind https."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "frame-ancestors 'none'",
        "Referrer-Policy": "no-referrer",
    }
    if settings.public_url.startswith("https://") or settings.auth_public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


def apply_headers(headers: MutableHeaders, extra: Mapping[str, str]) -> None:
    for name, value in extra.items():
        if name not in headers:
            headers[name] = value


def check_origin(request: Request, settings: Settings) -> None:
    """CSRF defence for cookie-bearing routes without a custom header (OWASP CSRF cheat sheet: verify origin).

    The API's own origin is AUTH_PUBLIC_URL's, from settings: the Host header is the client's to choose.
    """
    origin = request.headers.get("origin")
    if origin is not None:
        origin = origin.rstrip("/")
        if origin not in settings.cors_origins and origin.lower() != settings.auth_origin:
            raise OriginNotAllowed()
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise OriginNotAllowed()


async def read_capped_body(request: Request, limit: int, deadline_seconds: float) -> None:
    """The whole body, at most `limit` bytes, within `deadline_seconds`: a client that promises a body and sends it a
    byte at a time (slowloris) is answered 408 instead of holding the request open."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(deadline_seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge()
                chunks.append(chunk)
    except TimeoutError:
        raise RequestTimeout() from None
    # FastAPI reads the cached body afterwards instead of the (now drained) stream
    request._body = b"".join(chunks)


def check_json_media_type(request: Request) -> None:
    body: bytes = getattr(request, "_body", b"")
    if not body:
        return
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType()


def unexpected_error_response(error: BaseException, request: Request) -> JSONResponse:
    """An error nobody planned for: logged with its traceback and the request id, answered as JSON, never as text."""
    logger.error("unexpected %s [request %s]", type(error).__name__, request_id(request), exc_info=error)
    return error_response(InternalError())


def database_error_response(error: DBAPIError, request: Request, settings: Settings) -> Response:
    state = sqlstate_of(error)
    if error.connection_invalidated or is_unavailable_state(state):
        # lost, refused, restarting ("the database system is starting up"), out of connections
        logger.warning(
            "database unavailable (SQLSTATE %s, %s) [request %s]",
            state or "-",
            driver_error(error),
            request_id(request),
        )
        return unavailable_response(settings)
    if state is not None and state.startswith(ROLLED_BACK_CLASS):
        # rolled back whole: nothing half-applied, and trying again will most likely succeed
        logger.warning("transaction rolled back by the database (SQLSTATE %s) [request %s]", state, request_id(request))
        return error_response(ServiceUnavailable(headers={"Retry-After": "1"}))
    if state is not None and state.startswith(DATA_EXCEPTION_CLASS):
        # a value the database cannot store got past validation: the request's fault, and nothing was written
        logger.warning("value refused by the database (SQLSTATE %s) [request %s]", state, request_id(request))
        return error_response(UnstorableValue())
    if isinstance(error, OperationalError | InterfaceError):
        # refused, reset or locked (SQLite's "database is locked" after its busy timeout)
        logger.warning("database unavailable: %s [request %s]", type(error).__name__, request_id(request))
        return unavailable_response(settings)
    return unexpected_error_response(error, request)


def driver_error(error: DBAPIError) -> str:
    """The name of the driver's own exception behind a database error (`ConnectionDoesNotExistError`,
    `IdleInTransactionSessionTimeoutError`, `TimeoutError`): what happened, never its message (it may quote
    values)."""
    cause: BaseException = error
    for candidate in (error.orig, getattr(error.orig, "__cause__", None)):
        if candidate is not None:
            cause = candidate
    return type(cause).__name__


def declared_operation_id(route: APIRoute) -> str:
    """`generate_unique_id_function` of the auth router and the app: every route states its `operation_id`.

    FastAPI's default derives it from the function's name and path, so renaming a function would rename the operation
    in every generated client; asked only for a route without one, this refuses at start-up instead (docs/contract.md).
    """
    methods = ", ".join(sorted(route.methods or ()))
    raise RuntimeError(f"route {methods} {route.path} needs an explicit operation_id (docs/contract.md)")


def make_route_class(gate: AuthGate) -> type[APIRoute]:
    settings = gate.settings
    always_raw = _raw({"Cache-Control": "no-store", "Pragma": "no-cache", **security_headers(settings)})
    always_public = _raw(security_headers(settings))
    # a response meant for one reader only (members-only content): no shared cache keeps it, and a cache that does
    # keep a copy in the browser keys it by the bearer token
    private = {"Cache-Control": "private, no-store", "Pragma": "no-cache", "Vary": "Authorization"}
    always_private = _raw({**private, **security_headers(settings)})

    class AuthRoute(APIRoute):
        # include_router copies routes but keeps their class: `current_user` finds the runtime through it
        authgate = gate
        # the paths the auth router itself gave its routes (/auth/login, …): a copy under a prefix ends with one
        own_paths: set[str] = set()

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            expects_json = self.body_field is not None
            # public documents (the JWKS) may be cached by anyone; everything else is no-store
            # the template (/auth/passkeys/{passkey_id}), never the path itself: bounded labels, no ids in metrics
            route = self.path_format
            extra = self.openapi_extra or {}
            headers = (
                always_public
                if extra.get("x-authgate-cacheable")
                else always_private
                if extra.get("x-authgate-private")
                else always_raw
            )
            auth_base = self._auth_base()
            # segments of this route's own path: what the request path has beyond them is an outer prefix (newer
            # FastAPI keeps an included router's routes as they are and strips the prefix while matching)
            depth = len([part for part in self.path.split("/") if part])

            async def guarded(request: Request) -> Response:
                started = time.perf_counter()
                context = REQUEST_ID.set(request_id(request))
                # the router may be mounted into an app that never runs our lifespan: start the purge and the
                # mail sender here
                gate.cleanup.ensure_started()
                gate.mailer.ensure_started()
                request.scope[COOKIE_PATH_SCOPE_KEY] = _outer_prefix(request.scope.get("path", ""), depth) + auth_base
                try:
                    if request.method in UNSAFE_METHODS:
                        check_origin(request, settings)
                        await read_capped_body(request, settings.max_body_bytes, settings.body_read_timeout_seconds)
                        if expects_json:
                            check_json_media_type(request)
                    await gate.ready_keys()
                    response = await handler(request)
                except ServiceUnavailable:
                    response = unavailable_response(settings)
                except AuthError as error:
                    response = error_response(error)
                except RequestValidationError as error:
                    response = validation_response(error)
                except HTTPException as error:
                    response = http_error_response(error)
                except DBAPIError as error:
                    response = database_error_response(error, request, settings)
                except DATABASE_DOWN as error:
                    logger.warning("database unavailable: %s [request %s]", type(error).__name__, request_id(request))
                    response = unavailable_response(settings)
                except ClientDisconnect:
                    # the client went away mid-body: nobody to answer, and nothing went wrong on our side
                    logger.info("client disconnected [request %s]", request_id(request))
                    response = error_response(BadRequest("The client closed the connection"))
                except Exception as error:  # noqa: BLE001 - the one place every unplanned error becomes JSON
                    if is_unavailable_state(sqlstate_of(error)):
                        # straight from the driver (the lean user lookup): restarting, out of connections
                        response = unavailable_response(settings)
                    else:
                        response = unexpected_error_response(error, request)
                # tokens and personal data must not be kept by browsers or proxies; the security headers and the
                # request id (raw pairs: this runs on every request, GET /auth/me's hot path included)
                raw = [pair for pair in response.raw_headers if pair[0] not in _REPLACED or headers is always_public]
                raw.extend(headers)
                raw.append((_REQUEST_ID_RAW, request_id(request).encode("latin-1")))
                response.raw_headers = raw
                observe_request(route, response.status_code, started)
                log_access(request.method, route, response.status_code, started)
                REQUEST_ID.reset(context)
                return response

            return guarded

        def _auth_base(self) -> str:
            """The auth routes' base path with the host app's prefix: "/auth", or "/api/auth" for a router
            included with prefix="/api"."""
            for own in sorted(self.own_paths, key=len, reverse=True):
                if self.path != own and self.path.endswith(own):
                    return self.path[: -len(own)] + REFRESH_COOKIE_PATH
            self.own_paths.add(self.path)
            return REFRESH_COOKIE_PATH

    return AuthRoute


_REPLACED = frozenset({b"cache-control", b"pragma"})
_REQUEST_ID_RAW = REQUEST_ID_HEADER.lower().encode("latin-1")


def _raw(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class ResponseHeadersMiddleware:
    """For a whole app (the standalone service): security headers and X-Request-ID on every response, whatever
    produced it (an unknown path, /docs, a host app's own route). Pure ASGI: no body buffering."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.headers = _raw(security_headers(settings))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        identifier = request_id(Request(scope))
        REQUEST_ID.set(identifier)

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                names = {name.lower() for name, _ in raw}
                # an auth route has added everything already (its request id is the sign); anything else gets it here
                if _REQUEST_ID_RAW not in names:
                    raw.extend(pair for pair in self.headers if pair[0] not in names)
                    raw.append((_REQUEST_ID_RAW, identifier.encode("latin-1")))
                    if message.get("status", 200) >= 400 and b"cache-control" not in names:
                        raw.append((b"cache-control", b"no-store"))
                    message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _outer_prefix(request_path: str, depth: int) -> str:
    """`request_path` without its last `depth` segments: "/api" for "/api/auth/login" and a route "/auth/login"."""
    parts = [part for part in request_path.split("/") if part]
    outer = parts[: max(len(parts) - depth, 0)]
    return "/" + "/".join(outer) if outer else ""
