from __future__ import annotations

import functools

from fastapi import APIRouter, Depends, Request, Response

from authgate.accounts.lookup import CurrentUser
from authgate.accounts.schemas import MeResponse, ProfileOut, UserOut
from authgate.errors import (
    AccountSuspended,
    InvalidToken,
    NotAuthenticated,
    ServiceUnavailable,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.profile import service
from authgate.profile.schemas import ProfileUpdate
from authgate.shared import BEARER_SECURITY, REQUEST_GUARDS, bearer_or_cookie_user, bearer_user, client_info


def me_response(user: CurrentUser) -> Response:
    return Response(_me_body(user), media_type="application/json")


# the body of a reader's GET /auth/me, kept per snapshot: a reader kept in memory (accounts.snapshots) is the same
# object for its whole stay, and an equal snapshot gives the same body (a changed reader is another key)
@functools.lru_cache(maxsize=4096)
def _me_body(user: CurrentUser) -> bytes:
    body = MeResponse(
        user=UserOut.model_validate(user),
        profile=ProfileOut.model_validate(user.profile) if user.profile else None,
        profile_complete=user.profile is not None,
    )
    # serialised here, once: FastAPI would validate the returned model again (the declared response_model
    # still documents the shape in OpenAPI)
    return body.model_dump_json().encode()


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""
    # GET /auth/me alone also takes the refresh cookie (read-only): the quickstart's client asks it on page load
    # holding no access token. Every change to the account needs the access token.
    page_load_reader = bearer_or_cookie_user(gate)
    reader = bearer_user(gate)

    @router.get(
        "/me",
        operation_id="auth_me",
        response_model=MeResponse,
        summary="The signed-in reader and profile (bearer access token, or else the refresh cookie, read-only)",
        responses=error_responses(NotAuthenticated, InvalidToken, AccountSuspended, ServiceUnavailable),
        openapi_extra=BEARER_SECURITY,
    )
    async def me(request: Request) -> Response:
        # the reader asked for directly, not through Depends: the hottest route, and FastAPI's dependency
        # resolution cost it more than reading the reader does (the route declares its security itself)
        return me_response(await page_load_reader(request))

    @router.patch(
        "/me/profile",
        operation_id="account_profile_update",
        response_model=MeResponse,
        summary="Change the reader's profile (only the fields sent)",
        responses=error_responses(NotAuthenticated, InvalidToken, AccountSuspended, *REQUEST_GUARDS),
    )
    async def update_profile(body: ProfileUpdate, request: Request, user: CurrentUser = Depends(reader)) -> MeResponse:
        profile = await service.update_profile(gate, user, body, client_info(request))
        return MeResponse(
            user=UserOut.model_validate(user), profile=ProfileOut.model_validate(profile), profile_complete=True
        )
