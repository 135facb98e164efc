"""Forgotten password (mailed reset link), reset, and change of password by a signed-in reader."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.accounts.service import _checked_new_password, canonical_email
from authgate.errors import InvalidPassword
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.mail import templates
from authgate.onetime import service as onetime
from authgate.onetime.service import Purpose
from authgate.security import hash_token, issue_access_token, normalize_password
from authgate.sessions.models import RefreshToken
from authgate.sessions.service import ClientInfo, revocation_cutoff, revoke_all_sessions

RESET_PATH = "/auth/reset-password"
# tokens that would let someone holding them take the account over: a new password cancels them all
TAKEOVER_PURPOSES = (Purpose.RESET_PASSWORD, Purpose.CHANGE_EMAIL)


def forgot_password(gate: AuthGate, email: str, client: ClientInfo) -> None:
    """Queue the work and return: the caller answers the same 202 at once, whether or not the account exists
    (OWASP Forgot Password cheat sheet: identical response and timing; the lookup and the mail run later)."""
    gate.mailer.run_later(_mail_reset_link(gate, canonical_email(email), client))


async def _mail_reset_link(gate: AuthGate, email: str, client: ClientInfo) -> None:
    now = gate.now()
    async with gate.sessions.begin() as db:
        found = await db.execute(select(User.id, User.is_active).where(User.email == email))
        user = found.first()
        if user is None or not user.is_active:
            return
        lifetime = timedelta(minutes=gate.settings.reset_token_minutes)
        token = await onetime.issue(db, user.id, Purpose.RESET_PASSWORD, email, lifetime, now)
        await record_event(db, user_id=user.id, type=EventType.PASSWORD_RESET_REQUESTED, now=now, client=client)
    link = gate.mailer.link(RESET_PATH, token)
    await gate.mailer.deliver(templates.password_reset(email, link, gate.settings.reset_token_minutes))


async def reset_password(gate: AuthGate, token: str, new_password: str, client: ClientInfo) -> None:
    """Set a new password with a mailed token; signs every device out and does not sign in (OWASP Forgot
    Password cheat sheet: the reader signs in with the new password like anyone else)."""
    async with gate.sessions() as db:
        # checked first without using it up: a password refused by the policy leaves the link working
        pending = await onetime.peek(db, token, Purpose.RESET_PASSWORD, gate.now())
    password = _checked_new_password(gate, new_password, pending.email)
    hashed = await gate.hashing.hash(password)
    now = gate.now()
    async with gate.sessions.begin() as db:
        used = await onetime.consume(db, token, Purpose.RESET_PASSWORD, now)
        verified = await db.execute(select(User.email_verified_at).where(User.id == used.user_id))
        # ASVS 5.0 V7.4: a password reset ends every session and, through tokens_valid_after, every access token
        await revoke_all_sessions(db, used.user_id, now)
        await _store_new_password(
            db,
            used.user_id,
            hashed,
            now,
            # the link reached this address: that proves it as well as a verification link would
            is_verified=True,
            email_verified_at=verified.scalar_one_or_none() or now,
        )
        await record_event(db, user_id=used.user_id, type=EventType.PASSWORD_RESET, now=now, client=client)
    gate.mailer.send(templates.password_changed(used.email, reset=True))


async def verify_current_password(gate: AuthGate, user_id: uuid.UUID, password: str) -> None:
    """Re-authentication before a sensitive change (ASVS 5.0 V6.2: changing the password or the address asks for
    the current password). Raises InvalidPassword."""
    async with gate.sessions() as db:
        found = await db.execute(select(User.hashed_password).where(User.id == user_id))
        stored = found.scalar_one_or_none()
    # the connection is back in the pool before argon2 runs
    password = normalize_password(password)
    if stored is None or len(password) > gate.settings.password_max_length:
        await gate.hashing.dummy_verify(password)
        raise InvalidPassword()
    valid, _ = await gate.hashing.verify_and_update(password, stored)
    if not valid:
        raise InvalidPassword()


async def change_password(
    gate: AuthGate, user: CurrentUser, current_password: str, new_password: str, cookie: str | None, client: ClientInfo
) -> str:
    """Returns a fresh access token for the caller; every other session and every older access token is revoked."""
    await verify_current_password(gate, user.id, current_password)
    password = _checked_new_password(gate, new_password, user.email)
    hashed = await gate.hashing.hash(password)
    now = gate.now()
    cutoff = revocation_cutoff(now)
    async with gate.sessions.begin() as db:
        keep = await _own_family(db, user.id, cookie, now)
        revoke = update(RefreshToken).where(RefreshToken.user_id == user.id, RefreshToken.revoked.is_(False))
        if keep is not None:
            revoke = revoke.where(RefreshToken.family_id != keep)
        await db.execute(revoke.values(revoked=True, revoked_at=now))
        await _store_new_password(db, user.id, hashed, now)
        await record_event(db, user_id=user.id, type=EventType.PASSWORD_CHANGED, now=now, client=client)
    gate.mailer.send(templates.password_changed(user.email, reset=False))
    # issued at the cutoff itself: the one access token that survives the revocation is this one
    token, _ = issue_access_token(gate.access, subject=str(user.id), now=cutoff, extra={"email": user.email})
    return token


async def _store_new_password(
    db: AsyncSession, user_id: uuid.UUID, hashed: str, now: datetime, **extra: object
) -> None:
    """The new hash, the lockout cleared, every access token issued up to now refused, and pending reset or
    email-change links cancelled (they were issued to whoever knew the old password)."""
    await db.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            hashed_password=hashed,
            failed_login_count=0,
            password_reset_required=False,
            updated_at=now,
            tokens_valid_after=revocation_cutoff(now),
            **extra,
        )
    )
    await onetime.invalidate(db, user_id, now, purposes=TAKEOVER_PURPOSES)


async def _own_family(db: AsyncSession, user_id: uuid.UUID, cookie: str | None, now: datetime) -> uuid.UUID | None:
    """The sign-in the caller's refresh cookie belongs to, if it is the caller's and still live: it is kept."""
    if cookie is None:
        return None
    found = await db.execute(
        select(RefreshToken.family_id).where(
            RefreshToken.token_hash == hash_token(cookie),
            RefreshToken.user_id == user_id,
            RefreshToken.revoked.is_(False),
            RefreshToken.expires_at > now,
        )
    )
    return found.scalar_one_or_none()
