"""What every feature's routes share: who is calling, where from, the request guards, and the common bodies.

Features import this module, never one another's routers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.requests import Request

from authgate.accounts.lookup import CurrentUser, current_user_of
from authgate.accounts.reauth import GivenProof
from authgate.errors import (
    BadRequest,
    InvalidCode,
    InvalidPassword,
    InvalidToken,
    NotAuthenticated,
    OriginNotAllowed,
    PasswordResetRequired,
    PayloadTooLarge,
    RateLimited,
    RecentSignInRequired,
    RefreshTokenInvalid,
    RequestTimeout,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from authgate.gate import AuthGate
from authgate.sessions.service import user_for_refresh_cookie
from authgate.transport import ClientInfo, bearer_token, client_ip, refresh_cookie, user_agent

# what the route class itself may answer on any route (routing.py)
REQUEST_GUARDS = (
    OriginNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    ServiceUnavailable,
    BadRequest,
    RequestTimeout,
)
# what a route that asks for a proof (accounts/reauth.py: the password, a code, or a recent sign-in) may answer
PROOF_ERRORS = (InvalidPassword, InvalidCode, RecentSignInRequired, PasswordResetRequired, RateLimited)


def client_info(request: Request) -> ClientInfo:
    return ClientInfo(ip_address=client_ip(request), user_agent=user_agent(request))


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")


class DetailResponse(BaseModel):
    detail: str


# a password is capped like the sign-in body's; a code is 6 digits or a backup code (xxxxx-xxxxx), with room for spaces
MAX_PROOF_PASSWORD = 1024
MAX_PROOF_CODE = 64


class ProofFields(BaseModel):
    """A recent proof for a sensitive action (accounts/reauth.py): the password, or an authenticator app or backup
    code; with neither, a sign-in at most RECENT_SIGN_IN_MINUTES old (the access token's `auth_time`)."""

    password: str | None = Field(
        default=None, min_length=1, max_length=MAX_PROOF_PASSWORD, description="The reader's current password"
    )
    code: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PROOF_CODE,
        description="A code of the reader's authenticator app, or one of their backup codes",
    )


def given_proof(request: Request, body: ProofFields | None) -> GivenProof:
    """The proof a request brings; call after `bearer_user` has run (it reads the token's `auth_time`)."""
    return GivenProof(
        password=body.password if body else None,
        code=body.code if body else None,
        signed_in_at=signed_in_at(request),
    )


# ---------------------------------------------------------------- who is calling

UserDependency = Callable[[Request], Awaitable[CurrentUser]]


# declares the bearer scheme in OpenAPI (an Authorize button on /docs); the token itself is read by bearer_token
BEARER_SCHEME = HTTPBearer(auto_error=False, description="An access token from sign-in, refresh or sign-up")
# the same requirement as a route using BEARER_SCHEME gets, for a route that reads the header itself
BEARER_SECURITY: dict[str, Any] = {"security": [{BEARER_SCHEME.scheme_name: []}]}


def bearer_user(gate: AuthGate) -> UserDependency:
    async def dependency(
        request: Request, _documented: HTTPAuthorizationCredentials | None = Depends(BEARER_SCHEME)
    ) -> CurrentUser:
        token = bearer_token(request)
        if token is None:
            raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
        try:
            user, claims = await gate.verify_access(token)
        except InvalidToken as exc:
            raise InvalidToken(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
        request.scope[AUTH_TIME_SCOPE_KEY] = _auth_time(claims.claims.get("auth_time"))
        return user

    return dependency


AUTH_TIME_SCOPE_KEY = "authgate.auth_time"


def signed_in_at(request: Request) -> datetime | None:
    """When the caller last proved who they are (the access token's `auth_time`), once `bearer_user` has run."""
    value = request.scope.get(AUTH_TIME_SCOPE_KEY)
    return value if isinstance(value, datetime) else None


def _auth_time(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def bearer_or_cookie_user(gate: AuthGate) -> UserDependency:
    """The quickstart's client calls /auth/me on page load holding no access token, only the cookie."""

    # no Depends(BEARER_SCHEME) here: GET /auth/me is the hottest route, and a sub-dependency costs every request
    # its resolution; the route declares the scheme in OpenAPI itself (BEARER_SECURITY)
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
