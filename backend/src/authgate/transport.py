"""How tokens travel: the bearer header and the refresh cookie. The cookie is set and cleared here only."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from authgate.settings import Settings

REFRESH_COOKIE = "refresh_token"
# the cookie rides only on /auth/* requests, never on the rest of the platform's API
REFRESH_COOKIE_PATH = "/auth"
MAX_TOKEN_LENGTH = 8192


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def refresh_cookie(request: Request) -> str | None:
    token = request.cookies.get(REFRESH_COOKIE)
    if not token or len(token) > 512:
        return None
    return token


def set_refresh_cookie(response: Response, token: str, settings: Settings, *, max_age: int) -> None:
    response.set_cookie(
        key=REFRESH_COOKIE,
        value=token,
        max_age=max(max_age, 0),
        path=REFRESH_COOKIE_PATH,
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


def clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        key=REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def user_agent(request: Request) -> str | None:
    agent = request.headers.get("user-agent")
    return agent[:255] if agent else None
