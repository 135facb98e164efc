"""Sign-in throttling: the per-account window and the consecutive-failure lockout, checked before any hashing.

Whose failures count where:
- a known account, from an IP it never signed in from: users.failed_login_count / last_failed_login_at /
  password_reset_required (the database: survives restarts, visible to the operator and the reset flow);
- an email with no account: the same state in the database too (sign_in_failures, keyed by a keyed hash of the
  address), so an attacker sees the same statuses, bodies and Retry-After for known and unknown addresses whatever
  the deployment stores its rate-limit counters in: memory per process, Redis, or Redis down (OWASP ASVS 5.0 V6.3:
  no enumeration);
- a known account from an IP where it signed in before (a `sign_in_succeeded` or `account_created` event from that
  address): a bucket of its own — per-account window and failure count for (account, IP, current password hash) —
  so an attacker elsewhere can neither slow down nor lock out the reader at home (NIST SP 800-63B-4 §3.2.2). The
  bucket is bound to the password hash, so a password reset starts it afresh.

Failures from a known IP still count on the account as well. A successful sign-in resets the account's count
(and the IP bucket) but not password_reset_required: only a password reset clears that (the reset flow sets
failed_login_count = 0 and password_reset_required = false).

Re-authentication before a sensitive action (the current password to change the password or the address, or to
delete the account) is a password guess like any other: it goes through the same `begin_sign_in`, window, failure
count and lockout, from whatever address (an attack pass guessed a stolen session's password from 60 addresses).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite

from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.errors import PasswordResetRequired
from authgate.events.models import SecurityEvent
from authgate.events.service import EventType, record_event
from authgate.ratelimit.dependencies import rate_limited
from authgate.ratelimit.limiter import FAILURE_STATE_SECONDS
from authgate.ratelimit.models import SignInFailure
from authgate.ratelimit.policy import Failures, Verdict, after_failure, verdict
from authgate.sessions.service import ClientInfo

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

    from authgate.gate import AuthGate

# having been here before: the reader signed in, or signed up, from this address
KNOWN_IP_EVENTS = (EventType.SIGN_IN_SUCCEEDED.value, EventType.ACCOUNT_CREATED.value)
# "not known here" may be stale this long on another worker after the reader signs in there (a yes never is)
KNOWN_ADDRESS_CACHE = timedelta(seconds=60)


@dataclass
class SignInAttempt:
    gate: AuthGate
    user: CurrentUser | None
    client: ClientInfo
    # limiter-storage key of a known-IP bucket's failure state; None = the users row
    state_key: str | None
    known_ip: bool = False
    # the bucket this account would use from this address, if the address turns out to be known
    bucket_key: str | None = None
    # an address with no account: its row in sign_in_failures
    unknown_key: str | None = None

    async def failed(self, *, event: EventType = EventType.SIGN_IN_FAILED, detail: str | None = None) -> None:
        """A wrong password (or an unknown email): count it, record it, before the 401 goes out."""
        gate, now = self.gate, self.gate.now()
        settings = gate.settings
        cap = settings.lockout_reset_required_after
        if self.unknown_key is not None:
            await _count_unknown_failure(gate, self.unknown_key, now)
            return
        if self.state_key is None and self.bucket_key is not None and self.user and self.client.ip_address:
            # failures at a known address count in its bucket from the first one, so someone sharing the
            # reader's address (a NAT) is slowed down and capped like anyone else
            if await known_address(gate, self.user.id, self.client.ip_address):
                self.state_key = self.bucket_key
        if self.state_key is not None:
            state = await gate.limiter.failures(self.state_key)
            await gate.limiter.store_failures(self.state_key, after_failure(state, now, reset_required_after=cap))
        if self.user is None:
            return
        async with gate.engine.begin() as connection:
            counted = await connection.execute(
                update(User)
                .where(User.id == self.user.id)
                .values(
                    failed_login_count=User.failed_login_count + 1,
                    last_failed_login_at=now,
                    password_reset_required=case(
                        (User.failed_login_count + 1 >= cap, True), else_=User.password_reset_required
                    ),
                )
                .returning(User.failed_login_count)
            )
            count = counted.scalar_one_or_none()
            if count is None:
                return  # the account was deleted meanwhile: nothing left to count on
            await record_event(connection, user_id=self.user.id, type=event, now=now, client=self.client, detail=detail)
            # once per episode, not per refused attempt: a 429 writes nothing (cheap refusals, no log flooding)
            if count == settings.lockout_slowdown_after:
                await record_event(
                    connection,
                    user_id=self.user.id,
                    type=EventType.SIGN_IN_THROTTLED,
                    now=now,
                    client=self.client,
                    detail=f"{count} failed sign-ins in a row; further attempts are slowed down",
                )
            if count == cap:
                await record_event(
                    connection,
                    user_id=self.user.id,
                    type=EventType.ACCOUNT_LOCKED,
                    now=now,
                    client=self.client,
                    detail=f"{count} failed sign-ins in a row; a password reset is required",
                )

    @staticmethod
    def reset_columns() -> dict[str, object]:
        """The users columns a successful sign-in resets."""
        return {"failed_login_count": 0, "last_failed_login_at": None}

    async def succeeded(self, db: AsyncSession | AsyncConnection, user_id: uuid.UUID) -> None:
        """In the sign-in transaction, after the users row was written: record it."""
        await record_event(
            db, user_id=user_id, type=EventType.SIGN_IN_SUCCEEDED, now=self.gate.now(), client=self.client
        )

    async def forget_failures(self, user_id: uuid.UUID) -> None:
        """After the sign-in committed: the run of failures in the limiter storage ends, and this address is known.

        Outside the transaction on purpose: a Redis that stops answering must not hold a database transaction open.
        """
        for key in {self.state_key, self.bucket_key} - {None}:
            assert key is not None
            await self.gate.limiter.clear_failures(key)
        if self.client.ip_address is not None:
            self.gate.limiter.known_addresses.put(
                f"{user_id}|{self.client.ip_address}", True, self.gate.now() + KNOWN_ADDRESS_CACHE
            )

    async def reauthenticated(self) -> None:
        """The current password was right: like a sign-in, it ends the run of failures (no event: the action
        it unlocked records its own)."""
        for key in {self.state_key, self.bucket_key} - {None}:
            assert key is not None
            await self.gate.limiter.clear_failures(key)
        if self.user is None:
            return
        async with self.gate.engine.begin() as connection:
            await connection.execute(
                update(User)
                .where(User.id == self.user.id, User.failed_login_count > 0)
                .values(failed_login_count=0, last_failed_login_at=None)
            )


async def begin_sign_in(
    gate: AuthGate,
    email: str,
    found: tuple[CurrentUser, str, Failures] | None,
    client: ClientInfo,
) -> SignInAttempt:
    """Raise 429 / 403 PASSWORD_RESET_REQUIRED before any hashing; else the attempt to report back on.

    The order is the same for every address, with or without an account: the per-account window first, then the
    failure state. Whether the caller's IP is known to the account is asked only when the account's own terms
    refuse, so an ordinary sign-in costs no extra query.
    """
    limiter = gate.limiter
    account = limiter.account_key(email)
    window = await limiter.hit("login_account", "account", account)
    if found is None:
        unknown_key = limiter.digest("no-account", account)
        _judge(gate, window.allowed, window.retry_after, await _unknown_failures(gate, unknown_key))
        return SignInAttempt(gate, None, client, None, known_ip=False, unknown_key=unknown_key)
    user, stored_hash, failures = found
    outcome = _verdict(gate, failures)
    # the reader at home: a window and a failure count of their own, bound to the current password hash
    bucket = limiter.digest("known-ip", account, client.ip_address, stored_hash) if client.ip_address else None
    if window.allowed and outcome.allowed:
        return SignInAttempt(gate, user, client, None, known_ip=False, bucket_key=bucket)
    if bucket is not None and client.ip_address and await known_address(gate, user.id, client.ip_address):
        own_window = await limiter.hit("login_account", "account-ip", bucket)
        _judge(gate, own_window.allowed, own_window.retry_after, await limiter.failures(bucket))
        return SignInAttempt(gate, user, client, bucket, known_ip=True)
    _judge(gate, window.allowed, window.retry_after, failures)
    raise AssertionError("unreachable: the account's own terms refused")


def _verdict(gate: AuthGate, failures: Failures) -> Verdict:
    return verdict(
        failures,
        gate.now(),
        slowdown_after=gate.settings.lockout_slowdown_after,
        reset_required_after=gate.settings.lockout_reset_required_after,
    )


def _judge(gate: AuthGate, window_allowed: bool, window_retry_after: int, failures: Failures) -> None:
    if not window_allowed:
        raise rate_limited(window_retry_after)
    outcome = _verdict(gate, failures)
    if outcome.reset_required:
        raise PasswordResetRequired()
    if outcome.retry_after:
        raise rate_limited(outcome.retry_after)


async def known_address(gate: AuthGate, user_id: uuid.UUID, ip_address: str) -> bool:
    """Has the account signed in (or signed up) from this address? Answers are cached briefly in this process."""
    cache = gate.limiter.known_addresses
    key = f"{user_id}|{ip_address}"
    now = gate.now()
    cached = cache.get(key, now)
    if cached is not None:
        return cached
    async with gate.engine.connect() as connection:
        found = await connection.execute(
            select(SecurityEvent.id)
            .where(
                SecurityEvent.user_id == user_id,
                SecurityEvent.type.in_(KNOWN_IP_EVENTS),
                SecurityEvent.ip_address == ip_address,
            )
            .limit(1)
        )
        known = found.first() is not None
    cache.put(key, known, now + KNOWN_ADDRESS_CACHE)
    return known


async def _unknown_failures(gate: AuthGate, key: str) -> Failures:
    """The failure state of an address without an account (read like the users row of a known one)."""
    async with gate.engine.connect() as connection:
        row = (
            await connection.execute(
                select(SignInFailure.failed_count, SignInFailure.last_failed_at, SignInFailure.reset_required).where(
                    SignInFailure.key == key, SignInFailure.expires_at > gate.now()
                )
            )
        ).first()
    if row is None:
        return Failures()
    return Failures(count=row.failed_count, last_failed_at=row.last_failed_at, reset_required=row.reset_required)


async def _count_unknown_failure(gate: AuthGate, key: str, now: datetime) -> None:
    """One more failure, in one statement: concurrent failures each count (no read-modify-write race)."""
    cap = gate.settings.lockout_reset_required_after
    expires_at = now + timedelta(seconds=FAILURE_STATE_SECONDS)
    dialect = postgresql if gate.engine.dialect.name == "postgresql" else sqlite
    table = SignInFailure.__table__
    statement = dialect.insert(table).values(
        key=key, failed_count=1, last_failed_at=now, reset_required=cap <= 1, expires_at=expires_at
    )
    # an expired row starts again from one, as if it had been purged
    live = table.c.expires_at > now
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failed_count": case((live, table.c.failed_count + 1), else_=1),
            "last_failed_at": now,
            "reset_required": case(
                (live & ((table.c.failed_count + 1 >= cap) | table.c.reset_required), True), else_=False
            ),
            "expires_at": expires_at,
        },
    )
    async with gate.engine.begin() as connection:
        await connection.execute(statement)
