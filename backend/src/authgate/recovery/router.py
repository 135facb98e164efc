from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from authgate.accounts.lookup import CurrentUser
from authgate.errors import (
    AccountSuspended,
    InvalidPassword,
    InvalidToken,
    NotAuthenticated,
    PasswordResetRequired,
    PasswordTooWeak,
    RateLimited,
    TokenInvalid,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.ratelimit.dependencies import rate_limit
from authgate.recovery import service
from authgate.recovery.schemas import ChangePasswordRequest, ForgotPasswordRequest, ResetPasswordRequest
from authgate.shared import REQUEST_GUARDS, DetailResponse, TokenResponse, bearer_user, client_info
from authgate.transport import refresh_cookie

SIGNED_IN = (NotAuthenticated, InvalidToken, AccountSuspended)
# one sentence for every address, known or not (OWASP Forgot Password cheat sheet)
RESET_REQUESTED = "If an account uses this address, a link to reset its password is on its way."
RESET_DONE = "Your password was changed and every device was signed out. Sign in with the new password."


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""
    # the access token only: the refresh cookie proves who is calling on /auth/me, refresh and logout, nowhere else
    reader = bearer_user(gate)

    @router.post(
        "/forgot-password",
        operation_id="password_forgot",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=DetailResponse,
        summary="Mail a password-reset link; the same answer whether or not the address has an account",
        responses=error_responses(RateLimited, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "forgot_password_ip"), rate_limit(gate, "forgot_password_account")],
    )
    async def forgot_password(body: ForgotPasswordRequest, request: Request) -> DetailResponse:
        service.forgot_password(gate, body.email, client_info(request))
        return DetailResponse(detail=RESET_REQUESTED)

    @router.post(
        "/reset-password",
        operation_id="password_reset",
        response_model=DetailResponse,
        summary="Set a new password with a mailed link; signs out every device and does not sign in",
        responses=error_responses(TokenInvalid, PasswordTooWeak, RateLimited, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "reset_password_ip")],
    )
    async def reset_password(body: ResetPasswordRequest, request: Request) -> DetailResponse:
        await service.reset_password(gate, body.token, body.new_password, client_info(request))
        return DetailResponse(detail=RESET_DONE)

    @router.post(
        "/change-password",
        operation_id="account_password_change",
        response_model=TokenResponse,
        summary="Change the password (current one required); other sessions are signed out, this one goes on",
        responses=error_responses(
            InvalidPassword, PasswordResetRequired, PasswordTooWeak, RateLimited, *SIGNED_IN, *REQUEST_GUARDS
        ),
        # checking the current password is a password guess like a sign-in: the same per-IP limit applies
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def change_password(
        body: ChangePasswordRequest, request: Request, user: CurrentUser = Depends(reader)
    ) -> TokenResponse:
        token = await service.change_password(
            gate, user, body.current_password, body.new_password, refresh_cookie(request), client_info(request)
        )
        return TokenResponse(access_token=token, expires_in=gate.access_lifetime_seconds)
