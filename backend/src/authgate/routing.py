"""The route class every auth route uses: request guards, error bodies and no-store, even when mounted."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from authgate.errors import (
    AuthError,
    ErrorCode,
    OriginNotAllowed,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from authgate.settings import Settings

if TYPE_CHECKING:
    from authgate.gate import AuthGate

logger = logging.getLogger("authgate")

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# what a lost or refused database connection raises, through SQLAlchemy or straight from the driver
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, OSError, TimeoutError)


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
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def unavailable_response(settings: Settings) -> JSONResponse:
    return error_response(ServiceUnavailable(headers={"Retry-After": str(settings.db_unavailable_retry_after_seconds)}))


def check_origin(request: Request, settings: Settings) -> None:
    """CSRF defence for cookie-bearing routes without a custom header (OWASP CSRF cheat sheet: verify origin)."""
    origin = request.headers.get("origin")
    if origin is not None:
        own_origin = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") not in settings.cors_origins and origin != own_origin:
            raise OriginNotAllowed()
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise OriginNotAllowed()


async def read_capped_body(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    # FastAPI reads the cached body afterwards instead of the (now drained) stream
    request._body = b"".join(chunks)


def check_json_media_type(request: Request) -> None:
    body: bytes = getattr(request, "_body", b"")
    if not body:
        return
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType()


def make_route_class(gate: AuthGate) -> type[APIRoute]:
    settings = gate.settings

    class AuthRoute(APIRoute):
        # include_router copies routes but keeps their class: `current_user` finds the runtime through it
        authgate = gate

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            expects_json = self.body_field is not None

            async def guarded(request: Request) -> Response:
                # the router may be mounted into an app that never runs our lifespan: start the purge here
                gate.cleanup.ensure_started()
                try:
                    if request.method in UNSAFE_METHODS:
                        check_origin(request, settings)
                        await read_capped_body(request, settings.max_body_bytes)
                        if expects_json:
                            check_json_media_type(request)
                    response = await handler(request)
                except ServiceUnavailable:
                    response = unavailable_response(settings)
                except AuthError as error:
                    response = error_response(error)
                except RequestValidationError as error:
                    response = validation_response(error)
                except DATABASE_DOWN as error:
                    logger.warning("database unavailable: %s", type(error).__name__)
                    response = unavailable_response(settings)
                except DBAPIError as error:
                    if not error.connection_invalidated:
                        raise
                    logger.warning("database connection lost")
                    response = unavailable_response(settings)
                # tokens and personal data must not be kept by browsers or proxies
                response.headers["Cache-Control"] = "no-store"
                response.headers["Pragma"] = "no-cache"
                return response

            return guarded

    return AuthRoute
