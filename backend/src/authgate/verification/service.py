"""Email verification: the link mailed at sign-up and on request, and what using it does.

Also completes an email change (`verification/email_change.py` mails that link): both arrive at POST /auth/verify-email.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError

from authgate.accounts.lockout import leave_failures_behind, take_unknown_failures
from authgate.accounts.locks import lock_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.db import UTCDateTime
from authgate.errors import EmailAlreadyExists, TokenInvalid
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.mail import templates
from authgate.onetime import service as onetime
from authgate.onetime.service import Db, Purpose
from authgate.ratelimit.dependencies import check_mail_limit
from authgate.sessions.service import ClientInfo, live_family_of, revoke_other_sessions

VERIFY_PATH = "/auth/verify-email"


def verification_lifetime(gate: AuthGate) -> timedelta:
    return timedelta(hours=gate.settings.verification_token_hours)


async def start_verification(
    db: Db, gate: AuthGate, user_id: uuid.UUID, email: str, client: ClientInfo, *, mail_it: bool = True
) -> None:
    """Issue a token and queue its mail inside the caller's transaction; the caller wakes the mailer once it has
    committed. `mail_it` False (the address's RATE_LIMIT_MAIL_ACCOUNT window is full): nothing is issued or mailed."""
    if not mail_it:
        return
    now = gate.now()
    lifetime = verification_lifetime(gate)
    token = await onetime.issue(db, user_id, Purpose.VERIFY_EMAIL, email, lifetime, now)
    minutes = int(lifetime.total_seconds() // 60)
    mail = templates.verification(email, gate.mailer.link(VERIFY_PATH, token), minutes)
    await gate.mailer.queue(db, mail, kind=f"{Purpose.VERIFY_EMAIL}:{user_id}")
    await record_event(db, user_id=user_id, type=EventType.EMAIL_VERIFICATION_SENT, now=now, client=client)


async def resend(gate: AuthGate, user: CurrentUser, client: ClientInfo) -> None:
    if user.is_verified:
        return
    await check_mail_limit(gate, "verify_email", user.email)
    async with gate.sessions.begin() as db:
        if not await lock_user(db, user.id):
            return
        await start_verification(db, gate, user.id, user.email, client)
    gate.mailer.wake()


async def verify(gate: AuthGate, token: str, client: ClientInfo, cookie: str | None = None) -> str:
    """Use a verify_email or change_email token; returns the (possibly new) verified address.

    An email change ends the reader's other sign-ins and every access token issued before it, like a password
    change: whoever held a session under the old address must not keep it. The sign-in of the presented refresh
    cookie, if it is the reader's, goes on (its next refresh gives an access token with the new address).
    """
    now = gate.now()
    purposes = (Purpose.VERIFY_EMAIL, Purpose.CHANGE_EMAIL)
    try:
        async with gate.sessions.begin() as db:
            # the users row first (accounts/locks.py): find whose token it is, lock them, then use it up
            pending = await onetime.peek(db, token, purposes, now)
            if not await lock_user(db, pending.user_id):
                raise TokenInvalid()
            # read once the row is ours, so a refresh that held it first is covered by the cut-off (sessions/service.py)
            now = gate.now()
            used = await onetime.consume(db, token, purposes, now)
            changes: dict[str, object] = {
                "is_verified": True,
                "email_verified_at": now,
                # the first proof stays the first: a later link (a change of address) moves only email_verified_at
                "first_verified_at": func.coalesce(User.first_verified_at, literal(now, UTCDateTime())),
                "updated_at": now,
            }
            if used.purpose is Purpose.VERIFY_EMAIL:
                await db.execute(update(User).where(User.id == used.user_id).values(**changes))
                await record_event(db, user_id=used.user_id, type=EventType.EMAIL_VERIFIED, now=now, client=client)
                return used.email
            # an email change: the address may have been taken since the link was mailed
            taken = await db.execute(select(User.id).where(User.email == used.email, User.id != used.user_id))
            if taken.first() is not None:
                raise EmailAlreadyExists()
            # the sign-in failure state stays with each address, as at sign-up and deletion (accounts/lockout.py): an
            # attack pass saw a locked address answer 401 once its account moved away, and a locked address with no
            # account answer 401 once an account moved to it, i.e. a probe saw the change of address and where to
            await leave_failures_behind(db, gate, used.user_id)
            inherited = await take_unknown_failures(db, gate, used.email)
            changes.update(
                failed_login_count=inherited.count,
                last_failed_login_at=inherited.last_failed_at,
                password_reset_required=inherited.reset_required,
            )
            await db.execute(update(User).where(User.id == used.user_id).values(email=used.email, **changes))
            # whatever was mailed to the old address (a reset link, a verification link) must not work any more
            await onetime.invalidate(db, used.user_id, now)
            await revoke_other_sessions(db, used.user_id, await live_family_of(db, used.user_id, cookie, now), now)
            await record_event(db, user_id=used.user_id, type=EventType.EMAIL_CHANGED, now=now, client=client)
            return used.email
    except IntegrityError as exc:
        # the unique index decides a race with a sign-up or another change to the same address
        raise EmailAlreadyExists() from exc
