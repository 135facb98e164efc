"""Operator actions behind the CLI; they use the same services as the API."""

from __future__ import annotations

from sqlalchemy import select, update

from authgate.accounts.models import User
from authgate.cleanup.service import PurgeCounts, purge_expired
from authgate.db import create_sessionmaker, engine_for
from authgate.events.models import SecurityEvent
from authgate.identifiers import canonical_email_or_none
from authgate.security import utc_now
from authgate.sessions.service import revoke_all_sessions
from authgate.settings import Settings


async def list_users(settings: Settings, *, limit: int = 100) -> list[tuple[str, ...]]:
    engine = engine_for(settings, pool_size=2)
    try:
        async with create_sessionmaker(engine)() as db:
            result = await db.execute(select(User).order_by(User.created_at).limit(limit))
            return [
                (str(u.id), u.email, "active" if u.is_active else "suspended", u.created_at.isoformat())
                for u in result.scalars()
            ]
    finally:
        await engine.dispose()


async def set_active(settings: Settings, email: str, *, active: bool) -> bool:
    engine = engine_for(settings, pool_size=2)
    try:
        async with create_sessionmaker(engine).begin() as db:
            now = utc_now()
            result = await db.execute(
                update(User)
                .where(User.email == _email_key(email))
                .values(is_active=active, updated_at=now)
                .returning(User.id)
            )
            user_id = result.scalar_one_or_none()
            if user_id is None:
                return False
            if not active:
                await revoke_all_sessions(db, user_id, now)
            return True
    finally:
        await engine.dispose()


async def user_events(settings: Settings, email: str, *, limit: int = 50) -> list[tuple[str, ...]] | None:
    """The user's security events, newest first, one tuple of text per event; None when there is no such user."""
    engine = engine_for(settings, pool_size=2)
    try:
        async with create_sessionmaker(engine)() as db:
            user_id = (await db.execute(select(User.id).where(User.email == _email_key(email)))).scalar_one_or_none()
            if user_id is None:
                return None
            result = await db.execute(
                select(SecurityEvent)
                .where(SecurityEvent.user_id == user_id)
                .order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
                .limit(limit)
            )
            return [
                (e.created_at.isoformat(), e.type, e.ip_address or "-", e.user_agent or "-", e.detail or "")
                for e in result.scalars()
            ]
    finally:
        await engine.dispose()


async def reset_second_factors(settings: Settings, email: str) -> bool:
    """Support's way back in for a reader who lost every factor; recorded as a security event and mailed."""
    from authgate.mfa.service import reset_second_factors as reset
    from authgate.router import build_gate

    gate = build_gate(settings)
    # the notice waits in the outbox for the running service's sender (MAIL_POLL_SECONDS): sending from here drained
    # every reader's due mail under this shell's settings (attack pass; Mailer.queue_only)
    gate.mailer.queue_only()
    try:
        return await reset(gate, _email_key(email))
    finally:
        await gate.dispose()


async def signing_keys(settings: Settings, action: str) -> list[tuple[str, ...]]:
    """`generate`: a first key pair if there is none for JWT_ALGORITHM; `rotate`: a new current key, the others
    retired (still published until their tokens expired); `list`. Returns the keys as rows of text."""
    from authgate.keys.service import add_key, list_keys, uses_key_pairs

    if not uses_key_pairs(settings):
        raise ValueError(
            f"JWT_ALGORITHM is {settings.jwt_algorithm}: its key is JWT_SECRET_KEY. "
            "Set EdDSA, ES256 or RS256 for key pairs."
        )
    engine = engine_for(settings, pool_size=2)
    try:
        now = utc_now()
        current = [k for k in await list_keys(engine, settings, now) if k.status == "current"]
        if action == "rotate" or (action == "generate" and not current):
            await add_key(engine, settings, now, retire_others=action == "rotate")
        return [
            (k.kid, k.algorithm, k.status, k.created_at.isoformat(), k.retired_at.isoformat() if k.retired_at else "-")
            for k in await list_keys(engine, settings, now)
        ]
    finally:
        await engine.dispose()


async def cleanup(settings: Settings) -> PurgeCounts:
    engine = engine_for(settings, pool_size=2)
    try:
        return await purge_expired(engine, utc_now())
    finally:
        await engine.dispose()


def _email_key(email: str) -> str:
    # what an operator types is looked up in the one canonical form; a malformed address simply finds nobody
    return canonical_email_or_none(email) or email.strip().lower()
