from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from authgate.accounts.lookup import CurrentUser
from authgate.content.schemas import PAGE_ID_PATTERN, ContentPage
from authgate.content.service import filter_page, store_for
from authgate.errors import (
    AccountSuspended,
    ContentNeedsVerifiedEmail,
    ContentNotAdmitted,
    ContentNotFound,
    InvalidToken,
    LevelNotAdmitted,
    NotAuthenticated,
    ProfileRequired,
    RoleNotAdmitted,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.shared import REQUEST_GUARDS, bearer_user

# the route class answers these (and its errors) with `Cache-Control: private, no-store` and `Vary: Authorization`
PRIVATE = {"x-authgate-private": True}
DENIALS = (ContentNeedsVerifiedEmail, ProfileRequired, LevelNotAdmitted, RoleNotAdmitted, ContentNotAdmitted)


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""
    # the folder is read when the router is made, not at import; unset, every page is unknown
    store = store_for(gate.settings.members_content_dir)
    reader = bearer_user(gate)

    @router.get(
        "/content/{page_id}",
        operation_id="content_page_get",
        response_model=ContentPage,
        summary="A page's members-only blocks: the content of each block the reader's profile admits, the reason "
        "for each one it does not (403 when it admits none)",
        responses=error_responses(
            NotAuthenticated, InvalidToken, AccountSuspended, ContentNotFound, *DENIALS, *REQUEST_GUARDS
        ),
        openapi_extra=PRIVATE,
    )
    async def page_content(
        page_id: Annotated[str, Path(pattern=PAGE_ID_PATTERN, description="The id the kit gave the page")],
        user: CurrentUser = Depends(reader),
    ) -> ContentPage:
        return filter_page(store.load(page_id), user)
