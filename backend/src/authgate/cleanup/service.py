"""Purging rows that no longer protect anything: expired sessions, spent mailed links, mail that expired unsent.

What stays is what a security rule still needs:
- a rotated (not revoked) refresh token stays until its family expires, because presenting it again is how reuse is
  detected (RFC 9700 §4.14.2); every row of a family shares the family's `expires_at`, so "expired" is per family;
- a revoked refresh token stays for `REVOKED_REFRESH_RETENTION`, so a sign-out still shows in the reader's export for a
  day; a missing token and a revoked one are refused alike, so purging it later changes no answer;
- a used or expired one-time token stays while an older token for the same purpose is still live: should
  supersession ever be decided by "the newest token wins" rather than by marking older ones used (as onetime/ does
  today), deleting the newer row must not bring an older link back to life;
- the failed sign-ins of an address without an account stay for as long as a real account's would matter
  (FAILURE_STATE_SECONDS after the last one).

Sent mail is deleted by the sender the moment the SMTP server accepts it; mail that expired unsent is given up by the
sender too, and here as well (logged and counted the same way), so no link outlives its expiry in the outbox even
where no sender runs any more.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from authgate.accounts.models import SignInFailure
from authgate.cleanup.models import ScheduledRun
from authgate.mail import outbox
from authgate.mfa.models import SignInChallenge, WebAuthnChallenge
from authgate.oauth.models import OAuthFlow
from authgate.onetime.models import OneTimeToken
from authgate.sessions.models import RefreshToken

REVOKED_REFRESH_RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class PurgeCounts:
    refresh_tokens: int
    one_time_tokens: int
    sign_in_failures: int = 0
    mail_expired: int = 0


async def purge_expired(engine: AsyncEngine, now: datetime) -> PurgeCounts:
    """Delete what is described above, in one transaction; returns how many rows went."""
    revoked_before = now - REVOKED_REFRESH_RETENTION
    refresh = delete(RefreshToken).where(
        or_(
            RefreshToken.expires_at <= now,
            and_(
                RefreshToken.revoked.is_(True),
                or_(RefreshToken.revoked_at.is_(None), RefreshToken.revoked_at <= revoked_before),
            ),
        )
    )
    older = aliased(OneTimeToken)
    older_still_live = exists(
        select(older.id).where(
            older.user_id == OneTimeToken.user_id,
            older.purpose == OneTimeToken.purpose,
            older.created_at < OneTimeToken.created_at,
            older.used_at.is_(None),
            older.expires_at > now,
        )
    )
    one_time = delete(OneTimeToken).where(
        or_(OneTimeToken.expires_at <= now, OneTimeToken.used_at.is_not(None)),
        ~older_still_live,
    )
    failures = delete(SignInFailure).where(SignInFailure.expires_at <= now)
    # provider sign-ins started and never finished
    flows = delete(OAuthFlow).where(OAuthFlow.expires_at <= now)
    # sign-in challenges and passkey ceremonies never answered
    challenges = delete(SignInChallenge).where(SignInChallenge.expires_at <= now)
    ceremonies = delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at <= now)
    async with engine.begin() as connection:
        refresh_count = (await connection.execute(refresh)).rowcount
        one_time_count = (await connection.execute(one_time)).rowcount
        failure_count = (await connection.execute(failures)).rowcount
        await connection.execute(flows)
        await connection.execute(challenges)
        await connection.execute(ceremonies)
    # its own transaction: the give-up is logged per mail once its row is gone for good
    mail_expired = await outbox.expire(engine, now)
    return PurgeCounts(
        refresh_tokens=max(refresh_count, 0),
        one_time_tokens=max(one_time_count, 0),
        sign_in_failures=max(failure_count, 0),
        mail_expired=mail_expired,
    )


# the name of the purge's row in scheduled_runs
PURGE_JOB = "purge_expired"


def process_name() -> str:
    """Who claims a run: this host and process, plus a random part (two apps in one process are two claimants)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:255]


async def claim_run(engine: AsyncEngine, name: str, now: datetime, *, every: timedelta, holder: str) -> bool:
    """Whether this process runs job `name` now: true for exactly one of the processes sharing the database per
    `every`, whatever their number (workers, instances, restarts).

    One conditional upsert: the row is written only if no run was claimed in the last `every`. Two processes that
    try at once are serialised by the row (or, for the very first run, by the primary key): the second sees the
    first's claim and is refused. Works the same on PostgreSQL (through a transaction pooler too: one statement,
    no session state such as an advisory lock) and SQLite.
    """
    insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(ScheduledRun).values(name=name, last_run_at=now, last_run_by=holder)
    statement = statement.on_conflict_do_update(
        index_elements=[ScheduledRun.name],
        set_={"last_run_at": statement.excluded.last_run_at, "last_run_by": statement.excluded.last_run_by},
        where=ScheduledRun.last_run_at <= now - every,
    ).returning(ScheduledRun.name)
    async with engine.begin() as connection:
        return (await connection.execute(statement)).first() is not None


async def give_back(engine: AsyncEngine, name: str, claimed_at: datetime, *, every: timedelta, holder: str) -> None:
    """A claimed run that failed: the next process to try (any of them) runs it, instead of nobody for `every`."""
    async with engine.begin() as connection:
        await connection.execute(
            update(ScheduledRun)
            .where(
                ScheduledRun.name == name,
                ScheduledRun.last_run_by == holder,
                ScheduledRun.last_run_at == claimed_at,
            )
            .values(last_run_at=claimed_at - every)
        )


async def purge_if_due(engine: AsyncEngine, now: datetime, *, every: timedelta, holder: str) -> PurgeCounts | None:
    """The scheduled purge: run by whichever process claims it first in each interval; None for the others."""
    if not await claim_run(engine, PURGE_JOB, now, every=every, holder=holder):
        return None
    try:
        return await purge_expired(engine, now)
    except Exception:
        # the database may be down for this too: then the claim stays and the purge waits one interval
        with contextlib.suppress(Exception):
            await give_back(engine, PURGE_JOB, now, every=every, holder=holder)
        raise
