"""Second factors: authenticator apps (TOTP), backup codes, the sign-in challenge, passkeys (WebAuthn)."""

from __future__ import annotations

from authgate.errors import (
    ChallengeInvalid,
    InvalidCode,
    PasskeyInvalid,
    PasskeyNotFound,
    TwoFactorAlreadyOn,
    TwoFactorNotOn,
)
from authgate.events.service import EventType
from authgate.feature import Feature
from authgate.mfa.router import add_routes

FEATURE = Feature(
    name="mfa",
    add_routes=add_routes,
    rate_limits=("passkey_options_ip",),
    tables=("totp_factors", "backup_codes", "sign_in_challenges", "passkeys", "webauthn_challenges"),
    errors=(
        InvalidCode,
        ChallengeInvalid,
        TwoFactorAlreadyOn,
        TwoFactorNotOn,
        PasskeyNotFound,
        PasskeyInvalid,
    ),
    events=(
        EventType.TWO_FACTOR_ENABLED,
        EventType.TWO_FACTOR_DISABLED,
        EventType.TWO_FACTOR_RESET,
        EventType.BACKUP_CODES_REGENERATED,
        EventType.SECOND_FACTOR_FAILED,
        EventType.PASSKEY_ADDED,
        EventType.PASSKEY_REMOVED,
        EventType.PASSKEY_COUNTER_REGRESSED,
    ),
)
