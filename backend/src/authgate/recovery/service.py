"""Forgotten password (mailed reset link), reset, and change of password by a signed-in reader."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from authgate.accounts.locks import lock_reauthenticated_user, lock_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.accounts.reauth import GivenProof, reauthenticate
from authgate.accounts.service import checked_new_password
from authgate.errors import TokenInvalid
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.mail import templates
from authgate.mfa.models import BackupCode, Passkey, SignInChallenge, TotpFactor
from authgate.oauth.models import Identity
from authgate.onetime import service as onetime
from authgate.onetime.service import Purpose
from authgate.sessions.service import (
    ClientInfo,
    live_family_of,
    revocation_cutoff,
    revoke_all_sessions,
    revoke_other_sessions,
)

RESET_PATH = "/auth/reset-password"
# tokens that would let someone holding them take the account over: a new password cancels them all
TAKEOVER_PURPOSES = (Purpose.RESET_PASSWORD, Purpose.CHANGE_EMAIL)


def forgot_password(gate: AuthGate, email: str, client: ClientInfo) -> None:
    """`email` is canonical (the schema's `Email`). Queue the work and return: the caller answers the same 202 at
    once, whether or not the account exists (OWASP Forgot Password cheat sheet: identical response and timing;
    the lookup and the mail run later)."""
    gate.mailer.run_later(_mail_reset_link(gate, email, client))


async def _mail_reset_link(gate: AuthGate, email: str, client: ClientInfo) -> None:
    now = gate.now()
    async with gate.sessions.begin() as db:
        found = await db.execute(
            select(User.id, User.is_active).where(User.email == email).with_for_update(key_share=True)
        )
        user = found.first()
        if user is None or not user.is_active:
            return
        lifetime = timedelta(minutes=gate.settings.reset_token_minutes)
        token = await onetime.issue(db, user.id, Purpose.RESET_PASSWORD, email, lifetime, now)
        await record_event(db, user_id=user.id, type=EventType.PASSWORD_RESET_REQUESTED, now=now, client=client)
        link = gate.mailer.link(RESET_PATH, token)
        mail = templates.password_reset(email, link, gate.settings.reset_token_minutes)
        await gate.mailer.queue(db, mail, kind=f"{Purpose.RESET_PASSWORD}:{user.id}")
    gate.mailer.wake()


async def reset_password(gate: AuthGate, token: str, new_password: str, client: ClientInfo) -> None:
    """Set a new password with a mailed token; signs every device out and does not sign in (OWASP Forgot
    Password cheat sheet: the reader signs in with the new password like anyone else)."""
    async with gate.sessions() as db:
        # checked first without using it up: a password refused by the policy leaves the link working
        pending = await onetime.peek(db, token, Purpose.RESET_PASSWORD, gate.now())
    password = checked_new_password(gate, new_password, pending.email)
    hashed = await gate.hashing.hash(password)
    async with gate.sessions.begin() as db:
        # the users row first (accounts/locks.py); the token must still belong to that user
        if not await lock_user(db, pending.user_id):
            raise TokenInvalid()
        # read once the row is ours, so a refresh that held it first is covered by the cut-off (sessions/service.py)
        now = gate.now()
        used = await onetime.consume(db, token, Purpose.RESET_PASSWORD, now)
        before = (
            await db.execute(select(User.email_verified_at, User.first_verified_at).where(User.id == used.user_id))
        ).one()
        # ASVS 5.0 V7.4: a password reset ends every session and, through tokens_valid_after, every access token
        await revoke_all_sessions(db, used.user_id, now)
        # the link reached this address: that proves it as well as a verification link would (this may be the
        # first proof, or a later one)
        removed = await _forget_unproven_ways_in(db, used.user_id, before.first_verified_at)
        await _store_new_password(
            db,
            used.user_id,
            hashed,
            now,
            is_verified=True,
            email_verified_at=before.email_verified_at or now,
            first_verified_at=before.first_verified_at or now,
        )
        detail = f"removed, as added before the address was proven: {', '.join(removed)}" if removed else None
        await record_event(
            db, user_id=used.user_id, type=EventType.PASSWORD_RESET, now=now, client=client, detail=detail
        )
        await gate.mailer.queue(db, templates.password_changed(used.email, reset=True))
    gate.mailer.wake()


async def change_password(
    gate: AuthGate, user: CurrentUser, current_password: str, new_password: str, cookie: str | None, client: ClientInfo
) -> str:
    """Returns a fresh access token for the caller; every other session and every older access token is revoked."""
    verified = await reauthenticate(
        gate, user, GivenProof(password=current_password), client, action="change the password", password_only=True
    )
    password = checked_new_password(gate, new_password, user.email)
    hashed = await gate.hashing.hash(password)
    async with gate.sessions.begin() as db:
        await lock_reauthenticated_user(db, user, verified)
        # read once the row is ours, so a refresh that held it first is covered by the cut-off (sessions/service.py)
        now = gate.now()
        cutoff = revocation_cutoff(now)
        keep = await live_family_of(db, user.id, cookie, now)
        await revoke_other_sessions(db, user.id, keep, now)
        await _store_new_password(db, user.id, hashed, now)
        await record_event(db, user_id=user.id, type=EventType.PASSWORD_CHANGED, now=now, client=client)
        await gate.mailer.queue(db, templates.password_changed(user.email, reset=False))
    gate.mailer.wake()
    # issued at the cutoff itself: the one access token that survives the revocation is this one
    # the password was just proved again: this is a fresh sign-in time
    return gate.issue_access_token(user, signed_in_at=now, now=cutoff)


async def _forget_unproven_ways_in(db: AsyncSession, user_id: uuid.UUID, proven_at: datetime | None) -> list[str]:
    """The ways in added before the address was first proven (`proven_at`; None: this reset is the first proof, and
    every way in went before it), removed; what went, for the event.

    A pre-account takeover: whoever registered the address first (a sign-up with its password, a provider that
    never vouched for it) can add a passkey, link a provider account or turn on an authenticator app, and wait for
    the address's owner to recover the account through the mailbox. Until then nobody had shown they own the
    address, so none of those ways in can be told from a squatter's; the reset keeps only what was added since the
    first proof (a verification link followed first, then the reset, is the same). Their holder adds them again.
    """
    removed: list[str] = []
    for model, what in ((Passkey, "passkeys"), (Identity, "linked provider accounts")):
        gone = await db.execute(
            delete(model).where(model.user_id == user_id, *_before(model.created_at, proven_at)).returning(model.id)
        )
        if count := len(gone.all()):
            removed.append(f"{count} {what}")
    app = await db.execute(
        delete(TotpFactor)
        .where(TotpFactor.user_id == user_id, *_before(TotpFactor.created_at, proven_at))
        .returning(TotpFactor.user_id)
    )
    if app.first() is not None:
        # its backup codes are its own: they go with it
        await db.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
        removed.append("two-step sign-in")
    return removed


def _before(created_at: InstrumentedAttribute[datetime], proven_at: datetime | None) -> list[ColumnElement[bool]]:
    return [] if proven_at is None else [created_at < proven_at]


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
    # a sign-in half done with the old password ends too; a second factor turned on since the address was proven
    # stays on (a reset proves the mailbox, not the reader's phone)
    await db.execute(delete(SignInChallenge).where(SignInChallenge.user_id == user_id))
