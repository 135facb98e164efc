from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from authgate.accounts.locks import lock_reauthenticated_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.reauth import reauthenticate
from authgate.accounts.schemas import AuthResponse
from authgate.accounts.signin import signed_in_response
from authgate.errors import (
    AccountSuspended,
    ChallengeInvalid,
    InvalidCode,
    InvalidPassword,
    InvalidToken,
    NotAuthenticated,
    PasskeyInvalid,
    PasskeyNotFound,
    PasswordResetRequired,
    RateLimited,
    TwoFactorAlreadyOn,
    TwoFactorNotOn,
    error_responses,
)
from authgate.gate import AuthGate
from authgate.mfa import passkeys, service
from authgate.mfa.schemas import (
    BackupCodes,
    CodeRequest,
    MfaStatus,
    PasskeyAuthenticateRequest,
    PasskeyOptions,
    PasskeyOut,
    PasskeyRegisterRequest,
    PasskeyRename,
    ReauthenticateRequest,
    TotpSetup,
    VerifyRequest,
)
from authgate.ratelimit.dependencies import rate_limit
from authgate.shared import (
    PROOF_ERRORS,
    REQUEST_GUARDS,
    ProofFields,
    TokenResponse,
    bearer_user,
    client_info,
    given_proof,
)
from authgate.transport import CHALLENGE_COOKIE

READER_ERRORS = (NotAuthenticated, InvalidToken, AccountSuspended)


def add_routes(router: APIRouter, gate: AuthGate) -> None:
    """Registers this feature's routes on the auth router (one level of routing, not a nested router)."""
    reader = bearer_user(gate)

    # ------------------------------------------------------------ the challenge

    @router.post(
        "/mfa/verify",
        operation_id="mfa_verify",
        response_model=AuthResponse,
        summary="Answer a sign-in challenge with an authenticator code or a backup code: the session",
        description="The challenge is `challenge_token` from the login answer, else the `authgate_challenge` cookie.",
        responses=error_responses(
            ChallengeInvalid, InvalidCode, RateLimited, PasswordResetRequired, AccountSuspended, *REQUEST_GUARDS
        ),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def verify(body: VerifyRequest, request: Request, response: Response) -> AuthResponse:
        token = body.challenge_token or request.cookies.get(CHALLENGE_COOKIE)
        signed_in = await service.verify_challenge(gate, token, body.code, client_info(request))
        return signed_in_response(gate, request, response, signed_in)

    # ------------------------------------------------------------ the authenticator app and backup codes

    @router.get(
        "/mfa",
        operation_id="mfa_status",
        response_model=MfaStatus,
        summary="The reader's second factors: app on or off, backup codes left, passkeys",
        responses=error_responses(*READER_ERRORS, *REQUEST_GUARDS),
    )
    async def mfa_status(user: CurrentUser = Depends(reader)) -> MfaStatus:
        return await service.status(gate, user.id)

    @router.post(
        "/mfa/totp/setup",
        operation_id="mfa_totp_setup",
        response_model=TotpSetup,
        summary="Start setting up an authenticator app (a recent proof): the secret, its URI and QR code",
        responses=error_responses(TwoFactorAlreadyOn, *PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def totp_setup(
        request: Request, body: ProofFields | None = None, user: CurrentUser = Depends(reader)
    ) -> TotpSetup:
        return await service.start_totp_setup(gate, user, given_proof(request, body), client_info(request))

    @router.post(
        "/mfa/totp/confirm",
        operation_id="mfa_totp_confirm",
        response_model=BackupCodes,
        summary="Confirm the app with its first code: two-step sign-in is on; the backup codes, shown once",
        responses=error_responses(InvalidCode, TwoFactorAlreadyOn, RateLimited, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def totp_confirm(body: CodeRequest, request: Request, user: CurrentUser = Depends(reader)) -> BackupCodes:
        return await service.confirm_totp(gate, user, body.code, client_info(request))

    @router.delete(
        "/mfa/totp",
        operation_id="mfa_totp_disable",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Turn two-step sign-in off (a recent proof); the backup codes go too",
        responses=error_responses(TwoFactorNotOn, *PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def totp_off(
        request: Request, body: ProofFields | None = None, user: CurrentUser = Depends(reader)
    ) -> Response:
        await service.turn_off(gate, user, given_proof(request, body), client_info(request))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/mfa/backup-codes",
        operation_id="mfa_backup_codes_regenerate",
        response_model=BackupCodes,
        summary="A new set of backup codes (a recent proof); the old set stops working",
        responses=error_responses(TwoFactorNotOn, *PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def backup_codes(
        request: Request, body: ProofFields | None = None, user: CurrentUser = Depends(reader)
    ) -> BackupCodes:
        return await service.regenerate_backup_codes(gate, user, given_proof(request, body), client_info(request))

    @router.post(
        "/reauthenticate",
        operation_id="auth_reauthenticate",
        response_model=TokenResponse,
        summary="Prove it is you again (password, code or passkey): an access token with a fresh sign-in time",
        description=(
            "Sensitive routes accept a proof in their own body, or an access token whose sign-in time (`auth_time`) is "
            "at most RECENT_SIGN_IN_MINUTES old. This renews that time, with a passkey too."
        ),
        responses=error_responses(PasskeyInvalid, *PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def reauthenticate_route(
        body: ReauthenticateRequest, request: Request, user: CurrentUser = Depends(reader)
    ) -> TokenResponse:
        info = client_info(request)
        if body.passkey is not None:
            verified = await passkeys.reauthenticate_with_passkey(gate, user, body.passkey, info)
        else:
            proof = given_proof(request, body)
            if proof.password is None and proof.code is None:
                raise InvalidPassword()
            verified = await reauthenticate(gate, user, proof, info, action="confirm it is you")
        # a reset, sign-out everywhere or suspension that committed since the proof was checked wins
        async with gate.engine.begin() as db:
            await lock_reauthenticated_user(db, user, verified)
            # read while the row is held: a revocation queued behind this lock reads a later time, so its cut-off
            # refuses this token too (signed after the commit, it would otherwise be dated after the cut-off)
            now = gate.now()
        token = gate.issue_access_token(user, signed_in_at=now, now=now)
        return TokenResponse(access_token=token, expires_in=gate.access_lifetime_seconds)

    # ------------------------------------------------------------ passkeys

    @router.get(
        "/passkeys",
        operation_id="passkeys_list",
        response_model=list[PasskeyOut],
        summary="The reader's passkeys",
        responses=error_responses(*READER_ERRORS, *REQUEST_GUARDS),
    )
    async def list_passkeys(user: CurrentUser = Depends(reader)) -> list[PasskeyOut]:
        return await passkeys.list_passkeys(gate, user.id)

    @router.post(
        "/passkeys/register/options",
        operation_id="passkeys_register_options",
        response_model=PasskeyOptions,
        summary="Start adding a passkey (a recent proof): options for navigator.credentials.create()",
        responses=error_responses(*PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def register_options(
        request: Request, body: ProofFields | None = None, user: CurrentUser = Depends(reader)
    ) -> PasskeyOptions:
        options = await passkeys.registration_options(gate, user, given_proof(request, body), client_info(request))
        return PasskeyOptions(options=options)

    @router.post(
        "/passkeys/register",
        operation_id="passkeys_register",
        status_code=status.HTTP_201_CREATED,
        response_model=PasskeyOut,
        summary="Finish adding a passkey with the browser's answer",
        responses=error_responses(PasskeyInvalid, *READER_ERRORS, *REQUEST_GUARDS),
    )
    async def register(
        body: PasskeyRegisterRequest, request: Request, user: CurrentUser = Depends(reader)
    ) -> PasskeyOut:
        return await passkeys.register(gate, user, body.credential, body.name, client_info(request))

    @router.patch(
        "/passkeys/{passkey_id}",
        operation_id="passkeys_rename",
        response_model=PasskeyOut,
        summary="Rename one of the reader's passkeys",
        responses=error_responses(PasskeyNotFound, *READER_ERRORS, *REQUEST_GUARDS),
    )
    async def rename(passkey_id: str, body: PasskeyRename, user: CurrentUser = Depends(reader)) -> PasskeyOut:
        return await passkeys.rename(gate, user, passkey_id, body.name)

    @router.delete(
        "/passkeys/{passkey_id}",
        operation_id="passkeys_delete",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Remove one of the reader's passkeys (a recent proof)",
        responses=error_responses(PasskeyNotFound, *PROOF_ERRORS, *READER_ERRORS, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def remove(
        passkey_id: str, request: Request, body: ProofFields | None = None, user: CurrentUser = Depends(reader)
    ) -> Response:
        await passkeys.remove(gate, user, passkey_id, given_proof(request, body), client_info(request))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/passkeys/authenticate/options",
        operation_id="passkeys_authenticate_options",
        response_model=PasskeyOptions,
        summary="Start signing in with a passkey: options for navigator.credentials.get()",
        responses=error_responses(RateLimited, *REQUEST_GUARDS),
        # its own rule: every sign-in page load asks (autofill), and a page load is not a sign-in attempt
        dependencies=[rate_limit(gate, "passkey_options_ip")],
    )
    async def authenticate_options() -> PasskeyOptions:
        return PasskeyOptions(options=await passkeys.authentication_options(gate))

    @router.post(
        "/passkeys/authenticate",
        operation_id="passkeys_authenticate",
        response_model=AuthResponse,
        summary="Sign in with a passkey (both factors at once): the session",
        responses=error_responses(PasskeyInvalid, AccountSuspended, RateLimited, *REQUEST_GUARDS),
        dependencies=[rate_limit(gate, "login_ip")],
    )
    async def authenticate(body: PasskeyAuthenticateRequest, request: Request, response: Response) -> AuthResponse:
        signed_in = await passkeys.sign_in(gate, body.credential, client_info(request))
        return signed_in_response(gate, request, response, signed_in)
