from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from authgate.accounts.lookup import CurrentUser
from authgate.errors import (
    AccountSuspended,
    EmailAlreadyExists,
    InvalidToken,
    NotAuthenticated,
    RateLimited,
    TokenInvalid,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.ratelimit.dependencies import rate_limit
from authgate.shared import PROOF_ERRORS, REQUEST_GUARDS, DetailResponse, bearer_user, client_info, given_proof
from authgate.transport import refresh_cookie
from authgate.verification import email_change, service
from authgate.verification.schemas import ChangeEmailRequest, VerifyEmailRequest, VerifyEmailResponse

SIGNED_IN = (NotAuthenticated, InvalidToken, AccountSuspended)
RESENT = "If your address still needs verifying, a new link is on its way."
CHANGE_REQUESTED = "A confirmation link was mailed to the new address; the change happens when it is used."


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""
    # the access token only: the refresh cookie proves who is calling on /auth/me, refresh and logout, nowhere else
    reader = bearer_user(gate)

    @router.post(
        "/verify-email",
        operation_id="email_verify",
        response_model=VerifyEmailResponse,
        summary="Use a mailed verification link (also completes an email change)",
        responses=error_responses(TokenInvalid, EmailAlreadyExists, RateLimited, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "verification_ip")],
    )
    async def verify_email(body: VerifyEmailRequest, request: Request) -> VerifyEmailResponse:
        email = await service.verify(gate, body.token, client_info(request), refresh_cookie(request))
        return VerifyEmailResponse(email=email, is_verified=True)

    @router.post(
        "/verify-email/resend",
        operation_id="email_verification_resend",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=DetailResponse,
        summary="Mail a new verification link to the reader's address (the older link stops working)",
        responses=error_responses(RateLimited, *SIGNED_IN, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "verification_ip")],
    )
    async def resend_verification(request: Request, user: CurrentUser = Depends(reader)) -> DetailResponse:
        await service.resend(gate, user, client_info(request))
        return DetailResponse(detail=RESENT)

    @router.post(
        "/change-email",
        operation_id="account_email_change",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=DetailResponse,
        summary="Ask to change the sign-in address: a link goes to the new address, a notice to the old one",
        responses=error_responses(EmailAlreadyExists, *PROOF_ERRORS, *SIGNED_IN, *REQUEST_GUARDS),
        # checking the password is a password guess like a sign-in: the same per-IP limit applies
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def change_email(
        body: ChangeEmailRequest, request: Request, user: CurrentUser = Depends(reader)
    ) -> DetailResponse:
        await email_change.request_email_change(
            gate, user, body.new_email, given_proof(request, body), client_info(request)
        )
        return DetailResponse(detail=CHANGE_REQUESTED)
