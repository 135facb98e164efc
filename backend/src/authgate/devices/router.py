from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from authgate.accounts.lookup import CurrentUser
from authgate.accounts.reauth import reauthenticate
from authgate.devices import service
from authgate.devices.schemas import SessionOut
from authgate.errors import (
    AccountSuspended,
    InvalidToken,
    NotAuthenticated,
    SessionNotFound,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.ratelimit.dependencies import rate_limit
from authgate.shared import PROOF_ERRORS, REQUEST_GUARDS, ProofFields, bearer_user, client_info, given_proof
from authgate.transport import clear_refresh_cookie, refresh_cookie

READER_ERRORS = (NotAuthenticated, InvalidToken, AccountSuspended)


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""
    # the access token only: the refresh cookie proves who is calling on /auth/me, refresh and logout, nowhere else
    reader = bearer_user(gate)

    @router.get(
        "/sessions",
        operation_id="account_sessions_list",
        response_model=list[SessionOut],
        summary="The reader's live sign-ins, newest first; `current` marks the one of this request's cookie",
        responses=error_responses(*READER_ERRORS, *REQUEST_GUARDS),
    )
    async def list_sessions(request: Request, user: CurrentUser = Depends(reader)) -> list[SessionOut]:
        sign_ins = await service.list_sessions(gate, user.id, refresh_cookie(request))
        return [SessionOut.model_validate(sign_in, from_attributes=True) for sign_in in sign_ins]

    @router.delete(
        "/sessions/{session_id}",
        operation_id="account_session_revoke",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="End one of the reader's sign-ins (its refresh token stops working at once)",
        responses=error_responses(SessionNotFound, *PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def revoke_session(
        session_id: str, request: Request, body: ProofFields | None = None, user: CurrentUser = Depends(reader)
    ) -> Response:
        await reauthenticate(gate, user, given_proof(request, body), client_info(request), action="end a session")
        was_current = await service.revoke_session(
            gate, user.id, session_id, client_info(request), refresh_cookie(request)
        )
        response = Response(status_code=status.HTTP_204_NO_CONTENT)
        if was_current:
            # the reader ended the session of this very browser: its cookie is dead, so drop it
            clear_refresh_cookie(response, request, gate.settings)
        return response

    @router.delete(
        "/sessions",
        operation_id="account_sessions_revoke_all",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Sign out everywhere: every sign-in and every access token issued so far; the cookie is cleared",
        responses=error_responses(*PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def sign_out_everywhere(
        request: Request, body: ProofFields | None = None, user: CurrentUser = Depends(reader)
    ) -> Response:
        await reauthenticate(gate, user, given_proof(request, body), client_info(request), action="sign out everywhere")
        await service.sign_out_everywhere(gate, user.id, client_info(request))
        response = Response(status_code=status.HTTP_204_NO_CONTENT)
        clear_refresh_cookie(response, request, gate.settings)
        return response
