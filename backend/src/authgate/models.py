"""Every table, imported in one place for Alembic and the model/migration agreement test."""

from authgate.accounts.models import ExperienceLevel, ProfessionalRole, SignInFailure, User, UserProfile
from authgate.cleanup.models import ScheduledRun
from authgate.events.models import SecurityEvent
from authgate.keys.models import SigningKeyRecord
from authgate.mail.models import OutboxMail
from authgate.mfa.models import BackupCode, Passkey, SignInChallenge, TotpFactor, WebAuthnChallenge
from authgate.oauth.models import Identity, OAuthFlow
from authgate.onetime.models import OneTimeToken
from authgate.sessions.models import RefreshToken

__all__ = [
    "BackupCode",
    "Passkey",
    "SignInChallenge",
    "TotpFactor",
    "WebAuthnChallenge",
    "ExperienceLevel",
    "Identity",
    "OAuthFlow",
    "OneTimeToken",
    "OutboxMail",
    "ProfessionalRole",
    "RefreshToken",
    "ScheduledRun",
    "SecurityEvent",
    "SigningKeyRecord",
    "SignInFailure",
    "User",
    "UserProfile",
]
