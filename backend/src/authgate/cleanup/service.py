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

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from authgate.accounts.models import SignInFailure
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
