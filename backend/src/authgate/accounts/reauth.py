"""Re-authentication before a sensitive action: one function, used by every route that asks for it.

Changing the password or the sign-in address, deleting the account, ending sessions, connecting or disconnecting a
provider and every change of a second factor or passkey ask for a recent proof even from a signed-in browser (OWASP
ASVS 5.0 V6.2 / V7.5: a stolen session alone must not take the account over): the password, a code of the reader's
authenticator app or a backup code, or a sign-in at most RECENT_SIGN_IN_MINUTES old (the access token's `auth_time`,
renewed by a passkey through POST /auth/reauthenticate). Checking a password or a code is a guess like a sign-in, so
it is judged and counted exactly like one (`accounts.lockout.begin_sign_in`): the account's window, its failure count
and lockout, whatever the source address; each wrong guess is a security event. An attack pass guessed a stolen
session's password through change-password from 60 addresses when this counted per address only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from authgate.accounts.lockout import begin_sign_in, unless_shed
from authgate.accounts.lookup import Credentials, CurrentUser
from authgate.errors import InvalidCode, InvalidPassword, NotAuthenticated, RecentSignInRequired
from authgate.events.service import EventType
from authgate.gate import AuthGate
from authgate.mfa.factors import check_backup_code, check_totp, two_factor_on
from authgate.security import normalize_password
from authgate.transport import ClientInfo


@dataclass(frozen=True)
class GivenProof:
    """What the request brings to prove it is the reader: the password or a code in the body, and the access
    token's `auth_time` (None when the caller does not accept a recent sign-in as proof)."""

    password: str | None = None
    code: str | None = None
    signed_in_at: datetime | None = None


async def reauthenticate(
    gate: AuthGate,
    user: CurrentUser,
    given: GivenProof,
    client: ClientInfo,
    *,
    action: str,
    password_only: bool = False,
    explicit: bool = False,
) -> str | None:
    """One re-authentication for every sensitive action: a recent proof, by whatever the reader has.

    - the password, given with the request (counted like a sign-in: window, failure count, lockout);
    - or a code of their authenticator app or a backup code (counted the same way);
    - or nothing more, when the access token's `auth_time` (the last sign-in, passed challenge or passkey) is at most
      RECENT_SIGN_IN_MINUTES old; else 403 RecentSignInRequired: the reader proves it again.
    `password_only` (changing the password): the current password and nothing else.
    `explicit` (adding or taking away a factor: an authenticator app, backup codes, a passkey, a provider; changing
    the sign-in address, where every reset link goes): the password or a code, never the sign-in time alone, for a
    reader who has either: a token stolen within minutes of a sign-in must not plant a factor that outlives the
    password reset the reader then does, take away one the reader relies on (two-step sign-in, a passkey, a
    provider), nor move the account out of the reset's reach (ASVS 5.0 V6.2 / V7.5). A reader with neither (they
    arrived through a provider and have no second factor) proves it by a recent sign-in. Ending a session and signing
    out everywhere stay on the sign-in time: they help a reader whose session was stolen and weaken nothing.

    Returns the password hash the account had when the proof was checked, for `lock_reauthenticated_user`: a reset
    that commits in between is noticed under the lock. `action` is what the proof was asked for, in the words the
    reader sees in the security log.
    """
    found = await gate.users.load_credentials(user.id)
    if found is None:
        # deleted since the access token was checked
        raise NotAuthenticated()
    stored_hash = found[1]
    if given.password is not None or password_only:
        await _check_password(gate, found, given.password or "", client, action)
        return stored_hash
    if given.code is not None:
        await _check_code(gate, found, given.code, client, action)
        return stored_hash
    if explicit and (stored_hash is not None or await has_second_factor(gate, user.id)):
        raise RecentSignInRequired("Enter your password (or a code from your authenticator app) to do this")
    if recent(gate, given.signed_in_at):
        return stored_hash
    raise RecentSignInRequired()


async def has_second_factor(gate: AuthGate, user_id: uuid.UUID) -> bool:
    async with gate.engine.connect() as db:
        return await two_factor_on(db, user_id)


def recent(gate: AuthGate, signed_in_at: datetime | None) -> bool:
    """A sign-in time in the future is no proof: it is derived from the refresh token's expiry and the configured
    lifetime, so shortening REFRESH_TOKEN_EXPIRE_DAYS would otherwise make every older session look fresh."""
    window = timedelta(minutes=gate.settings.recent_sign_in_minutes)
    return signed_in_at is not None and timedelta(0) <= gate.now() - signed_in_at <= window


async def _check_password(gate: AuthGate, found: Credentials, password: str, client: ClientInfo, action: str) -> None:
    # the account's window and lockout: 429 / 403 before any argon2 work
    attempt = await begin_sign_in(gate, found[0].email, found, client)
    stored_hash = found[1]
    password = normalize_password(password)
    if stored_hash is None or len(password) > gate.settings.password_max_length:
        await unless_shed(attempt, gate.hashing.dummy_verify(password))
        valid = False
    else:
        # the connection went back to the pool before this: none is held while argon2 runs
        valid, _ = await unless_shed(attempt, gate.hashing.verify_and_update(password, stored_hash))
    if not valid:
        await attempt.failed(event=EventType.REAUTHENTICATION_FAILED, detail=f"wrong password when asked to {action}")
        raise InvalidPassword()
    await attempt.reauthenticated()


async def _check_code(gate: AuthGate, found: Credentials, code: str, client: ClientInfo, action: str) -> None:
    attempt = await begin_sign_in(gate, found[0].email, found, client)
    user_id = found[0].id
    async with gate.engine.begin() as connection:
        valid = await check_totp(connection, gate, user_id, code) or await check_backup_code(
            connection, gate, user_id, code
        )
    if not valid:
        await attempt.failed(event=EventType.REAUTHENTICATION_FAILED, detail=f"wrong code when asked to {action}")
        raise InvalidCode()
    await attempt.reauthenticated()
