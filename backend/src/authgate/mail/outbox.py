"""The outbox table, one statement per step of a mail's life: queued, claimed, sent (deleted), retried, given up.

At most once across instances: a sender claims due rows with a lease, in one conditional UPDATE that commits before
anything is sent. On PostgreSQL its subquery takes the rows FOR UPDATE SKIP LOCKED, so two senders neither wait on
nor take the same row; SQLite has one writer at a time (BEGIN IMMEDIATE, db.py), so the UPDATE alone decides. The
lease outlasts the longest send (SEND_DEADLINE in mail/service.py), so a row is taken again only once its sender
has surely given up on it or died.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from authgate.mail.models import OutboxMail
from authgate.observability import MAIL_SENT

logger = logging.getLogger("authgate.mail")

Db = AsyncSession | AsyncConnection

# the first retry waits this long, each next one twice as long, none longer than RETRY_MAX
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
# beyond this many doublings RETRY_MAX is reached anyway (and 2**n stays small)
_MAX_DOUBLINGS = 16


@dataclass(frozen=True)
class Claimed:
    """A row a sender holds: what it needs to send it and to decide what happens after a failure."""

    id: uuid.UUID
    recipient: str
    subject: str
    body_sealed: str
    created_at: datetime
    expires_at: datetime
    attempts: int


@dataclass(frozen=True)
class Census:
    """What the outbox holds at `now`: every row, those to send now, those past their expiry."""

    total: int
    due: int
    expired: int


def retry_delay(attempts: int, jitter: float) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min... at most an hour. `jitter` in [0, 1)
    takes up to half of it off, so instances that failed together (the SMTP server was down for all) do not all
    come back in the same second."""
    doublings = min(max(attempts, 1) - 1, _MAX_DOUBLINGS)
    return min(RETRY_FIRST * (1 << doublings), RETRY_MAX) * (1 - min(max(jitter, 0.0), 1.0) / 2)


async def insert_row(
    db: Db,
    *,
    row_id: uuid.UUID,
    recipient: str,
    subject: str,
    kind: str | None,
    body_sealed: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """In the caller's transaction: the mail exists if and only if what caused it was committed. A mail of the same
    `kind` still waiting goes: its link was just superseded (one being sent right now cannot be called back)."""
    if kind is not None:
        await db.execute(delete(OutboxMail).where(OutboxMail.kind == kind, _unclaimed(now)))
    await db.execute(
        insert(OutboxMail).values(
            id=row_id,
            recipient=recipient,
            subject=subject,
            kind=kind,
            body_sealed=body_sealed,
            created_at=now,
            next_attempt_at=now,
            expires_at=expires_at,
            attempts=0,
            last_error_class=None,
            claimed_until=None,
            claim_id=None,
        )
    )


async def drop_unsent(db: Db, now: datetime, *, recipient: str, kinds: list[str]) -> None:
    """In the caller's transaction (an erasure): the mail of these `kinds` (the reader's links, wherever they were
    going) and the notices to `recipient`, unless a sender holds one right now (that one cannot be called back)."""
    await db.execute(
        delete(OutboxMail).where(
            or_(OutboxMail.kind.in_(kinds), and_(OutboxMail.recipient == recipient, OutboxMail.kind.is_(None))),
            _unclaimed(now),
        )
    )


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until <= now)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxMail.next_attempt_at <= now, OutboxMail.expires_at > now, _unclaimed(now))


def _expired(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxMail.expires_at <= now, _unclaimed(now))


async def census(engine: AsyncEngine, now: datetime) -> Census:
    """One read, so an idle sender writes nothing (and takes no SQLite write lock beyond this)."""
    statement = select(
        func.count(),
        func.coalesce(func.sum(case((_due(now), 1), else_=0)), 0),
        func.coalesce(func.sum(case((_expired(now), 1), else_=0)), 0),
    ).select_from(OutboxMail)
    async with engine.begin() as connection:
        total, due, expired = (await connection.execute(statement)).one()
    return Census(total=int(total), due=int(due), expired=int(expired))


async def claim(engine: AsyncEngine, now: datetime, *, limit: int, lease: timedelta) -> tuple[uuid.UUID, list[Claimed]]:
    """Take up to `limit` due rows until `now + lease`, counting the attempt now: a sender that dies while sending
    still used one. Returns this claim's id (later writes check it) and the rows."""
    claim_id = uuid.uuid4()
    chosen = (
        select(OutboxMail.id)
        .where(_due(now))
        .order_by(OutboxMail.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(OutboxMail)
        # the conditions again: PostgreSQL re-checks them on a row another sender updated meanwhile
        .where(OutboxMail.id.in_(chosen), _due(now))
        .values(claimed_until=now + lease, claim_id=claim_id, attempts=OutboxMail.attempts + 1)
        .returning(
            OutboxMail.id,
            OutboxMail.recipient,
            OutboxMail.subject,
            OutboxMail.body_sealed,
            OutboxMail.created_at,
            OutboxMail.expires_at,
            OutboxMail.attempts,
        )
    )
    async with engine.begin() as connection:
        rows = (await connection.execute(statement)).all()
    return claim_id, [Claimed(*row) for row in rows]


async def delete_row(engine: AsyncEngine, row_id: uuid.UUID, claim_id: uuid.UUID | None = None) -> None:
    """Sent (the SMTP server accepted it: whoever holds it now), or given up (only while this claim holds it): the
    body, and the link in it, go at once."""
    statement = delete(OutboxMail).where(OutboxMail.id == row_id)
    if claim_id is not None:
        statement = statement.where(OutboxMail.claim_id == claim_id)
    async with engine.begin() as connection:
        await connection.execute(statement)


async def reschedule(
    engine: AsyncEngine, row_id: uuid.UUID, claim_id: uuid.UUID, *, at: datetime, error_class: str
) -> None:
    """Release the row for another attempt at `at`; only while this claim still holds it."""
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxMail)
            .where(OutboxMail.id == row_id, OutboxMail.claim_id == claim_id)
            .values(next_attempt_at=at, last_error_class=error_class, claimed_until=None, claim_id=None)
        )


async def expire(engine: AsyncEngine, now: datetime) -> int:
    """Give up on every unclaimed row past its expiry: deleted, logged (subject, attempts, last error class: never
    the address or the body) and counted. The sender calls this on each pass, the cleanup job too."""
    statement = (
        delete(OutboxMail)
        .where(_expired(now))
        .returning(OutboxMail.subject, OutboxMail.attempts, OutboxMail.last_error_class)
    )
    async with engine.begin() as connection:
        gone = (await connection.execute(statement)).all()
    for subject, attempts, error_class in gone:
        log_given_up(subject, attempts, error_class)
    return len(gone)


def log_given_up(subject: str, attempts: int, error_class: str | None) -> None:
    MAIL_SENT.labels("expired").inc()
    logger.error(
        "mail %r expired unsent after %d attempt(s) (last error: %s): given up",
        subject,
        attempts,
        error_class or "none",
    )
