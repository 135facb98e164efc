"""Authenticator apps, backup codes and the sign-in challenge: what the routes do.

Each change of a factor is one transaction that locks the reader's row first (accounts/locks.py), records its
security event and, once committed, mails a notice to the reader.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import segno
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from authgate.accounts.lockout import begin_sign_in
from authgate.accounts.locks import lock_reauthenticated_user, lock_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.accounts.reauth import GivenProof, reauthenticate
from authgate.accounts.signin import Proof, SignedIn, complete_sign_in
from authgate.errors import ChallengeInvalid, InvalidCode, NotAuthenticated, TwoFactorAlreadyOn, TwoFactorNotOn
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.mail import templates
from authgate.mfa.factors import (
    check_backup_code,
    check_totp,
    close_challenge,
    count_wrong_code,
    live_challenge,
    replace_backup_codes,
    seal_secret,
    two_factor_on,
)
from authgate.mfa.models import BackupCode, Passkey, SignInChallenge, TotpFactor
from authgate.mfa.schemas import BackupCodes, MfaStatus, TotpSetup
from authgate.security.totp import new_backup_codes, new_secret, provisioning_uri
from authgate.transport import ClientInfo

# a set-up not confirmed within this is dead: its secret was shown once, on one screen
SETUP_MINUTES = 10


async def status(gate: AuthGate, user_id: uuid.UUID) -> MfaStatus:
    async with gate.engine.connect() as db:
        remaining = await db.execute(
            select(func.count())
            .select_from(BackupCode)
            .where(BackupCode.user_id == user_id, BackupCode.used_at.is_(None))
        )
        passkeys = await db.execute(select(func.count()).select_from(Passkey).where(Passkey.user_id == user_id))
        return MfaStatus(
            totp_enabled=await two_factor_on(db, user_id),
            backup_codes_remaining=remaining.scalar_one(),
            passkeys=passkeys.scalar_one(),
            recent_sign_in_minutes=gate.settings.recent_sign_in_minutes,
        )


async def verify_challenge(gate: AuthGate, token: str | None, code: str, client: ClientInfo) -> SignedIn:
    """The second step of a sign-in: a code of the app or a backup code against a live challenge.

    Judged like a sign-in attempt (the account's window, failure count and lockout, before any check); a wrong code
    counts there and against the challenge, which dies at its fifth. The code and the challenge are used up in the
    session's own transaction, so of two concurrent answers one wins, and a sign-in refused at its write (a reset or
    a sign-out everywhere committed meanwhile) leaves the code unused. An account suspended since the first step is
    refused before the code is checked (complete_sign_in's rules come first): the first step already told the same
    caller, had the suspension come before it.
    """
    if not token:
        raise ChallengeInvalid()
    async with gate.engine.connect() as db:
        challenge = await live_challenge(db, token, gate.now())
    if challenge is None:
        raise ChallengeInvalid()
    found = await gate.users.load_credentials(challenge.user_id)
    if found is None:
        raise ChallengeInvalid()
    revoked_at = found[0].tokens_valid_after
    if revoked_at is not None and revoked_at > challenge.opened_at:
        # the reader signed out everywhere (or logged out) after the first factor passed: a sign-in in progress ends
        # with the sign-ins (ASVS 5.0 V7.4.1), before any code is checked or counted (attack pass: a challenge
        # opened with a stolen password was finished into a session after the reader ended every sign-in)
        raise ChallengeInvalid()
    attempt = await begin_sign_in(gate, found[0].email, found, client)

    async def use_up(db: AsyncSession | AsyncConnection) -> None:
        # in the session's transaction: a code (a backup code above all, which cannot come back) is spent only with a
        # session made. An attack pass found a backup code gone after a sign-in the database then refused
        valid = await check_totp(db, gate, challenge.user_id, code) or await check_backup_code(
            db, gate, challenge.user_id, code
        )
        if not valid:
            raise InvalidCode()
        if not await close_challenge(db, token):
            # answered meanwhile by another request: this one rolls back, its code stays unused
            raise ChallengeInvalid()

    # the session is made only if the password still is the one the first step was checked against: a reset that
    # committed between the code and here wins (as for a password sign-in)
    proof = Proof(
        found[0],
        challenge.method,
        attempt=attempt,
        verified_hash=found[1],
        second_factor=True,
        started_at=challenge.opened_at,
        use_up=use_up,
    )
    try:
        return await complete_sign_in(gate, proof, client)
    except InvalidCode:
        async with gate.engine.begin() as db:
            await count_wrong_code(db, token)
        await attempt.failed(event=EventType.SECOND_FACTOR_FAILED, detail="wrong code at the second step of a sign-in")
        raise


async def start_totp_setup(gate: AuthGate, user: CurrentUser, given: GivenProof, client: ClientInfo) -> TotpSetup:
    """A new secret, not yet on: a first code confirms it (`confirm_totp`). A new setup replaces an unconfirmed one."""
    verified = await reauthenticate(gate, user, given, client, action="set up an authenticator app", explicit=True)
    secret = new_secret()
    async with gate.engine.begin() as db:
        await lock_reauthenticated_user(db, user, verified)
        if await two_factor_on(db, user.id):
            raise TwoFactorAlreadyOn()
        await db.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
        await db.execute(
            insert(TotpFactor).values(
                user_id=user.id,
                secret_sealed=seal_secret(gate, user.id, secret),
                confirmed_at=None,
                last_used_step=None,
                created_at=gate.now(),
            )
        )
    uri = provisioning_uri(secret, account=user.email, issuer=gate.settings.site_name)
    # the QR code is drawn here: the secret never goes to a third-party QR service
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=False)
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_svg=svg)


async def confirm_totp(gate: AuthGate, user: CurrentUser, code: str, client: ClientInfo) -> BackupCodes:
    """The first code from the app turns two-step sign-in on; the backup codes are made now and shown once."""
    codes = new_backup_codes()
    found = await gate.users.load_credentials(user.id)
    if found is None:
        raise NotAuthenticated()
    # a code guess like any other: the account's window, failure count and lockout (an attack pass guessed the
    # confirming code of a pending set-up from 15 addresses with a stale stolen token)
    attempt = await begin_sign_in(gate, user.email, found, client)
    try:
        async with gate.engine.begin() as db:
            if not await lock_user(db, user.id):
                raise NotAuthenticated()
            if await two_factor_on(db, user.id):
                raise TwoFactorAlreadyOn()
            started = (await db.execute(select(TotpFactor.created_at).where(TotpFactor.user_id == user.id))).scalar()
            fresh = started is not None and gate.now() - started <= timedelta(minutes=SETUP_MINUTES)
            valid = fresh and await check_totp(db, gate, user.id, code, confirmed=False)
            if valid:
                confirmed = update(TotpFactor).where(TotpFactor.user_id == user.id).values(confirmed_at=gate.now())
                await db.execute(confirmed)
                await replace_backup_codes(db, gate, user.id, codes)
                now = gate.now()
                await record_event(db, user_id=user.id, type=EventType.TWO_FACTOR_ENABLED, now=now, client=client)
                turned_on = "two-step sign-in with an authenticator app was turned on"
                await gate.mailer.queue(db, templates.sign_in_factor_changed(user.email, turned_on))
    except TwoFactorAlreadyOn:
        # no code was checked: the attempt counted before the check was no guess, and must not stay one (an attack
        # pass saw each 409 leave a failure counted, until the reader's own sign-ins were slowed down)
        await attempt.give_back()
        raise
    if not valid:
        await attempt.failed(event=EventType.SECOND_FACTOR_FAILED, detail="wrong code confirming an authenticator app")
        raise InvalidCode("That code is not right, or this set-up expired (start again)")
    await attempt.reauthenticated()
    gate.mailer.wake()
    return BackupCodes(backup_codes=codes)


async def turn_off(gate: AuthGate, user: CurrentUser, given: GivenProof, client: ClientInfo) -> None:
    # `explicit`: the password or a code, never a recent sign-in alone. Removing a factor weakens the account like
    # adding one plants a way in (ASVS 5.0 V6.2 / V7.5; GitHub's sudo mode and Better Auth's twoFactor.disable ask for
    # the password): an access token stolen minutes after the sign-in could turn two-step sign-in off with an empty body
    verified = await reauthenticate(gate, user, given, client, action="turn two-step sign-in off", explicit=True)
    async with gate.engine.begin() as db:
        await lock_reauthenticated_user(db, user, verified)
        if not await two_factor_on(db, user.id):
            raise TwoFactorNotOn()
        await _remove_second_factor(db, user.id)
        await record_event(db, user_id=user.id, type=EventType.TWO_FACTOR_DISABLED, now=gate.now(), client=client)
        await gate.mailer.queue(db, templates.sign_in_factor_changed(user.email, "two-step sign-in was turned off"))
    gate.mailer.wake()


async def regenerate_backup_codes(
    gate: AuthGate, user: CurrentUser, given: GivenProof, client: ClientInfo
) -> BackupCodes:
    # `explicit`: the password or a code, never a recent sign-in alone. A backup code is itself a `code` proof for
    # every explicit route: an attack pass minted ten from an access token stolen minutes after the sign-in, with an
    # empty body, then added the thief's passkey with one of them (and the reader's own codes stopped working)
    verified = await reauthenticate(gate, user, given, client, action="make new backup codes", explicit=True)
    codes = new_backup_codes()
    async with gate.engine.begin() as db:
        await lock_reauthenticated_user(db, user, verified)
        if not await two_factor_on(db, user.id):
            raise TwoFactorNotOn()
        await replace_backup_codes(db, gate, user.id, codes)
        await record_event(db, user_id=user.id, type=EventType.BACKUP_CODES_REGENERATED, now=gate.now(), client=client)
        what = "new backup codes were made; the old ones no longer work"
        await gate.mailer.queue(db, templates.sign_in_factor_changed(user.email, what))
    gate.mailer.wake()
    return BackupCodes(backup_codes=codes)


async def reset_second_factors(gate: AuthGate, email: str) -> bool:
    """Support's way back in for a reader who lost every factor (`authgate users reset-2fa EMAIL`): the app, the
    backup codes and the passkeys go; the password (or a provider) still signs them in. False: no such reader."""
    async with gate.engine.begin() as db:
        user_id = (await db.execute(select(User.id).where(User.email == email))).scalar_one_or_none()
        if user_id is None or not await lock_user(db, user_id):
            return False
        await _remove_second_factor(db, user_id)
        await db.execute(delete(Passkey).where(Passkey.user_id == user_id))
        await record_event(
            db,
            user_id=user_id,
            type=EventType.TWO_FACTOR_RESET,
            now=gate.now(),
            client=ClientInfo(ip_address=None, user_agent="authgate users reset-2fa"),
            detail="second factors and passkeys removed by an operator",
        )
        what = "support removed your authenticator app, backup codes and passkeys"
        await gate.mailer.queue(db, templates.sign_in_factor_changed(email, what))
    gate.mailer.wake()
    return True


async def _remove_second_factor(db: AsyncConnection, user_id: uuid.UUID) -> None:
    await db.execute(delete(TotpFactor).where(TotpFactor.user_id == user_id))
    await db.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
    await db.execute(delete(SignInChallenge).where(SignInChallenge.user_id == user_id))
