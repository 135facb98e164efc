"""One lock order for every write to a reader's rows: the users row first, then the rows that hang off it.

PostgreSQL's foreign keys make a write to a child row (a refresh token, a mailed link, a security event) take a
KEY SHARE lock on the parent users row, and deleting the user takes FOR UPDATE on it and then deletes the children.
A transaction that locked a child row first and the parent second (refresh rotation did: consume the old token, then
insert its successor) therefore deadlocked with account deletion, which locked them the other way round: an attack
pass saw `DELETE /auth/me` fail with a 500, about 1 in 35 times under a natural race and every time when the refresh
was slowed. Taking the users row first, in every write transaction, gives all of them one order: they queue on the
users row instead of crossing, and a transaction that finds the row gone knows the account was deleted meanwhile.

SQLite takes its single write lock at BEGIN IMMEDIATE (see db.py), so there this is a plain read.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.errors import InvalidPassword, NotAuthenticated


async def lock_user(db: AsyncSession | AsyncConnection, user_id: uuid.UUID) -> bool:
    """Lock the user's row for this transaction (FOR NO KEY UPDATE); False when there is no such user any more."""
    found = await db.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))
    return found.first() is not None


async def lock_reauthenticated_user(
    db: AsyncSession | AsyncConnection, user: CurrentUser, verified_hash: str | None
) -> None:
    """Lock the user's row, and make sure the proof this request gave still stands now that nothing else can change it.

    Between the password check (argon2, outside any transaction) and this lock, a password reset, a sign-out
    everywhere, a suspension or a deletion may have committed. An attack pass raced change-password against the
    reader's own reset and won: the reset reported "every device signed out" and the attacker kept a new password and
    a working token. So: the account must still exist and be active, its sessions must not have been revoked since
    this request's access token was checked, and its password must still be the one just verified.
    """
    found = await db.execute(
        select(User.hashed_password, User.tokens_valid_after, User.is_active)
        .where(User.id == user.id)
        .with_for_update(key_share=True)
    )
    row = found.first()
    if row is None or not row.is_active or row.tokens_valid_after != user.tokens_valid_after:
        raise NotAuthenticated()
    if row.hashed_password != verified_hash:
        raise InvalidPassword()
