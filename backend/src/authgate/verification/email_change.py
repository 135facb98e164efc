"""Changing the sign-in address: confirmed from the new address, announced to the old one.

The address changes only when the link mailed to the new address is used (POST /auth/verify-email), so a typo or
an address the reader does not control never becomes the account's; the old address is told at once, so a
change the reader did not ask for is noticed (ASVS 5.0 V6.3: notify the user of changes to authentication details).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from authgate.accounts.locks import lock_reauthenticated_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.accounts.reauth import GivenProof, reauthenticate
from authgate.errors import EmailAlreadyExists
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.mail import templates
from authgate.onetime import service as onetime
from authgate.onetime.service import Purpose
from authgate.ratelimit.dependencies import check_mail_limit
from authgate.sessions.service import ClientInfo
from authgate.verification.service import VERIFY_PATH


async def request_email_change(
    gate: AuthGate,
    user: CurrentUser,
    new_email: str,
    given: GivenProof,
    client: ClientInfo,
) -> None:
    # the password or a code, never a recent sign-in alone (`explicit`): whoever holds the address holds the
    # account (every reset link goes there), so an access token stolen minutes after a sign-in must not move it to
    # the thief's mailbox; an attack pass did, with no password. ASVS 5.0 V7.5.1: full re-authentication before
    # changing an attribute used in account recovery, such as the email address. A reader with neither a password
    # nor a second factor (a provider sign-in) still proves it by a recent sign-in.
    verified = await reauthenticate(gate, user, given, client, action="change the sign-in address", explicit=True)
    email = new_email  # canonical: the schema made it so (authgate.identifiers)
    # the new address is anyone's: the link mailed to it counts against that address, not the caller's IP only; and
    # (first, so a refused request uses up nothing of the address's) against the account asking, so one account
    # cannot mail a link to every address on a list either
    await check_mail_limit(gate, "change_email_from", user.email)
    await check_mail_limit(gate, "change_email", email)
    now = gate.now()
    lifetime = timedelta(hours=gate.settings.verification_token_hours)
    async with gate.sessions.begin() as db:
        await lock_reauthenticated_user(db, user, verified)
        taken = await db.execute(select(User.id).where(User.email == email))
        if email == user.email or taken.first() is not None:
            raise EmailAlreadyExists()
        # bound to the NEW address; a newer request supersedes this one
        token = await onetime.issue(db, user.id, Purpose.CHANGE_EMAIL, email, lifetime, now)
        await record_event(db, user_id=user.id, type=EventType.EMAIL_CHANGE_REQUESTED, now=now, client=client)
        minutes = int(lifetime.total_seconds() // 60)
        mail = templates.email_change(email, gate.mailer.link(VERIFY_PATH, token), minutes)
        await gate.mailer.queue(db, mail, kind=f"{Purpose.CHANGE_EMAIL}:{user.id}")
        await gate.mailer.queue(db, templates.email_change_notice(user.email, email))
    gate.mailer.wake()
