"""The reader's own data: a copy of all of it, the security events, and erasure.

The profile is personal data collected for personalisation, so the reader can take all of it away with them and
remove it (GDPR arts. 15, 17 and 20; OWASP ASVS 4.0.3 V8.3.2: users can remove or export their data on demand).
Security events let the reader see sign-ins and failures on the account (toward ASVS 5.0 V6.3.5).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from authgate.accounts.lockout import leave_failures_behind
from authgate.accounts.locks import lock_reauthenticated_user, lock_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User, UserProfile
from authgate.accounts.reauth import GivenProof, reauthenticate
from authgate.accounts.schemas import ProfileOut
from authgate.errors import NotAuthenticated, UnstorableValue
from authgate.events.models import SecurityEvent
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.mail import outbox
from authgate.mfa.models import BackupCode, Passkey, TotpFactor
from authgate.oauth.models import Identity
from authgate.onetime.service import Purpose
from authgate.privacy.schemas import (
    DataExport,
    EventOut,
    ExportedIdentity,
    ExportedPasskey,
    ExportedSecondFactor,
    ExportedSession,
    ExportedUser,
    SessionStatus,
)
from authgate.sessions.models import RefreshToken
from authgate.sessions.service import ClientInfo

logger = logging.getLogger("authgate")

# only these columns are ever read for the export: the password hash is not even selected
_USER_COLUMNS = [User.__table__.c[name] for name in ExportedUser.model_fields]
_SESSION_COLUMNS = (
    RefreshToken.family_id,
    RefreshToken.created_at,
    RefreshToken.last_used_at,
    RefreshToken.expires_at,
    RefreshToken.revoked_at,
    RefreshToken.rotated_at,
    RefreshToken.ip_address,
    RefreshToken.user_agent,
)


async def export(gate: AuthGate, user_id: uuid.UUID, client: ClientInfo) -> DataExport:
    now = gate.now()
    async with gate.sessions.begin() as db:
        # the users row first (accounts/locks.py): the event below must not cross a concurrent deletion
        if not await lock_user(db, user_id):
            raise NotAuthenticated()
        row = (await db.execute(select(*_USER_COLUMNS).where(User.id == user_id))).mappings().first()
        if row is None:
            raise NotAuthenticated()
        profile = (await db.execute(select(UserProfile).where(UserProfile.user_id == user_id))).scalar_one_or_none()
        sessions = await _sessions(db, user_id, now)
        events = await _events(db, user_id, limit=None, before=None)
        identities = await _identities(db, user_id)
        passkeys = await _passkeys(db, user_id)
        second_factor = await _second_factor(db, user_id)
        # recorded in the same transaction; the copy shows the account as it was just before
        await record_event(db, user_id=user_id, type=EventType.DATA_EXPORTED, now=now, client=client)
    return DataExport(
        user=ExportedUser.model_validate(dict(row)),
        profile=ProfileOut.model_validate(profile) if profile else None,
        sessions=sessions,
        events=events,
        identities=identities,
        passkeys=passkeys,
        second_factor=second_factor,
    )


# the ways in, each read by the columns its export shows and no other (no TOTP secret, backup-code hash or credential)
async def _identities(db: AsyncSession, user_id: uuid.UUID) -> list[ExportedIdentity]:
    columns = [Identity.__table__.c[name] for name in ExportedIdentity.model_fields]
    rows = await db.execute(select(*columns).where(Identity.user_id == user_id).order_by(Identity.created_at))
    return [ExportedIdentity.model_validate(dict(row)) for row in rows.mappings()]


async def _passkeys(db: AsyncSession, user_id: uuid.UUID) -> list[ExportedPasskey]:
    columns = [Passkey.__table__.c[name] for name in ExportedPasskey.model_fields]
    rows = await db.execute(select(*columns).where(Passkey.user_id == user_id).order_by(Passkey.created_at))
    return [ExportedPasskey.model_validate(dict(row)) for row in rows.mappings()]


async def _second_factor(db: AsyncSession, user_id: uuid.UUID) -> ExportedSecondFactor:
    confirmed = await db.execute(select(TotpFactor.confirmed_at).where(TotpFactor.user_id == user_id))
    confirmed_at = confirmed.scalar_one_or_none()
    remaining = await db.execute(
        select(func.count()).select_from(BackupCode).where(BackupCode.user_id == user_id, BackupCode.used_at.is_(None))
    )
    return ExportedSecondFactor(
        totp_enabled=confirmed_at is not None,
        totp_confirmed_at=confirmed_at,
        backup_codes_remaining=remaining.scalar_one(),
    )


async def _sessions(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> list[ExportedSession]:
    rows = (
        await db.execute(
            select(*_SESSION_COLUMNS).where(RefreshToken.user_id == user_id).order_by(RefreshToken.created_at)
        )
    ).all()
    families: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        families.setdefault(row.family_id, []).append(row)
    exported = []
    for family_id, members in families.items():
        # the newest row is the one not rotated yet (rotation stamps the old row and inserts the new one)
        newest = next((m for m in members if m.rotated_at is None), members[-1])
        ended = [m.revoked_at for m in members if m.revoked_at is not None]
        status: SessionStatus = "ended" if ended else "expired" if newest.expires_at <= now else "active"
        exported.append(
            ExportedSession(
                id=family_id,
                status=status,
                created_at=min(m.created_at for m in members),
                last_used_at=max(m.last_used_at or m.created_at for m in members),
                expires_at=newest.expires_at,
                ended_at=min(ended) if ended else None,
                ip_address=newest.ip_address,
                user_agent=newest.user_agent,
            )
        )
    exported.sort(key=lambda s: s.created_at, reverse=True)
    return exported


async def _events(
    db: AsyncSession, user_id: uuid.UUID, *, limit: int | None, before: datetime | None
) -> list[EventOut]:
    query = select(SecurityEvent).where(SecurityEvent.user_id == user_id)
    if before is not None:
        query = query.where(SecurityEvent.created_at < before)
    query = query.order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [EventOut.model_validate(event) for event in (await db.execute(query)).scalars()]


async def list_events(gate: AuthGate, user_id: uuid.UUID, *, limit: int, before: datetime | None) -> list[EventOut]:
    if before is not None and before.tzinfo is None:
        # an ISO timestamp without an offset is read as UTC, like every time this service stores
        before = before.replace(tzinfo=UTC)
    if before is not None:
        try:
            before = before.astimezone(UTC)
        except OverflowError:
            # year 1 at +14:00 or year 9999 at -14:00: no such instant in UTC
            raise UnstorableValue("before: the time is out of range") from None
    async with gate.sessions() as db:
        return await _events(db, user_id, limit=limit, before=before)


async def delete_account(gate: AuthGate, user: CurrentUser, given: GivenProof, client: ClientInfo) -> None:
    """Erase the reader: the user row goes, and the foreign keys' ON DELETE CASCADE takes the profile, refresh
    tokens, mailed tokens and security events with it, in one transaction.

    Erasure needs the password even from a signed-in browser (re-authentication before a sensitive, irreversible
    operation, as ASVS 5.0 V7.5.1 / V7.5.3 ask), so a stolen cookie alone cannot erase the account. With the user
    row gone every access token is refused too (the per-request user lookup finds nobody): ASVS 5.0 V7.4.2.
    """
    # counted and recorded like a sign-in attempt (accounts.reauth). `explicit`: the password or a code, never a recent
    # sign-in alone, as promised above; an attack pass erased an account with an empty body, using an access token
    # refreshed from a cookie stolen minutes after the sign-in (its auth_time is that sign-in's). A reader with
    # neither a password nor a second factor (a provider sign-in) still proves it by a recent sign-in.
    verified = await reauthenticate(gate, user, given, client, action="delete the account", explicit=True)
    async with gate.sessions.begin() as db:
        await lock_reauthenticated_user(db, user, verified)
        await leave_failures_behind(db, gate, user.id)
        await db.execute(delete(User).where(User.id == user.id))
        # the outbox has no foreign key to the reader: mail still waiting (an SMTP outage) kept their address for up
        # to MAIL_RETRY_HOURS and was then sent to an account that no longer exists; an attack pass saw both. It goes
        # with the account (GDPR art. 17: without undue delay)
        kinds = [f"{purpose}:{user.id}" for purpose in Purpose]
        await outbox.drop_unsent(db, gate.now(), recipient=user.email, kinds=kinds)
    # no email in the log: after erasure the id no longer leads to anyone
    logger.info("account %s deleted by its owner", user.id)
