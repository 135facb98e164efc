from __future__ import annotations

import math
import uuid

from fastapi import APIRouter, Request, Response, status

from authgate.errors import (
    AccountSuspended,
    EmailNotVerified,
    InvalidToken,
    RateLimited,
    RefreshTokenInvalid,
    RefreshTokenReused,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.ratelimit.dependencies import rate_limit
from authgate.routing import error_response
from authgate.sessions import service
from authgate.shared import REQUEST_GUARDS, TokenResponse, client_info
from authgate.transport import bearer_token, clear_refresh_cookie, refresh_cookie, set_refresh_cookie


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""

    @router.post(
        "/refresh",
        operation_id="auth_refresh",
        response_model=TokenResponse,
        summary="Exchange the refresh cookie for a new access token (the cookie is rotated)",
        responses=error_responses(
            RefreshTokenInvalid, RefreshTokenReused, AccountSuspended, EmailNotVerified, RateLimited, *REQUEST_GUARDS
        ),
        dependencies=[rate_limit(gate, "refresh_ip")],
    )
    async def refresh(request: Request, response: Response) -> TokenResponse | Response:
        presented = refresh_cookie(request)
        if presented is None:
            raise RefreshTokenInvalid()
        try:
            user, issued = await service.rotate(gate, presented, client_info(request))
        except (RefreshTokenInvalid, RefreshTokenReused) as error:
            # a dead cookie is cleared, so the browser stops presenting it
            refused = error_response(error)
            clear_refresh_cookie(refused, request, gate.settings)
            return refused
        max_age = math.ceil((issued.expires_at - gate.now()).total_seconds())
        set_refresh_cookie(response, request, issued.token, gate.settings, max_age=max_age)
        # dated by the rotation (under the users row's lock), not by now: a sign-out everywhere that committed in
        # between must refuse this token too
        token = gate.issue_access_token(user, signed_in_at=gate.signed_in_at(issued.expires_at), now=issued.issued_at)
        return TokenResponse(access_token=token, expires_in=gate.access_lifetime_seconds)

    @router.post(
        "/logout",
        operation_id="auth_logout",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Sign out: revoke the reader's refresh tokens and clear the cookie (idempotent)",
        responses=error_responses(*REQUEST_GUARDS),
    )
    async def logout(request: Request) -> Response:
        user_id = await _caller(gate, request)
        if user_id is not None:
            await service.sign_out(gate, user_id, client_info(request))
        response = Response(status_code=status.HTTP_204_NO_CONTENT)
        clear_refresh_cookie(response, request, gate.settings)
        return response


async def _caller(gate: AuthGate, request: Request) -> uuid.UUID | None:
    """Logout works with the cookie alone, with an expired access token, or with neither."""
    cookie = refresh_cookie(request)
    if cookie is not None:
        owner = await service.owner_of_refresh_token(gate, cookie)
        if owner is not None:
            return owner
    token = bearer_token(request)
    if token is not None:
        try:
            return (await gate.user_from_access_token(token)).id
        except (InvalidToken, AccountSuspended):
            return None
    return None
