"""Refresh-token lifecycle: issue at sign-in, rotate on refresh, detect reuse, revoke."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import joinedload

from authgate.accounts.locks import lock_user
from authgate.accounts.models import User
from authgate.errors import AccountSuspended, EmailNotVerified, RefreshTokenInvalid, RefreshTokenReused
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.observability import REFRESH_REUSE
from authgate.security import hash_token, new_opaque_token, successor_token
from authgate.sessions.models import RefreshToken
from authgate.transport import ClientInfo

__all__ = ["ClientInfo", "IssuedRefreshToken", "revocation_cutoff", "revoke_all_sessions", "rotate", "start_session"]

# how far a grace-period replay may follow the chain of successors (tab A refreshed twice already)
MAX_SUCCESSOR_HOPS = 4


@dataclass(frozen=True)
class IssuedRefreshToken:
    token: str
    expires_at: datetime
    # the time read while the users row was held (a sign-in's write, a rotation's lock): the access token handed out
    # with this refresh token is dated by it, not by the moment it is signed after the commit, so a sign-out
    # everywhere or a reset queued behind that row (its cut-off read later, under the same lock) ends it too
    issued_at: datetime


async def start_session(
    db: AsyncSession | AsyncConnection, gate: AuthGate, user_id: uuid.UUID, client: ClientInfo, now: datetime
) -> IssuedRefreshToken:
    """A new family, inserted in the caller's transaction."""
    issued, values = new_session(gate, user_id, client, now)
    await db.execute(insert(RefreshToken).values(**values))
    return issued


def new_session(
    gate: AuthGate, user_id: uuid.UUID, client: ClientInfo, now: datetime
) -> tuple[IssuedRefreshToken, dict[str, object]]:
    """A new family's token and its refresh_tokens row (also written by the one-statement sign-in), made at `now`."""
    token = new_opaque_token()
    expires_at = now + timedelta(days=gate.settings.refresh_token_expire_days)
    issued = IssuedRefreshToken(token, expires_at, now)
    return issued, _row_values(user_id, token, uuid.uuid4(), expires_at, now, client)


def _row_values(
    user_id: uuid.UUID, token: str, family_id: uuid.UUID, expires_at: datetime, now: datetime, client: ClientInfo
) -> dict[str, object]:
    return dict(
        id=uuid.uuid4(),
        user_id=user_id,
        token_hash=hash_token(token),
        family_id=family_id,
        expires_at=expires_at,
        revoked=False,
        created_at=now,
        last_used_at=now,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
    )


async def rotate(gate: AuthGate, presented: str, client: ClientInfo) -> tuple[User, IssuedRefreshToken]:
    """Exchange a refresh token for its successor (RFC 9700 §4.14.2 rotation with reuse detection)."""
    async with gate.sessions.begin() as db:
        # the users row first (accounts/locks.py): rotation used to lock the token row and then, through the
        # successor's foreign key, the users row, crossing account deletion's order and deadlocking with it
        owner = await _owner(db, presented)
        if owner is None or not await lock_user(db, owner):
            raise RefreshTokenInvalid()
        # read under the lock: a sign-out everywhere queued behind this rotation reads a later time, so its cut-off
        # also refuses the access token this rotation hands out (dated `now`, not the moment the router signs it)
        now = gate.now()
        # one conditional UPDATE consumes the token: of concurrent callers exactly one matches
        consumed = await db.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == hash_token(presented),
                RefreshToken.rotated_at.is_(None),
                RefreshToken.revoked.is_(False),
                RefreshToken.expires_at > now,
            )
            .values(rotated_at=now, last_used_at=now)
            .returning(RefreshToken.user_id, RefreshToken.family_id, RefreshToken.expires_at)
        )
        row = consumed.first()
        if row is not None:
            user = _may_renew(gate, await _active_user(db, row.user_id))
            successor = successor_token(gate.successor_key, presented)
            await db.execute(
                insert(RefreshToken).values(
                    **_row_values(row.user_id, successor, row.family_id, row.expires_at, now, client)
                )
            )
            return user, IssuedRefreshToken(successor, row.expires_at, now)
    return await _replayed(gate, presented, client)


async def _replayed(
    gate: AuthGate, presented: str, client: ClientInfo | None = None
) -> tuple[User, IssuedRefreshToken]:
    async with gate.sessions.begin() as db:
        owner = await _owner(db, presented)
        if owner is None or not await lock_user(db, owner):
            raise RefreshTokenInvalid()
        now = gate.now()  # under the lock, as in `rotate`
        old = await _by_token(db, presented)
        if old is None or old.revoked or old.expires_at <= now or old.rotated_at is None:
            raise RefreshTokenInvalid()
        within_grace = now - old.rotated_at <= timedelta(seconds=gate.settings.refresh_reuse_grace_seconds)
        if gate.settings.refresh_reuse_grace_seconds > 0 and within_grace:
            current = await _live_successor(db, gate, presented, now)
            if current is not None:
                token, row = current
                user = _may_renew(gate, await _active_user(db, row.user_id))
                return user, IssuedRefreshToken(token, row.expires_at, now)
        await _revoke_family(db, old.family_id, now)
        await record_event(
            db,
            user_id=old.user_id,
            type=EventType.REFRESH_TOKEN_REUSED,
            now=now,
            client=client,
            detail="a used refresh token was presented again; that sign-in's sessions were revoked",
        )
    REFRESH_REUSE.inc()
    raise RefreshTokenReused()


async def _live_successor(
    db: AsyncSession, gate: AuthGate, presented: str, now: datetime
) -> tuple[str, RefreshToken] | None:
    """Two tabs refreshing at once: hand back the same successor, derived again rather than stored."""
    token = presented
    grace = timedelta(seconds=gate.settings.refresh_reuse_grace_seconds)
    for _ in range(MAX_SUCCESSOR_HOPS):
        token = successor_token(gate.successor_key, token)
        row = await _by_token(db, token)
        if row is None or row.revoked or row.expires_at <= now:
            return None
        if row.rotated_at is None:
            return token, row
        if now - row.rotated_at > grace:
            return None
    return None


async def _owner(db: AsyncSession, token: str) -> uuid.UUID | None:
    found = await db.execute(select(RefreshToken.user_id).where(RefreshToken.token_hash == hash_token(token)))
    return found.scalar_one_or_none()


async def _by_token(db: AsyncSession, token: str) -> RefreshToken | None:
    result = await db.execute(select(RefreshToken).where(RefreshToken.token_hash == hash_token(token)))
    return result.scalar_one_or_none()


def _may_renew(gate: AuthGate, user: User) -> User:
    # REQUIRE_VERIFIED_EMAIL: an unverified reader's sign-up session is not renewed (its access token still lets the
    # reader ask for a new verification mail until it expires)
    if gate.settings.require_verified_email and not user.is_verified:
        raise EmailNotVerified()
    return user


async def _active_user(db: AsyncSession, user_id: uuid.UUID) -> User:
    result = await db.execute(select(User).options(joinedload(User.profile)).where(User.id == user_id))
    user = result.scalar_one_or_none()
    if user is None:
        raise RefreshTokenInvalid()
    if not user.is_active:
        raise AccountSuspended()
    return user


async def _revoke_family(db: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked.is_(False))
        .values(revoked=True, revoked_at=now)
    )


async def user_for_refresh_cookie(gate: AuthGate, presented: str) -> User:
    """Read-only: the cookie identifies the reader (GET /auth/me on page load) without rotating it."""
    now = gate.now()
    async with gate.sessions() as db:
        row = await _by_token(db, presented)
        if row is None or row.revoked or row.expires_at <= now or row.rotated_at is not None:
            raise RefreshTokenInvalid()
        return await _active_user(db, row.user_id)


async def owner_of_refresh_token(gate: AuthGate, presented: str) -> uuid.UUID | None:
    """The reader a live refresh token (the newest of its sign-in) belongs to; any other names nobody."""
    async with gate.sessions() as db:
        row = await _by_token(db, presented)
        # a rotated token names nobody either: an old stolen cookie must not sign the reader out everywhere
        if row is None or row.revoked or row.expires_at <= gate.now() or row.rotated_at is not None:
            return None
        return row.user_id


def revocation_cutoff(now: datetime) -> datetime:
    """The first millisecond after `now`: access tokens carry a millisecond `iat`, so every token issued up to and
    including `now` falls strictly before it and is refused, and a token issued AT the cutoff is accepted."""
    floored = now.astimezone(UTC).replace(microsecond=now.microsecond // 1000 * 1000)
    return floored + timedelta(milliseconds=1)


async def revoke_all_sessions(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Every refresh token of the user, and every access token issued until now (the users row first: locks.py)."""
    await db.execute(update(User).where(User.id == user_id).values(tokens_valid_after=revocation_cutoff(now)))
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked.is_(False))
        .values(revoked=True, revoked_at=now)
    )


async def live_family_of(db: AsyncSession, user_id: uuid.UUID, cookie: str | None, now: datetime) -> uuid.UUID | None:
    """The sign-in the presented refresh cookie belongs to, if it is this user's and still live."""
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


async def revoke_other_sessions(db: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID | None, now: datetime) -> None:
    """After a change of credentials (password, address): every other sign-in and every access token issued until
    now end (ASVS 5.0 V7.4.3); the sign-in `keep`, the reader's own, goes on (the caller issues it a new access
    token, or the reader's next refresh does)."""
    await db.execute(update(User).where(User.id == user_id).values(tokens_valid_after=revocation_cutoff(now)))
    revoke = update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked.is_(False))
    if keep is not None:
        revoke = revoke.where(RefreshToken.family_id != keep)
    await db.execute(revoke.values(revoked=True, revoked_at=now))


async def sign_out(gate: AuthGate, user_id: uuid.UUID, client: ClientInfo) -> None:
    """POST /auth/logout: the reader's refresh tokens (the quickstart's "revoke the reader's refresh tokens") and every
    access token issued until now; recorded as `signed_out`."""
    async with gate.sessions.begin() as db:
        if not await lock_user(db, user_id):
            return  # deleted meanwhile: nothing left to sign out
        # read once the row is ours: a refresh that held it before us rotated (and dated its access token) earlier
        now = gate.now()
        await revoke_all_sessions(db, user_id, now)
        await record_event(db, user_id=user_id, type=EventType.SIGNED_OUT, now=now, client=client)
