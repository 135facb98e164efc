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

import functools
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Table, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from authgate.accounts.lookup import (
    USER_WITH_PROFILE,
    Credentials,
    CurrentUser,
    FastStatement,
    compile_for_asyncpg,
    credentials_from_row,
)
from authgate.accounts.models import SignInFailure, User
from authgate.errors import PasswordResetRequired, ServiceUnavailable
from authgate.events.models import SecurityEvent
from authgate.events.service import EventType, record_event
from authgate.observability import RATE_LIMITED, SIGN_INS
from authgate.ratelimit.dependencies import rate_limited
from authgate.ratelimit.limiter import FAILURE_STATE_SECONDS, Decision
from authgate.security.lockout_policy import Failures, Verdict, after_failure, verdict
from authgate.sessions.service import ClientInfo

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from authgate.gate import AuthGate

_T = TypeVar("_T")

# an address without an account that reached the cap stays refused this long (an account stays so until a reset)
LOCKED_STATE_LIFETIME = timedelta(days=365)
# having been here before: the reader signed in, or signed up, from this address
KNOWN_IP_EVENTS = (EventType.SIGN_IN_SUCCEEDED.value, EventType.ACCOUNT_CREATED.value)
# "not known here" may be stale this long on another worker after the reader signs in there (a yes never is)
KNOWN_ADDRESS_CACHE = timedelta(seconds=60)


# what failed, for the sign-in metric
FAILED_METHODS = {
    EventType.SIGN_IN_FAILED: "password",
    EventType.SECOND_FACTOR_FAILED: "second_factor",
    EventType.REAUTHENTICATION_FAILED: "reauthentication",
}


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
    # the attempt was counted on the users row before hashing (`_reserve_account_attempt`): its number in the run
    reserved_count: int | None = None
    # the attempt was counted in its known-address bucket before hashing: the bucket's state before it
    bucket_before: Failures | None = None

    async def failed(self, *, event: EventType = EventType.SIGN_IN_FAILED, detail: str | None = None) -> None:
        """A wrong password (or an unknown email): count it, record it, before the 401 goes out."""
        SIGN_INS.labels(FAILED_METHODS.get(event, "password"), "failed").inc()
        gate, now = self.gate, self.gate.now()
        settings = gate.settings
        cap = settings.lockout_reset_required_after
        if self.unknown_key is not None:
            # counted when reserved; the same second write as a known account's failure makes (its event)
            await _touch_unknown_failure(gate, self.unknown_key, now)
            return
        if self.state_key is None and self.bucket_key is not None and self.user and self.client.ip_address:
            # failures at a known address count in its bucket from the first one, so someone sharing the
            # reader's address (a NAT) is slowed down and capped like anyone else
            if await known_address(gate, self.user.id, self.client.ip_address):
                self.state_key = self.bucket_key
        if self.state_key is not None and self.bucket_before is None:
            # (a reserved bucket attempt is counted there already)
            state = await gate.limiter.failures(self.state_key)
            await gate.limiter.store_failures(self.state_key, after_failure(state, now, reset_required_after=cap))
        if self.user is None:
            return
        async with gate.engine.begin() as connection:
            # a reserved attempt is already in the count; one judged in a known-address bucket is added now
            added = 0 if self.reserved_count is not None else 1
            counted = await connection.execute(
                update(User)
                .where(User.id == self.user.id)
                .values(
                    failed_login_count=User.failed_login_count + added,
                    last_failed_login_at=now,
                    password_reset_required=case(
                        (User.failed_login_count + added >= cap, True), else_=User.password_reset_required
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

    async def give_back(self) -> None:
        """The attempt was counted before hashing, but it was no failure: its hash was shed before a thread took it
        (nothing was checked), or its password was right and the sign-in was refused for another reason (a suspended
        or unverified account). Its reservation is taken back, as a compare-and-set on the number it got: if
        another attempt has been counted since, or a sign-in has reset the run, the count is left as it is (never
        fewer failures than were made). The same for an address with no account, so the two still answer alike."""
        await self.give_back_bucket()
        if self.reserved_count is None:
            return
        now = self.gate.now()
        if self.unknown_key is not None:
            cap = self.gate.settings.lockout_reset_required_after
            remaining = SignInFailure.failed_count - 1
            async with self.gate.engine.begin() as connection:
                await connection.execute(
                    update(SignInFailure)
                    .where(
                        SignInFailure.key == self.unknown_key,
                        SignInFailure.failed_count == self.reserved_count,
                        SignInFailure.expires_at > now,
                    )
                    .values(
                        failed_count=remaining,
                        # the reservation judged a row with no reset pending: below the cap again, none is
                        reset_required=remaining >= cap,
                        expires_at=case(
                            (remaining >= cap, SignInFailure.expires_at),
                            else_=now + timedelta(seconds=FAILURE_STATE_SECONDS),
                        ),
                    )
                )
            return
        if self.user is None:
            return
        async with self.gate.engine.begin() as connection:
            await connection.execute(
                update(User)
                .where(User.id == self.user.id, User.failed_login_count == self.reserved_count)
                .values(failed_login_count=User.failed_login_count - 1)
            )

    async def give_back_bucket(self) -> None:
        """`give_back` for the known-address bucket only (a right password answered with a second-factor challenge
        gives back its own reservation, and nothing else)."""
        if self.bucket_before is not None and self.state_key is not None:
            before = self.bucket_before
            await self.gate.limiter.swap_failures(self.state_key, before.count + 1, before)

    async def forget_failures(self, user_id: uuid.UUID) -> None:
        """After the sign-in committed: the run of failures in the limiter storage ends.

        Outside the transaction on purpose: a Redis that stops answering must not hold a database transaction open.
        """
        for key in {self.state_key, self.bucket_key} - {None}:
            assert key is not None
            await self.gate.limiter.clear_failures(key)

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


async def unless_shed(attempt: SignInAttempt, hashing: Awaitable[_T]) -> _T:
    """A hash of this attempt's password; shed (503) before any thread took it, the attempt was no guess at all:
    its reservation is given back before the 503 goes out (nothing was checked, nothing stays counted)."""
    try:
        return await hashing
    except ServiceUnavailable:
        await attempt.give_back()
        raise


async def open_sign_in(gate: AuthGate, email: str, client: ClientInfo) -> tuple[Credentials | None, SignInAttempt]:
    """A sign-in by email: the account (None: no such account) and the attempt, judged as `begin_sign_in` does.

    On PostgreSQL, once the account's window has let the attempt through, the account is read and the attempt
    reserved by one statement (a round trip less on every sign-in): an account with no failures and no reset
    pending, the case of nearly every sign-in, has this attempt counted in the statement that reads it. The read
    sees the row as it was before (a data-modifying WITH and its main query share one snapshot); the reservation is
    a compare-and-set on the row as it is when the UPDATE gets it, so it is judged on that row, never on the read.
    Any other case (failures counted, a reset pending, a parallel attempt that reserved first) is judged and
    reserved as before, by `begin_sign_in`.
    """
    window = await gate.limiter.hit("login_account", "account", gate.limiter.account_key(email))
    if not (window.allowed and gate.users.fast):
        found = await gate.users.load_for_sign_in(email)
        return found, await begin_sign_in(gate, email, found, client, window=window)
    row = await gate.users.fetchrow(_read_and_reserve(gate.engine.dialect), {"key": email, "at": gate.now()})
    found = credentials_from_row(row) if row is not None else None
    reserved = row["reserved_count"] if row is not None else None
    return found, await begin_sign_in(gate, email, found, client, window=window, reserved=reserved)


async def begin_sign_in(
    gate: AuthGate,
    email: str,
    found: Credentials | None,
    client: ClientInfo,
    *,
    window: Decision | None = None,
    reserved: int | None = None,
) -> SignInAttempt:
    """Raise 429 / 403 PASSWORD_RESET_REQUIRED before any hashing; else the attempt to report back on.

    The order is the same for every address, with or without an account: the per-account window first, then the
    failure state. Whether the caller's IP is known to the account is asked only when the account's own terms
    refuse, so an ordinary sign-in costs no extra query. `window`: the account's window, already hit (by
    `open_sign_in`); `reserved`: the attempt's number when `open_sign_in` reserved it with the read.
    """
    limiter = gate.limiter
    account = limiter.account_key(email)
    if window is None:
        window = await limiter.hit("login_account", "account", account)
    if found is None:
        unknown_key = unknown_failure_key(gate, email)
        seen = await _unknown_failures(gate, unknown_key)
        _judge(gate, window.allowed, window.retry_after, seen)
        reserved_unknown = await _reserve_unknown_attempt(gate, unknown_key, seen.count)
        if reserved_unknown is None:
            raise rate_limited(1)
        return SignInAttempt(
            gate, None, client, None, known_ip=False, unknown_key=unknown_key, reserved_count=reserved_unknown
        )
    user, stored_hash, failures = found
    # the reader at home: a window and a failure count of their own, bound to the current password hash
    bucket = limiter.digest("known-ip", account, client.ip_address, stored_hash or "") if client.ip_address else None
    if reserved is not None:
        # reserved with the read: the window let it through and the row, when reserved, had no failures and no
        # reset pending, which the policy always allows (whatever the read, a moment older, showed)
        assert window.allowed
        return SignInAttempt(gate, user, client, None, known_ip=False, bucket_key=bucket, reserved_count=reserved)
    outcome = _verdict(gate, failures)
    if window.allowed and outcome.allowed:
        reserved = await _reserve_account_attempt(gate, user.id, failures.count)
        if reserved is None:
            # another guess at this account is being checked right now (or was, since this one read the count):
            # one at a time, so parallel guesses cannot all pass on the same count
            raise rate_limited(1)
        return SignInAttempt(gate, user, client, None, known_ip=False, bucket_key=bucket, reserved_count=reserved)
    if bucket is not None and client.ip_address and await known_address(gate, user.id, client.ip_address):
        own_window = await limiter.hit("login_account", "account-ip", bucket)
        seen = await limiter.failures(bucket)
        _judge(gate, own_window.allowed, own_window.retry_after, seen)
        # counted in the bucket before hashing, as a compare-and-set: parallel guesses from the reader's address (a
        # neighbour behind the same NAT) are one at a time too, never all judged on the same count
        counted = after_failure(seen, gate.now(), reset_required_after=gate.settings.lockout_reset_required_after)
        if not await limiter.swap_failures(bucket, seen.count, counted):
            raise rate_limited(1)
        return SignInAttempt(gate, user, client, bucket, known_ip=True, bucket_before=seen)
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
        RATE_LIMITED.labels("lockout").inc()
        raise rate_limited(outcome.retry_after)


def remember_known_address(gate: AuthGate, user_id: uuid.UUID, client: ClientInfo) -> None:
    """After a sign-in from `client`: its address is known to the account (the event says so; this caches it)."""
    if client.ip_address is not None:
        gate.limiter.known_addresses.put(f"{user_id}|{client.ip_address}", True, gate.now() + KNOWN_ADDRESS_CACHE)


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


async def _reserve_account_attempt(gate: AuthGate, user_id: uuid.UUID, seen: int) -> int | None:
    """Count this attempt as a failure before the password is checked, if the count is still the one judged.

    The lockout judged `seen` failures; argon2 then takes tens of milliseconds. Without this, every guess in flight
    was judged on the same count and passed (an attack pass got 10 guesses checked at once, where the policy allows
    one before the next wait). Compare-and-set: of concurrent attempts that saw the same count exactly one goes on,
    the others are answered 429 before any hashing. A right password sets the count back to 0 (a sign-in resets it,
    re-authentication too), so only failures stay counted. Returns the attempt's number, or None.
    """
    params = {"user_id": user_id, "seen": seen, "reserved": seen + 1, "at": gate.now()}
    if gate.users.fast:
        # one statement, one round trip: an UPDATE on its own commits atomically (no BEGIN/COMMIT to wait for)
        row = await gate.users.fetchrow(_reserve_fast(gate.engine.dialect), params)
        return int(row["failed_login_count"]) if row is not None else None
    async with gate.engine.begin() as connection:
        reserved: int | None = (await connection.execute(_RESERVE, params)).scalar_one_or_none()
        return reserved


_users = User.__table__
assert isinstance(_users, Table)
_RESERVE = (
    update(_users)
    .where(
        _users.c.id == bindparam("user_id"),
        _users.c.failed_login_count == bindparam("seen"),
        _users.c.password_reset_required.is_(False),
    )
    .values(failed_login_count=bindparam("reserved"), last_failed_login_at=bindparam("at"))
    .returning(_users.c.failed_login_count)
)


@functools.cache
def _reserve_fast(dialect: Dialect) -> FastStatement:
    return compile_for_asyncpg(_RESERVE, dialect)


@functools.cache
def _read_and_reserve(dialect: Dialect) -> FastStatement:
    """`open_sign_in`'s statement: the account by email (as the sign-in reads it) and `reserved_count`, 1 when this
    attempt was reserved (the count was 0 and no reset pending), else NULL."""
    users = _users
    assert isinstance(users, Table)
    reserved = (
        update(users)
        .where(
            users.c.email == bindparam("key"),
            users.c.failed_login_count == 0,
            users.c.password_reset_required.is_(False),
        )
        .values(failed_login_count=1, last_failed_login_at=bindparam("at"))
        .returning(users.c.id, users.c.failed_login_count)
        .cte("reserved")
    )
    statement = (
        USER_WITH_PROFILE.add_columns(reserved.c.failed_login_count.label("reserved_count"))
        .outerjoin(reserved, reserved.c.id == users.c.id)
        .where(users.c.email == bindparam("key"))
    )
    return compile_for_asyncpg(statement, dialect)


async def _reserve_unknown_attempt(gate: AuthGate, key: str, seen: int) -> int | None:
    """The same compare-and-set for an address without an account, in one statement (an upsert): the attempt's
    number in the run, or None."""
    now = gate.now()
    cap = gate.settings.lockout_reset_required_after
    expires_at = now + timedelta(seconds=FAILURE_STATE_SECONDS)
    locked_until = now + LOCKED_STATE_LIFETIME
    dialect = postgresql if gate.engine.dialect.name == "postgresql" else sqlite
    table = SignInFailure.__table__
    statement = dialect.insert(table).values(
        key=key,
        failed_count=1,
        last_failed_at=now,
        reset_required=cap <= 1,
        expires_at=locked_until if cap <= 1 else expires_at,
    )
    # an expired row starts again from one, as if it had been purged (the count judged was 0 then)
    live = table.c.expires_at > now
    locks_now = live & (table.c.failed_count + 1 >= cap)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failed_count": case((live, table.c.failed_count + 1), else_=1),
            "last_failed_at": now,
            "reset_required": case((locks_now, True), else_=cap <= 1),
            "expires_at": case((locks_now, locked_until), else_=expires_at),
        },
        where=(live & (table.c.failed_count == seen)) | ~live,
    ).returning(table.c.failed_count)
    async with gate.engine.begin() as connection:
        row = (await connection.execute(statement)).first()
        return int(row[0]) if row is not None else None


async def _touch_unknown_failure(gate: AuthGate, key: str, now: datetime) -> None:
    async with gate.engine.begin() as connection:
        await connection.execute(update(SignInFailure).where(SignInFailure.key == key).values(last_failed_at=now))


def unknown_failure_key(gate: AuthGate, email: str) -> str:
    """The sign_in_failures key of a (canonical) address."""
    return gate.limiter.digest("no-account", gate.limiter.account_key(email))


async def take_unknown_failures(db: AsyncSession, gate: AuthGate, email: str) -> Failures:
    """At sign-up, in its transaction: the address's failure state as it stood without an account, removed."""
    key = unknown_failure_key(gate, email)
    found = await db.execute(
        delete(SignInFailure)
        .where(SignInFailure.key == key, SignInFailure.expires_at > gate.now())
        .returning(SignInFailure.failed_count, SignInFailure.last_failed_at, SignInFailure.reset_required)
    )
    row = found.first()
    if row is None:
        return Failures()
    return Failures(count=row.failed_count, last_failed_at=row.last_failed_at, reset_required=row.reset_required)


async def leave_failures_behind(db: AsyncSession, gate: AuthGate, user_id: uuid.UUID) -> None:
    """When an account leaves its address (deleted, or moved to another address), in that transaction: the account's
    failure state stays with the address, so a probe sees no change when an account disappears or moves either."""
    row = (
        await db.execute(
            select(User.email, User.failed_login_count, User.last_failed_login_at, User.password_reset_required).where(
                User.id == user_id
            )
        )
    ).one()
    email, failures = row.email, Failures(*row[1:])
    if failures.count == 0 and not failures.reset_required:
        return
    now = gate.now()
    dialect = postgresql if gate.engine.dialect.name == "postgresql" else sqlite
    values = {
        "failed_count": failures.count,
        "last_failed_at": failures.last_failed_at or now,
        "reset_required": failures.reset_required,
        "expires_at": now + _failure_lifetime(failures.reset_required),
    }
    statement = dialect.insert(SignInFailure.__table__).values(key=unknown_failure_key(gate, email), **values)
    await db.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))


def _failure_lifetime(reset_required: bool) -> timedelta:
    # a locked address stays locked about as long as a locked account would (until its reader resets), a run of
    # failures is forgotten after FAILURE_STATE_SECONDS like an account's would stop mattering
    return LOCKED_STATE_LIFETIME if reset_required else timedelta(seconds=FAILURE_STATE_SECONDS)
