"""Re-authentication before a sensitive action: one function, used by every route that asks for it.

Changing the password or the sign-in address and deleting the account ask for the current password even from a
signed-in browser (OWASP ASVS 5.0 V6.2 / V7.5: a stolen session alone must not take the account over). Checking it is
a password guess like a sign-in, so it is judged and counted exactly like one (`accounts.lockout.begin_sign_in`):
the account's window, its failure count and lockout, whatever the source address; each wrong guess is a security
event. An attack pass guessed a stolen session's password through change-password from 60 addresses when this
counted per address only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from authgate.accounts.lockout import begin_sign_in
from authgate.accounts.lookup import CurrentUser
from authgate.errors import InvalidPassword, NotAuthenticated, RecentSignInRequired
from authgate.events.service import EventType
from authgate.gate import AuthGate
from authgate.security import normalize_password
from authgate.transport import ClientInfo


async def reauthenticate(
    gate: AuthGate,
    user: CurrentUser,
    password: str | None,
    client: ClientInfo,
    *,
    action: str,
    signed_in_at: datetime | None = None,
) -> str | None:
    """Raises InvalidPassword (a failure counted and recorded), RateLimited or PasswordResetRequired; else returns
    the password hash the password was verified against, for `lock_reauthenticated_user` in the write transaction.

    Whatever proof the reader has: the password, for a reader who has one; for a reader without one (they arrived
    through a provider), a sign-in at most RECENT_SIGN_IN_MINUTES old (`signed_in_at`, the access token's
    `auth_time`), else RecentSignInRequired: they sign in through the provider again. A caller that passes no
    `signed_in_at` accepts the password only (changing the password: a reader without one sets it by a reset).
    `action` says what the password was asked for, in the words the reader sees in the security log.
    """
    found = await gate.users.load_credentials(user.id)
    if found is None:
        # deleted since the access token was checked
        raise NotAuthenticated()
    if found[1] is None and signed_in_at is not None:
        # no password to ask for: the sign-in itself must be recent (the caller accepts that proof)
        if gate.now() - signed_in_at > timedelta(minutes=gate.settings.recent_sign_in_minutes):
            raise RecentSignInRequired()
        return None
    password = password or ""
    # the account's window and lockout: 429 / 403 before any argon2 work
    attempt = await begin_sign_in(gate, found[0].email, found, client)
    _, stored_hash, _ = found
    password = normalize_password(password)
    if stored_hash is None or len(password) > gate.settings.password_max_length:
        await gate.hashing.dummy_verify(password)
        valid = False
    else:
        # the connection went back to the pool before this: none is held while argon2 runs
        valid, _ = await gate.hashing.verify_and_update(password, stored_hash)
    if not valid:
        await attempt.failed(event=EventType.REAUTHENTICATION_FAILED, detail=f"wrong password when asked to {action}")
        raise InvalidPassword()
    await attempt.reauthenticated()
    return stored_hash
