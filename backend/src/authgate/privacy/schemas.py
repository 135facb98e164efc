from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from authgate.accounts.schemas import ProfileOut
from authgate.shared import ProofFields

EVENTS_DEFAULT_LIMIT = 50
EVENTS_MAX_LIMIT = 200

SessionStatus = Literal["active", "ended", "expired"]


class DeleteAccountRequest(ProofFields):
    pass


class EventOut(BaseModel):
    """A security event as the reader sees it: never a password or a token."""

    model_config = ConfigDict(from_attributes=True)

    type: str
    created_at: datetime
    ip_address: str | None
    user_agent: str | None
    detail: str | None


class ExportedUser(BaseModel):
    """Every column of the account except the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    is_active: bool
    is_verified: bool
    email_verified_at: datetime | None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    tokens_valid_after: datetime | None
    failed_login_count: int
    last_failed_login_at: datetime | None
    password_reset_required: bool


class ExportedSession(BaseModel):
    """One sign-in still on record (live, or ended and not purged yet); never a token or its hash."""

    id: uuid.UUID
    status: SessionStatus
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    ip_address: str | None
    user_agent: str | None


class ExportedIdentity(BaseModel):
    """A provider account linked to this one (Google, GitHub, …): who the provider says the reader is."""

    provider: str
    subject: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


class ExportedPasskey(BaseModel):
    """A passkey of the account, without its credential id or public key (the authenticator holds the private key)."""

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    backed_up: bool


class ExportedSecondFactor(BaseModel):
    """Two-step sign-in as it stands: never the authenticator app's secret or a backup code."""

    totp_enabled: bool
    totp_confirmed_at: datetime | None
    backup_codes_remaining: int


class DataExport(BaseModel):
    user: ExportedUser
    profile: ProfileOut | None
    sessions: list[ExportedSession]
    events: list[EventOut]
    identities: list[ExportedIdentity]
    passkeys: list[ExportedPasskey]
    second_factor: ExportedSecondFactor
