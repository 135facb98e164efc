"""Single-use tokens mailed to a reader: issue, look up, consume, supersede.

OWASP Forgot Password cheat sheet and ASVS 5.0 V6.4: random, stored hashed, single use, short-lived, and only the
newest one of a kind is valid. A token is also bound to the address it was mailed to: once the account's address
changes, tokens sent to the old one stop working (whoever still reads the old mailbox must not get back in).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from authgate.accounts.models import User
from authgate.errors import TokenInvalid
from authgate.onetime.models import OneTimeToken
from authgate.security import hash_token, new_opaque_token

# a token is at most this long (256 bits in URL-safe base64 are 43 characters); longer input is not looked up
MAX_TOKEN_LENGTH = 128

Db = AsyncSession | AsyncConnection


class Purpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"


# purposes whose token must carry the account's CURRENT address; a change_email token carries the NEW one
BOUND_TO_CURRENT_EMAIL = frozenset({Purpose.VERIFY_EMAIL, Purpose.RESET_PASSWORD})


@dataclass(frozen=True)
class ConsumedToken:
    user_id: uuid.UUID
    purpose: Purpose
    email: str


async def issue(db: Db, user_id: uuid.UUID, purpose: Purpose, email: str, lifetime: timedelta, now: datetime) -> str:
    """A new token of `purpose` for `email`; every older unused one of that purpose stops working."""
    await invalidate(db, user_id, now, purposes=(purpose,))
    token = new_opaque_token()
    await db.execute(
        insert(OneTimeToken).values(
            id=uuid.uuid4(),
            user_id=user_id,
            purpose=purpose.value,
            token_hash=hash_token(token),
            email=email,
            expires_at=now + lifetime,
            used_at=None,
            created_at=now,
        )
    )
    return token


async def invalidate(db: Db, user_id: uuid.UUID, now: datetime, *, purposes: Collection[Purpose] | None = None) -> None:
    """Mark the user's unused tokens (of these purposes, or all) as used: superseded or revoked."""
    statement = update(OneTimeToken).where(OneTimeToken.user_id == user_id, OneTimeToken.used_at.is_(None))
    if purposes is not None:
        statement = statement.where(OneTimeToken.purpose.in_([p.value for p in purposes]))
    await db.execute(statement.values(used_at=now))


def _usable(token: str, purposes: Collection[Purpose], now: datetime) -> ColumnElement[bool]:
    current_email = select(User.email).where(User.id == OneTimeToken.user_id).scalar_subquery()
    # a suspended account uses no link mailed before the suspension: an attack pass reset the password of one, and
    # moved another to a new address, with links the operator's suspension had left working (no new link is mailed
    # to a suspended account either: recovery/service.py)
    active = select(User.id).where(User.id == OneTimeToken.user_id, User.is_active.is_(True)).exists()
    bound = [p.value for p in purposes if p in BOUND_TO_CURRENT_EMAIL]
    unbound = [p.value for p in purposes if p not in BOUND_TO_CURRENT_EMAIL]
    return and_(
        OneTimeToken.token_hash == hash_token(token),
        OneTimeToken.used_at.is_(None),
        OneTimeToken.expires_at > now,
        active,
        or_(
            and_(OneTimeToken.purpose.in_(bound), OneTimeToken.email == current_email),
            OneTimeToken.purpose.in_(unbound),
        ),
    )


def _purposes(purpose: Purpose | Collection[Purpose]) -> Collection[Purpose]:
    return (purpose,) if isinstance(purpose, Purpose) else purpose


async def peek(db: Db, token: str, purpose: Purpose | Collection[Purpose], now: datetime) -> ConsumedToken:
    """Whether the token would be accepted, without using it up (reset-password checks the new password first)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid()
    found = await db.execute(
        select(OneTimeToken.user_id, OneTimeToken.purpose, OneTimeToken.email).where(
            _usable(token, _purposes(purpose), now)
        )
    )
    row = found.first()
    if row is None:
        raise TokenInvalid()
    return ConsumedToken(row.user_id, Purpose(row.purpose), row.email)


async def consume(db: Db, token: str, purpose: Purpose | Collection[Purpose], now: datetime) -> ConsumedToken:
    """Use the token up. One conditional UPDATE: of two concurrent uses exactly one matches (the other gets
    TokenInvalid), and an unknown, used, expired, superseded or re-addressed token matches nothing.
    The lookup is by SHA-256 of the token, an exact index match: nothing to learn from timing."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid()
    result = await db.execute(
        update(OneTimeToken)
        .where(_usable(token, _purposes(purpose), now))
        .values(used_at=now)
        .returning(OneTimeToken.user_id, OneTimeToken.purpose, OneTimeToken.email)
    )
    row = result.first()
    if row is None:
        raise TokenInvalid()
    return ConsumedToken(row.user_id, Purpose(row.purpose), row.email)
