"""Recording security events: one small insert inside the caller's transaction."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from authgate.events.models import SecurityEvent
from authgate.transport import ClientInfo


class EventType(enum.StrEnum):
    ACCOUNT_CREATED = "account_created"
    SIGN_IN_SUCCEEDED = "sign_in_succeeded"
    SIGN_IN_FAILED = "sign_in_failed"
    REAUTHENTICATION_FAILED = "reauthentication_failed"
    SIGN_IN_THROTTLED = "sign_in_throttled"
    ACCOUNT_LOCKED = "account_locked"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    SIGNED_OUT = "signed_out"
    SESSION_REVOKED = "session_revoked"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION_SENT = "email_verification_sent"
    EMAIL_VERIFIED = "email_verified"
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGED = "email_changed"
    IDENTITY_CONNECTED = "identity_connected"
    IDENTITY_DISCONNECTED = "identity_disconnected"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    TWO_FACTOR_RESET = "two_factor_reset"
    BACKUP_CODES_REGENERATED = "backup_codes_regenerated"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    PASSKEY_COUNTER_REGRESSED = "passkey_counter_regressed"
    PROFILE_UPDATED = "profile_updated"
    DATA_EXPORTED = "data_exported"


async def record_event(
    db: AsyncSession | AsyncConnection,
    *,
    user_id: uuid.UUID | None,
    type: EventType,
    now: datetime,
    client: ClientInfo | None = None,
    detail: str | None = None,
) -> None:
    await db.execute(insert(SecurityEvent).values(**event_values(user_id, type, now, client, detail)))


def event_values(
    user_id: uuid.UUID | None, type: EventType, now: datetime, client: ClientInfo | None, detail: str | None
) -> dict[str, object]:
    """The security_events row of one event (also written by the one-statement sign-in, accounts/signin.py)."""
    # detail is free text for people: callers pass facts ("new address verified"), never secrets
    return dict(
        id=uuid.uuid4(),
        user_id=user_id,
        type=type.value,
        ip_address=client.ip_address if client else None,
        user_agent=client.user_agent if client else None,
        detail=detail[:500] if detail else None,
        created_at=now,
    )
