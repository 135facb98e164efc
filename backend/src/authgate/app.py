"""`create_app(settings)`: the standalone service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from authgate import __version__
from authgate.errors import AuthError, ErrorCode
from authgate.router import create_auth_router
from authgate.routing import error_response, validation_response
from authgate.security import Clock, utc_now
from authgate.settings import Settings

HTTP_CODES = {404: ErrorCode.NOT_FOUND}


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings()
    auth_router = create_auth_router(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await auth_router.gate.dispose()

    app = FastAPI(
        title="authgate",
        version=__version__,
        description="Sign-up, sign-in and reader profiles for the docs platform. Errors: {detail, code}.",
        lifespan=lifespan,
    )
    app.state.authgate = auth_router.gate
    app.include_router(auth_router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    add_exception_handlers(app)

    @app.get("/health", tags=["operations"], summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def add_exception_handlers(app: FastAPI) -> None:
    """Give the host app's errors the same {detail, code} shape."""

    async def on_auth_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AuthError)
        return error_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return validation_response(exc)

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
        return JSONResponse(
            {"detail": str(exc.detail), "code": str(code)}, status_code=exc.status_code, headers=exc.headers
        )

    app.add_exception_handler(AuthError, on_auth_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
