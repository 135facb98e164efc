from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from authgate.accounts import service
from authgate.accounts.schemas import AuthResponse, ChallengeResponse, LoginRequest, SignupRequest
from authgate.accounts.signin import challenge_response, signed_in_response
from authgate.errors import (
    AccountSuspended,
    EmailAlreadyExists,
    EmailNotVerified,
    InvalidCredentials,
    PasswordResetRequired,
    PasswordTooWeak,
    RateLimited,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.mfa.factors import SecondFactorRequired
from authgate.ratelimit.dependencies import rate_limit
from authgate.shared import REQUEST_GUARDS, client_info


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""

    @router.post(
        "/signup",
        operation_id="auth_signup",
        status_code=status.HTTP_201_CREATED,
        response_model=AuthResponse,
        summary="Create an account with a reader profile and sign in",
        responses=error_responses(EmailAlreadyExists, PasswordTooWeak, RateLimited, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "signup_ip")],
    )
    async def signup(body: SignupRequest, request: Request, response: Response) -> AuthResponse:
        signed_in = await service.signup(gate, body, client_info(request))
        return signed_in_response(gate, request, response, signed_in)

    @router.post(
        "/login",
        operation_id="auth_login",
        response_model=AuthResponse | ChallengeResponse,
        summary="Sign in with email and password",
        description=(
            "Answers the session (AuthResponse, refresh cookie). For a reader with two-step sign-in on it answers a "
            "ChallengeResponse instead (`mfa_required: true`, no tokens, no refresh cookie, an `authgate_challenge` "
            "cookie): POST /auth/mfa/verify with a code completes the sign-in."
        ),
        responses=error_responses(
            InvalidCredentials, AccountSuspended, EmailNotVerified, RateLimited, PasswordResetRequired, *REQUEST_GUARDS
        ),
        # per IP here; per account (and the failure lockout) in the service, still before any hashing
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def login(body: LoginRequest, request: Request, response: Response) -> AuthResponse | ChallengeResponse:
        try:
            signed_in = await service.login(gate, body, client_info(request))
        except SecondFactorRequired as required:
            return challenge_response(gate, request, response, required.challenge)
        return signed_in_response(gate, request, response, signed_in)
