"""The reader's sign-ins: list them, end one, end them all.

A sign-in is a refresh-token family (every rotation adds a row to it); it is live while its newest row is neither
rotated, revoked nor expired. Only the reader's own families are ever read or touched: an id of another reader's
session is answered exactly like an unknown id (OWASP ASVS 5.0 V8.2.2: data-specific access, no IDOR). Readers can
view and end their sessions (ASVS 5.0 V7.5.2); ending one stops its refresh token at once, while an access token
already issued to that device lives out its own lifetime (sign out everywhere ends those too, V7.4.1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authgate.accounts.locks import lock_user
from authgate.errors import NotAuthenticated, SessionNotFound
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.security import hash_token
from authgate.sessions.models import RefreshToken
from authgate.sessions.service import ClientInfo, revoke_all_sessions


@dataclass(frozen=True)
class SignIn:
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    ip_address: str | None
    user_agent: str | None
    current: bool


def _live_heads(user_id: uuid.UUID, now: datetime) -> Select[RefreshToken]:
    # the newest row of each live family: the one refresh token of that sign-in that can still be used
    return select(RefreshToken).where(
        RefreshToken.user_id == user_id,
        RefreshToken.rotated_at.is_(None),
        RefreshToken.revoked.is_(False),
        RefreshToken.expires_at > now,
    )


async def list_sessions(gate: AuthGate, user_id: uuid.UUID, presented_cookie: str | None) -> list[SignIn]:
    now = gate.now()
    async with gate.sessions() as db:
        heads = (await db.execute(_live_heads(user_id, now))).scalars().all()
        if not heads:
            return []
        families = {head.family_id for head in heads}
        spans = await db.execute(
            select(RefreshToken.family_id, func.min(RefreshToken.created_at), func.max(RefreshToken.last_used_at))
            .where(RefreshToken.user_id == user_id, RefreshToken.family_id.in_(sorted(families, key=str)))
            .group_by(RefreshToken.family_id)
        )
        first_and_last = {row[0]: (row[1], row[2]) for row in spans}
        current = await _family_of(db, user_id, presented_cookie)
    sign_ins: dict[uuid.UUID, SignIn] = {}
    for head in heads:
        # min/max keep the column's type, so these come back as UTC-aware datetimes on SQLite too
        created, last_used = first_and_last.get(head.family_id, (head.created_at, head.last_used_at))
        sign_ins[head.family_id] = SignIn(
            id=head.family_id,
            created_at=created,
            last_used_at=last_used or head.created_at,
            ip_address=head.ip_address,
            user_agent=head.user_agent,
            current=head.family_id == current,
        )
    return sorted(sign_ins.values(), key=lambda s: (s.created_at, str(s.id)), reverse=True)


async def _family_of(db: AsyncSession, user_id: uuid.UUID, presented: str | None) -> uuid.UUID | None:
    """The sign-in the presented refresh cookie belongs to, if it is the caller's."""
    if presented is None:
        return None
    found = await db.execute(
        select(RefreshToken.family_id).where(
            RefreshToken.token_hash == hash_token(presented), RefreshToken.user_id == user_id
        )
    )
    return found.scalar_one_or_none()


async def revoke_session(
    gate: AuthGate, user_id: uuid.UUID, session_id: str, client: ClientInfo, presented_cookie: str | None
) -> bool:
    """End one of the caller's live sign-ins; anything else is SessionNotFound, whoever it belongs to.

    Returns whether it was the session of the presented cookie.
    """
    try:
        family_id = uuid.UUID(session_id)
    except ValueError as exc:
        raise SessionNotFound() from exc
    now = gate.now()
    async with gate.sessions.begin() as db:
        if not await lock_user(db, user_id):
            raise SessionNotFound()
        live = await db.execute(_live_heads(user_id, now).where(RefreshToken.family_id == family_id).limit(1))
        if live.first() is None:
            raise SessionNotFound()
        await db.execute(
            update(RefreshToken)
            .where(
                RefreshToken.family_id == family_id,
                RefreshToken.user_id == user_id,
                RefreshToken.revoked.is_(False),
            )
            .values(revoked=True, revoked_at=now)
        )
        await record_event(
            db, user_id=user_id, type=EventType.SESSION_REVOKED, now=now, client=client, detail=f"session {family_id}"
        )
        return family_id == await _family_of(db, user_id, presented_cookie)


async def sign_out_everywhere(gate: AuthGate, user_id: uuid.UUID, client: ClientInfo) -> None:
    """Every sign-in and every access token issued until now (tokens_valid_after)."""
    async with gate.sessions.begin() as db:
        if not await lock_user(db, user_id):
            # deleted meanwhile: every session went with the account
            raise NotAuthenticated()
        # read once the row is ours, so a refresh that held it first is covered by the cut-off (sessions/service.py)
        now = gate.now()
        await revoke_all_sessions(db, user_id, now)
        await record_event(db, user_id=user_id, type=EventType.SIGNED_OUT_EVERYWHERE, now=now, client=client)
