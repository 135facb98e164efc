"""Domain errors and their stable, machine-readable codes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class ErrorCode(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK"
    EMAIL_ALREADY_EXISTS = "EMAIL_ALREADY_EXISTS"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    INVALID_TOKEN = "INVALID_TOKEN"
    REFRESH_TOKEN_INVALID = "REFRESH_TOKEN_INVALID"
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"
    ORIGIN_NOT_ALLOWED = "ORIGIN_NOT_ALLOWED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    PASSWORD_RESET_REQUIRED = "PASSWORD_RESET_REQUIRED"
    TOKEN_INVALID = "TOKEN_INVALID"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
    INVALID_PASSWORD = "INVALID_PASSWORD"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    BAD_REQUEST = "BAD_REQUEST"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    PROVIDER_NOT_FOUND = "PROVIDER_NOT_FOUND"
    OAUTH_STATE_INVALID = "OAUTH_STATE_INVALID"
    OAUTH_ACCESS_DENIED = "OAUTH_ACCESS_DENIED"
    OAUTH_PROVIDER_ERROR = "OAUTH_PROVIDER_ERROR"
    OAUTH_EMAIL_REQUIRED = "OAUTH_EMAIL_REQUIRED"
    OAUTH_LINK_REQUIRED = "OAUTH_LINK_REQUIRED"
    IDENTITY_IN_USE = "IDENTITY_IN_USE"
    IDENTITY_NOT_FOUND = "IDENTITY_NOT_FOUND"
    LAST_WAY_IN = "LAST_WAY_IN"
    RECENT_SIGN_IN_REQUIRED = "RECENT_SIGN_IN_REQUIRED"
    INVALID_CODE = "INVALID_CODE"
    CHALLENGE_INVALID = "CHALLENGE_INVALID"
    TWO_FACTOR_ALREADY_ON = "TWO_FACTOR_ALREADY_ON"
    TWO_FACTOR_NOT_ON = "TWO_FACTOR_NOT_ON"
    PASSKEY_NOT_FOUND = "PASSKEY_NOT_FOUND"
    PASSKEY_INVALID = "PASSKEY_INVALID"
    CONTENT_NOT_FOUND = "CONTENT_NOT_FOUND"
    CONTENT_NOT_ADMITTED = "CONTENT_NOT_ADMITTED"
    PROFILE_REQUIRED = "PROFILE_REQUIRED"
    LEVEL_NOT_ADMITTED = "LEVEL_NOT_ADMITTED"
    ROLE_NOT_ADMITTED = "ROLE_NOT_ADMITTED"


class ErrorBody(BaseModel):
    detail: str
    code: ErrorCode


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(ErrorBody):
    errors: list[FieldError]


class AuthError(Exception):
    """Raised by services; one handler turns it into {"detail", "code"}."""

    status_code = 400
    code = ErrorCode.VALIDATION_ERROR
    detail = "Bad request"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.detail = detail or type(self).detail
        self.headers = headers or {}
        super().__init__(self.detail)


class EmailAlreadyExists(AuthError):
    status_code = 409
    code = ErrorCode.EMAIL_ALREADY_EXISTS
    detail = "An account with this email already exists"


class InvalidCredentials(AuthError):
    status_code = 401
    code = ErrorCode.INVALID_CREDENTIALS
    detail = "Invalid email or password"


class AccountSuspended(AuthError):
    status_code = 403
    code = ErrorCode.ACCOUNT_SUSPENDED
    detail = "Account is suspended"


class NotAuthenticated(AuthError):
    status_code = 401
    code = ErrorCode.NOT_AUTHENTICATED
    detail = "Not authenticated"


class InvalidToken(AuthError):
    status_code = 401
    code = ErrorCode.INVALID_TOKEN
    detail = "Invalid or expired access token"


class RefreshTokenInvalid(AuthError):
    status_code = 401
    code = ErrorCode.REFRESH_TOKEN_INVALID
    detail = "Invalid or expired refresh token"


class RefreshTokenReused(AuthError):
    status_code = 401
    code = ErrorCode.REFRESH_TOKEN_REUSED
    detail = "Refresh token was already used; all sessions from that sign-in were revoked"


class OriginNotAllowed(AuthError):
    status_code = 403
    code = ErrorCode.ORIGIN_NOT_ALLOWED
    detail = "Cross-site request refused"


class PayloadTooLarge(AuthError):
    status_code = 413
    code = ErrorCode.PAYLOAD_TOO_LARGE
    detail = "Request body too large"


class UnsupportedMediaType(AuthError):
    status_code = 415
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE
    detail = "Request body must be application/json"


class PasswordTooWeak(AuthError):
    status_code = 422
    code = ErrorCode.PASSWORD_TOO_WEAK


class ServiceUnavailable(AuthError):
    status_code = 503
    code = ErrorCode.SERVICE_UNAVAILABLE
    detail = "The service is temporarily unavailable; try again shortly"


class NotFound(AuthError):
    status_code = 404
    code = ErrorCode.NOT_FOUND
    detail = "Not found"


class RateLimited(AuthError):
    status_code = 429
    code = ErrorCode.RATE_LIMITED
    detail = "Too many requests; try again later"


class PasswordResetRequired(AuthError):
    status_code = 403
    code = ErrorCode.PASSWORD_RESET_REQUIRED
    detail = "Too many failed sign-ins; reset your password to continue"


class TokenInvalid(AuthError):
    status_code = 400
    code = ErrorCode.TOKEN_INVALID
    detail = "This link is invalid or has expired"


class EmailNotVerified(AuthError):
    status_code = 403
    code = ErrorCode.EMAIL_NOT_VERIFIED
    detail = "Verify your email address to sign in"


class InvalidPassword(AuthError):
    status_code = 401
    code = ErrorCode.INVALID_PASSWORD
    detail = "The current password is not correct"


class SessionNotFound(AuthError):
    status_code = 404
    code = ErrorCode.SESSION_NOT_FOUND
    detail = "No such session"


class BadRequest(AuthError):
    status_code = 400
    code = ErrorCode.BAD_REQUEST
    detail = "The request could not be read"


class UnstorableValue(AuthError):
    status_code = 422
    code = ErrorCode.VALIDATION_ERROR
    detail = "A value in the request cannot be stored (a control character, or a date out of range)"


class RequestTimeout(AuthError):
    status_code = 408
    code = ErrorCode.REQUEST_TIMEOUT
    detail = "The request body did not arrive in time"


class ProviderNotFound(AuthError):
    status_code = 404
    code = ErrorCode.PROVIDER_NOT_FOUND
    detail = "No such sign-in provider"


class OAuthStateInvalid(AuthError):
    status_code = 400
    code = ErrorCode.OAUTH_STATE_INVALID
    detail = "This sign-in was not started here, was already finished, or took too long; start again"


class OAuthAccessDenied(AuthError):
    status_code = 400
    code = ErrorCode.OAUTH_ACCESS_DENIED
    detail = "The sign-in was cancelled at the provider"


class OAuthProviderError(AuthError):
    status_code = 502
    code = ErrorCode.OAUTH_PROVIDER_ERROR
    detail = "The provider could not be reached or gave an answer that cannot be trusted; try again later"


class OAuthEmailRequired(AuthError):
    status_code = 400
    code = ErrorCode.OAUTH_EMAIL_REQUIRED
    detail = "The provider did not give a verified email address to sign in with"


class OAuthLinkRequired(AuthError):
    status_code = 409
    code = ErrorCode.OAUTH_LINK_REQUIRED
    detail = (
        "An account already uses this address: sign in to it as usual, then connect the provider on your account page"
    )


class IdentityInUse(AuthError):
    status_code = 409
    code = ErrorCode.IDENTITY_IN_USE
    detail = "This provider account is already connected to another account"


class IdentityNotFound(AuthError):
    status_code = 404
    code = ErrorCode.IDENTITY_NOT_FOUND
    detail = "No such connected account"


class LastWayIn(AuthError):
    status_code = 409
    code = ErrorCode.LAST_WAY_IN
    detail = "This is your only way to sign in: set a password or connect another provider first"


class RecentSignInRequired(AuthError):
    status_code = 403
    code = ErrorCode.RECENT_SIGN_IN_REQUIRED
    detail = "Sign in again to do this"


class InvalidCode(AuthError):
    status_code = 401
    code = ErrorCode.INVALID_CODE
    detail = "That code is not right (or was already used)"


class ChallengeInvalid(AuthError):
    status_code = 401
    code = ErrorCode.CHALLENGE_INVALID
    detail = "This sign-in expired or had too many wrong codes; sign in again"


class TwoFactorAlreadyOn(AuthError):
    status_code = 409
    code = ErrorCode.TWO_FACTOR_ALREADY_ON
    detail = "Two-step sign-in is already on; turn it off first to set up another app"


class TwoFactorNotOn(AuthError):
    status_code = 409
    code = ErrorCode.TWO_FACTOR_NOT_ON
    detail = "Two-step sign-in is not on"


class PasskeyNotFound(AuthError):
    status_code = 404
    code = ErrorCode.PASSKEY_NOT_FOUND
    detail = "No such passkey"


class PasskeyInvalid(AuthError):
    status_code = 401
    code = ErrorCode.PASSKEY_INVALID
    detail = "The passkey could not be verified; try again"


class ContentNotFound(AuthError):
    status_code = 404
    code = ErrorCode.CONTENT_NOT_FOUND
    detail = "No members-only content for this page"


class ContentNotAdmitted(AuthError):
    """Every protected block of the page refused the reader, for different reasons."""

    status_code = 403
    code = ErrorCode.CONTENT_NOT_ADMITTED
    detail = "This content is not for your profile"


class ContentNeedsVerifiedEmail(AuthError):
    status_code = 403
    code = ErrorCode.EMAIL_NOT_VERIFIED
    detail = "Verify your email address to read this"


class ProfileRequired(AuthError):
    status_code = 403
    code = ErrorCode.PROFILE_REQUIRED
    detail = "Complete your profile to read this"


class LevelNotAdmitted(AuthError):
    status_code = 403
    code = ErrorCode.LEVEL_NOT_ADMITTED
    detail = "This content is for readers of another experience level"


class RoleNotAdmitted(AuthError):
    status_code = 403
    code = ErrorCode.ROLE_NOT_ADMITTED
    detail = "This content is for readers of another role"


class InternalError(AuthError):
    status_code = 500
    code = ErrorCode.INTERNAL_ERROR
    detail = "Something went wrong on our side; the request id in X-Request-ID helps the operator find it"


# HTTP errors raised by FastAPI or Starlette themselves (unknown path, wrong method, an unreadable body), by status
HTTP_ERROR_CODES = {
    400: ErrorCode.BAD_REQUEST,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    408: ErrorCode.REQUEST_TIMEOUT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.RATE_LIMITED,
    500: ErrorCode.INTERNAL_ERROR,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


def error_responses(*errors: type[AuthError]) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses=` for a route: each status with its model and the codes it may carry."""
    by_status: dict[int, list[type[AuthError]]] = {}
    for error in errors:
        by_status.setdefault(error.status_code, []).append(error)
    codes: dict[int, list[str]] = {
        status: sorted({e.code.value for e in group}) for status, group in sorted(by_status.items())
    }
    # a body or a parameter the schema refuses: our shape, not FastAPI's default (which a route without a 422 of its
    # own would document); where a 422 of the feature's own exists (PASSWORD_TOO_WEAK), its ErrorBody covers both
    model = {status: ErrorBody for status in codes} | {422: ValidationErrorBody if 422 not in codes else ErrorBody}
    codes[422] = sorted({*codes.get(422, []), ErrorCode.VALIDATION_ERROR.value})
    # `x-error-codes`: the same list for machines (the route table of `make contract`, generated clients)
    return {
        status: {"model": model[status], "description": f"codes: {', '.join(found)}", "x-error-codes": found}
        for status, found in sorted(codes.items())
    }


# what any route may answer, whatever feature it belongs to: the route class's guards and error mapping (routing.py),
# and the reader dependencies (shared.py)
REQUEST_ERRORS: tuple[type[AuthError], ...] = (
    OriginNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    ServiceUnavailable,
    BadRequest,
    NotFound,
    UnstorableValue,
    RequestTimeout,
    InternalError,
    RateLimited,
    NotAuthenticated,
    InvalidToken,
)
