from __future__ import annotations

import math

from fastapi import APIRouter, Request, Response, status

from authgate.accounts import service
from authgate.accounts.schemas import AuthResponse, LoginRequest, ProfileOut, SignupRequest, UserOut
from authgate.errors import (
    AccountSuspended,
    EmailAlreadyExists,
    EmailNotVerified,
    InvalidCredentials,
    OriginNotAllowed,
    PasswordResetRequired,
    PasswordTooWeak,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    UnsupportedMediaType,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.ratelimit.dependencies import rate_limit
from authgate.sessions.service import ClientInfo
from authgate.transport import client_ip, set_refresh_cookie, user_agent

REQUEST_GUARDS = (OriginNotAllowed, PayloadTooLarge, UnsupportedMediaType, ServiceUnavailable)


def client_info(request: Request) -> ClientInfo:
    return ClientInfo(ip_address=client_ip(request), user_agent=user_agent(request))


def signed_in_response(gate: AuthGate, response: Response, signed_in: service.SignedIn) -> AuthResponse:
    max_age = math.ceil((signed_in.refresh.expires_at - gate.now()).total_seconds())
    set_refresh_cookie(response, signed_in.refresh.token, gate.settings, max_age=max_age)
    return AuthResponse(
        access_token=gate.issue_access_token(signed_in.user),
        expires_in=gate.access_lifetime_seconds,
        user=UserOut.model_validate(signed_in.user),
        profile=ProfileOut.model_validate(signed_in.profile) if signed_in.profile else None,
    )


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""

    @router.post(
        "/signup",
        status_code=status.HTTP_201_CREATED,
        response_model=AuthResponse,
        summary="Create an account with a reader profile and sign in",
        responses=error_responses(EmailAlreadyExists, PasswordTooWeak, RateLimited, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "signup_ip")],
    )
    async def signup(body: SignupRequest, request: Request, response: Response) -> AuthResponse:
        signed_in = await service.signup(gate, body, client_info(request))
        return signed_in_response(gate, response, signed_in)

    @router.post(
        "/login",
        response_model=AuthResponse,
        summary="Sign in with email and password",
        responses=error_responses(
            InvalidCredentials, AccountSuspended, EmailNotVerified, RateLimited, PasswordResetRequired, *REQUEST_GUARDS
        ),
        # per IP here; per account (and the failure lockout) in the service, still before any hashing
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def login(body: LoginRequest, request: Request, response: Response) -> AuthResponse:
        signed_in = await service.login(gate, body, client_info(request))
        return signed_in_response(gate, response, signed_in)
