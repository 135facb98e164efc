"""Who is calling: from the bearer access token, or (read-only) the refresh cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request

from authgate.accounts.lookup import CurrentUser, current_user_of
from authgate.errors import InvalidToken, NotAuthenticated, RefreshTokenInvalid
from authgate.gate import AuthGate
from authgate.sessions.service import user_for_refresh_cookie
from authgate.transport import bearer_token, refresh_cookie

UserDependency = Callable[[Request], Awaitable[CurrentUser]]


def bearer_user(gate: AuthGate) -> UserDependency:
    async def dependency(request: Request) -> CurrentUser:
        token = bearer_token(request)
        if token is None:
            raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
        try:
            return await gate.user_from_access_token(token)
        except InvalidToken as exc:
            raise InvalidToken(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc

    return dependency


def bearer_or_cookie_user(gate: AuthGate) -> UserDependency:
    """The quickstart's client calls /auth/me on page load holding no access token, only the cookie."""

    async def dependency(request: Request) -> CurrentUser:
        token = bearer_token(request)
        cookie = refresh_cookie(request)
        if token is not None:
            try:
                return await gate.user_from_access_token(token)
            except InvalidToken:
                if cookie is None:
                    raise
        if cookie is None:
            raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
        try:
            return current_user_of(await user_for_refresh_cookie(gate, cookie))
        except RefreshTokenInvalid as exc:
            raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"}) from exc

    return dependency
