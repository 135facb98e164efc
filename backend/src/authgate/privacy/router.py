from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request, Response, status

from authgate.accounts.lookup import CurrentUser
from authgate.errors import (
    AccountSuspended,
    InvalidToken,
    NotAuthenticated,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.privacy import service
from authgate.privacy.schemas import (
    EVENTS_DEFAULT_LIMIT,
    EVENTS_MAX_LIMIT,
    DataExport,
    DeleteAccountRequest,
    EventOut,
)
from authgate.ratelimit.dependencies import rate_limit
from authgate.shared import PROOF_ERRORS, REQUEST_GUARDS, bearer_user, client_info, given_proof
from authgate.transport import clear_refresh_cookie

READER_ERRORS = (NotAuthenticated, InvalidToken, AccountSuspended)
EXPORT_FILENAME = "authgate-export.json"


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""
    # the access token only: the refresh cookie proves who is calling on /auth/me, refresh and logout, nowhere else
    reader = bearer_user(gate)

    @router.get(
        "/me/export",
        operation_id="account_export",
        response_model=DataExport,
        summary="Everything stored about the reader, as a JSON download (never a password hash or a token)",
        responses=error_responses(*READER_ERRORS, *REQUEST_GUARDS),
    )
    async def export(request: Request, user: CurrentUser = Depends(reader)) -> Response:
        data = await service.export(gate, user.id, client_info(request))
        return Response(
            data.model_dump_json(indent=2),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"'},
        )

    @router.get(
        "/me/events",
        operation_id="account_events_list",
        response_model=list[EventOut],
        summary="The reader's security events, newest first; page with ?before=<created_at of the last one>",
        responses=error_responses(*READER_ERRORS, *REQUEST_GUARDS),
    )
    async def events(
        user: CurrentUser = Depends(reader),
        limit: int = Query(EVENTS_DEFAULT_LIMIT, ge=1, le=EVENTS_MAX_LIMIT),
        before: datetime | None = Query(None, description="ISO 8601; only events strictly older (no offset = UTC)"),
    ) -> list[EventOut]:
        return await service.list_events(gate, user.id, limit=limit, before=before)

    @router.delete(
        "/me",
        operation_id="account_delete",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Delete the account and everything of the reader (needs the password); the cookie is cleared",
        responses=error_responses(*PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        # the password check is a sign-in attempt: it counts in the login window of the client's IP, and over the
        # limit it is refused before any argon2 work (OWASP ASVS 5.0 V6.3.1 / NIST SP 800-63B-4 §3.2.2)
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def delete_account(
        body: DeleteAccountRequest, request: Request, user: CurrentUser = Depends(reader)
    ) -> Response:
        await service.delete_account(gate, user, given_proof(request, body), client_info(request))
        response = Response(status_code=status.HTTP_204_NO_CONTENT)
        clear_refresh_cookie(response, request, gate.settings)
        return response
