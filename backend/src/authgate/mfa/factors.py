"""Second factors: which a reader has, checking a code, and the challenge between the first factor and the second.

A reader has two-factor sign-in on once an authenticator app is confirmed. Then every first factor (password,
provider) ends in a challenge instead of tokens: no refresh cookie and no access token until a TOTP code, a backup
code or a passkey passes it. A passkey with user verification is both factors on its own and is never challenged.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from authgate.gate import AuthGate
from authgate.mfa.models import BackupCode, Passkey, SignInChallenge, TotpFactor
from authgate.security import derive_key, hash_token
from authgate.security.sealing import Unsealable, seal, unseal
from authgate.security.totp import backup_code_hash, matching_step

# a challenge lives this long, and dies after this many wrong codes
CHALLENGE_MINUTES = 5
CHALLENGE_ATTEMPTS = 5

Db = AsyncSession | AsyncConnection


@dataclass(frozen=True)
class Challenge:
    token: str
    methods: tuple[str, ...]
    expires_in: int


class SecondFactorRequired(Exception):  # noqa: N818 - an outcome, not a failure
    """The first factor passed; the sign-in goes on once the challenge does."""

    def __init__(self, challenge: Challenge) -> None:
        super().__init__("second factor required")
        self.challenge = challenge


def totp_key(gate: AuthGate) -> bytes:
    return derive_key(gate.settings.secret, "authgate totp secret")


def backup_key(gate: AuthGate) -> bytes:
    return derive_key(gate.settings.secret, "authgate backup codes")


def seal_secret(gate: AuthGate, user_id: uuid.UUID, secret: str) -> str:
    return seal(totp_key(gate), secret, context=user_id.bytes)


async def two_factor_on(db: Db, user_id: uuid.UUID) -> bool:
    found = await db.execute(
        select(TotpFactor.user_id).where(TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None))
    )
    return found.first() is not None


async def challenge_methods(db: Db, user_id: uuid.UUID) -> tuple[str, ...]:
    """What can answer this reader's challenge: the app, a backup code, and a passkey if they have one."""
    methods = ["totp"]
    remaining = await db.execute(
        select(func.count()).select_from(BackupCode).where(BackupCode.user_id == user_id, BackupCode.used_at.is_(None))
    )
    if remaining.scalar_one():
        methods.append("backup_code")
    if (await db.execute(select(Passkey.id).where(Passkey.user_id == user_id).limit(1))).first() is not None:
        methods.append("passkey")
    return tuple(methods)


async def open_challenge(db: Db, gate: AuthGate, user_id: uuid.UUID, method: str) -> Challenge:
    """In the sign-in transaction: a new challenge for the reader (any older one of theirs ends)."""
    now = gate.now()
    token = secrets.token_urlsafe(32)
    await db.execute(delete(SignInChallenge).where(SignInChallenge.user_id == user_id))
    await db.execute(
        insert(SignInChallenge).values(
            token_hash=hash_token(token),
            user_id=user_id,
            method=method,
            failed_count=0,
            expires_at=now + timedelta(minutes=CHALLENGE_MINUTES),
        )
    )
    return Challenge(token, await challenge_methods(db, user_id), CHALLENGE_MINUTES * 60)


@dataclass(frozen=True)
class LiveChallenge:
    user_id: uuid.UUID
    method: str
    # when the first factor passed: a sign-out everywhere (or a reset) after it ends this sign-in in progress too
    opened_at: datetime


async def live_challenge(db: Db, token: str, now: datetime) -> LiveChallenge | None:
    if not token or len(token) > 128:
        return None
    found = await db.execute(
        select(SignInChallenge.user_id, SignInChallenge.method, SignInChallenge.expires_at).where(
            SignInChallenge.token_hash == hash_token(token),
            SignInChallenge.expires_at > now,
            SignInChallenge.failed_count < CHALLENGE_ATTEMPTS,
        )
    )
    row = found.first()
    if row is None:
        return None
    return LiveChallenge(row.user_id, row.method, row.expires_at - timedelta(minutes=CHALLENGE_MINUTES))


async def count_wrong_code(db: Db, token: str) -> None:
    """One more wrong code against the challenge; at CHALLENGE_ATTEMPTS it is dead (a new sign-in starts over)."""
    await db.execute(
        update(SignInChallenge)
        .where(SignInChallenge.token_hash == hash_token(token))
        .values(failed_count=SignInChallenge.failed_count + 1)
    )


async def close_challenge(db: Db, token: str) -> bool:
    """Use the challenge up: single use (of two concurrent answers, one wins)."""
    gone = await db.execute(
        delete(SignInChallenge)
        .where(SignInChallenge.token_hash == hash_token(token))
        .returning(SignInChallenge.user_id)
    )
    return gone.first() is not None


async def check_totp(db: Db, gate: AuthGate, user_id: uuid.UUID, code: str, *, confirmed: bool = True) -> bool:
    """A code of the reader's app, each step at most once (RFC 6238 §5.2): the step is claimed with one
    conditional UPDATE, so two requests with the same code cannot both pass."""
    conditions = [TotpFactor.user_id == user_id]
    conditions.append(TotpFactor.confirmed_at.is_not(None) if confirmed else TotpFactor.confirmed_at.is_(None))
    factor = (await db.execute(select(TotpFactor.secret_sealed, TotpFactor.last_used_step).where(*conditions))).first()
    if factor is None:
        return False
    try:
        secret = unseal(totp_key(gate), factor.secret_sealed, context=user_id.bytes)
    except Unsealable:
        # sealed with another JWT_SECRET_KEY: no code can pass; the operator resets the factor
        return False
    step = matching_step(secret, code, gate.now(), factor.last_used_step)
    if step is None:
        return False
    claimed = await db.execute(
        update(TotpFactor)
        .where(
            TotpFactor.user_id == user_id,
            or_(TotpFactor.last_used_step.is_(None), TotpFactor.last_used_step < step),
        )
        .values(last_used_step=step)
        .returning(TotpFactor.user_id)
    )
    return claimed.first() is not None


async def check_backup_code(db: Db, gate: AuthGate, user_id: uuid.UUID, code: str) -> bool:
    """Use one backup code up (one conditional UPDATE: a code works once)."""
    if not code or len(code) > 64:
        return False
    used = await db.execute(
        update(BackupCode)
        .where(
            BackupCode.user_id == user_id,
            BackupCode.code_hash == backup_code_hash(backup_key(gate), code),
            BackupCode.used_at.is_(None),
        )
        .values(used_at=gate.now())
        .returning(BackupCode.id)
    )
    return used.first() is not None


async def replace_backup_codes(db: Db, gate: AuthGate, user_id: uuid.UUID, codes: list[str]) -> None:
    """A new set; every code of the old one stops working."""
    now = gate.now()
    await db.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
    for code in codes:
        await db.execute(
            insert(BackupCode).values(
                id=uuid.uuid4(),
                user_id=user_id,
                code_hash=backup_code_hash(backup_key(gate), code),
                used_at=None,
                created_at=now,
            )
        )
