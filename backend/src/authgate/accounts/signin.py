"""One sign-in pipeline: each way in only proves who the reader is, then hands them to `complete_sign_in`.

A way in (the password today; a provider or a passkey later) authenticates and nothing more. What every sign-in shares
happens here, once: the suspension and verified-email rules, the end of a run of failures, the security event with the
method, `last_login_at`, the session, and (in `signed_in_response`) the cookie and the body. A second factor, when it
comes, is one more step here, for every method at once.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CTE, ColumnElement, Table, bindparam, case, exists, insert, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from authgate.accounts.lockout import SignInAttempt, remember_known_address
from authgate.accounts.lookup import CurrentProfile, CurrentUser, FastStatement, compile_for_asyncpg
from authgate.accounts.models import User
from authgate.accounts.schemas import AuthResponse, ChallengeResponse, ProfileOut, UserOut
from authgate.db import Base
from authgate.errors import AccountSuspended, EmailNotVerified, InvalidCredentials
from authgate.events.models import SecurityEvent
from authgate.events.service import EventType, event_values, record_event
from authgate.gate import AuthGate
from authgate.mfa.factors import Challenge, SecondFactorRequired, open_challenge, two_factor_on
from authgate.mfa.models import TotpFactor
from authgate.observability import SIGN_INS
from authgate.security import truncate_to_milliseconds
from authgate.sessions.models import RefreshToken
from authgate.sessions.service import IssuedRefreshToken, new_session, start_session
from authgate.transport import (
    CHALLENGE_COOKIE,
    ClientInfo,
    clear_challenge_cookie,
    set_challenge_cookie,
    set_refresh_cookie,
)


class SignInMethod(enum.StrEnum):
    SIGNUP = "signup"
    PASSWORD = "password"


@dataclass(frozen=True)
class Proof:
    """What a way in established about the reader, for `complete_sign_in`."""

    user: CurrentUser
    # a SignInMethod, or a provider's id ("github", "google", …)
    method: str
    # password sign-ins: the lockout attempt to close, and the hash the password was verified against (the session is
    # made only if the account still holds it: a reset that committed meanwhile wins)
    attempt: SignInAttempt | None = None
    verified_hash: str | None = None
    # argon2 parameters changed since the stored hash was made: the new hash of the same password
    upgraded_hash: str | None = None
    # the second factor is given too: a passkey with user verification, or a challenge passed
    second_factor: bool = False
    # when the sign-in began (a challenge's first factor): a revocation cut-off after it refuses the session, even one
    # that commits between the code check and the session's write
    started_at: datetime | None = None
    # a single-use answer (a challenge and its code) used up in the session's own transaction, after the users row:
    # if the session is not made (the proof no longer stands, the database refuses), it stays unused. It raises to
    # refuse (a wrong code), which rolls the sign-in back
    use_up: Callable[[AsyncSession | AsyncConnection], Awaitable[None]] | None = None


@dataclass(frozen=True)
class SignedIn:
    user: CurrentUser
    profile: CurrentProfile | None
    refresh: IssuedRefreshToken
    method: str


async def complete_sign_in(
    gate: AuthGate, proof: Proof, client: ClientInfo, *, db: AsyncSession | AsyncConnection | None = None
) -> SignedIn:
    """The rules, the bookkeeping and the session every sign-in shares. `db`: write in the caller's transaction
    (sign-up creates the account in it); otherwise in a transaction of its own."""
    user = proof.user
    refusal: AccountSuspended | EmailNotVerified | None = None
    if not user.is_active:
        # after the proof only: suspension is not disclosed to someone without it
        refusal = AccountSuspended()
    elif gate.settings.require_verified_email and not user.is_verified and proof.method != SignInMethod.SIGNUP:
        # REQUIRE_VERIFIED_EMAIL; sign-up still answers with its first session (the quickstart's contract)
        refusal = EmailNotVerified()
    if refusal is not None:
        if proof.attempt is not None:
            # the password was right: the attempt counted before hashing was no failure, and must not stay one (a
            # reader waiting for the mail locked themselves out with their own password)
            await proof.attempt.give_back()
        raise refusal
    now = gate.now()
    changes: dict[str, object] = {"last_login_at": now}
    if proof.attempt is not None:
        # a proven password ends the run of failures (not a reset requirement: only a reset clears that)
        changes.update(failed_login_count=0, last_failed_login_at=None)
    if proof.upgraded_hash is not None:
        changes.update(hashed_password=proof.upgraded_hash, updated_at=now)
    challenge = None
    refresh = None
    if db is None and gate.users.fast and proof.method != SignInMethod.SIGNUP and proof.use_up is None:
        refresh = await _sign_in_in_one_statement(gate, proof, client, changes, now)
    if refresh is None:
        refresh, challenge = await _sign_in_in_a_transaction(gate, proof, client, changes, now, db)
    if proof.attempt is not None and challenge is None:
        await proof.attempt.forget_failures(user.id)
    if challenge is not None:
        if proof.attempt is not None:
            # the users row's reservation was given back in the transaction; a known-address bucket's is now
            await proof.attempt.give_back_bucket()
        SIGN_INS.labels(_method_label(proof.method), "challenged").inc()
        raise SecondFactorRequired(challenge)
    SIGN_INS.labels(_method_label(proof.method), "succeeded").inc()
    # after the commit: a Redis that stops answering must not hold a database transaction open
    remember_known_address(gate, user.id, client)
    signed_in_user = dataclasses.replace(user, last_login_at=now)
    assert refresh is not None  # no challenge: the session was made
    return SignedIn(signed_in_user, user.profile, refresh, proof.method)


async def _sign_in_in_one_statement(
    gate: AuthGate, proof: Proof, client: ClientInfo, changes: dict[str, object], now: datetime
) -> IssuedRefreshToken | None:
    """PostgreSQL through asyncpg: the users row, the event and the session written by one statement, in one round
    trip with no transaction to open and close (a sign-in storm spent more of its event loop on these round trips
    than on anything but the hash). A single statement is atomic: all three rows or none.

    None when the users row did not match: a second factor is on, or the proof no longer stands (suspended, the
    password changed meanwhile). Nothing was written then, and the general path finds out which.
    """
    user = proof.user
    issued, session_row = new_session(gate, user.id, client, now)
    event_row = event_values(user.id, EventType.SIGN_IN_SUCCEEDED, now, client, f"method: {proof.method}")
    shape = _SignInShape(
        changes=tuple(changes),
        check_cutoff=True,
        check_hash=proof.verified_hash is not None,
        check_second_factor=not proof.second_factor,
        event=tuple(event_row),
        session=tuple(session_row),
    )
    params: dict[str, object] = {
        "user_id": user.id,
        "verified_hash": proof.verified_hash,
        # the access token's iat, as signed_in_response will write it; a sign-in begun earlier (a challenge) is held
        # to the cut-off at its beginning
        "token_issued_at": truncate_to_milliseconds(min(now, proof.started_at or now)),
    }
    params.update({f"set_{key}": value for key, value in changes.items()})
    params.update({f"event_{key}": value for key, value in event_row.items()})
    params.update({f"session_{key}": value for key, value in session_row.items()})
    written = await gate.users.fetchrow(_one_statement_sign_in(gate.engine.dialect, shape), params)
    return issued if written is not None else None


@dataclass(frozen=True)
class _SignInShape:
    changes: tuple[str, ...]  # the users columns set
    check_hash: bool  # only if the password hash is still the one verified
    check_cutoff: bool  # only if no revocation cut-off (tokens_valid_after) lies after the access token's iat
    check_second_factor: bool  # only if no second factor is on
    event: tuple[str, ...]  # the security_events columns
    session: tuple[str, ...]  # the refresh_tokens columns


@functools.cache
def _one_statement_sign_in(dialect: Dialect, shape: _SignInShape) -> FastStatement:
    users, factors = _table(User), _table(TotpFactor)
    conditions: list[ColumnElement[bool]] = [users.c.id == bindparam("user_id"), users.c.is_active.is_(True)]
    if shape.check_hash:
        conditions.append(users.c.hashed_password == bindparam("verified_hash"))
    if shape.check_second_factor:
        # the same question as two_factor_on, asked in the same statement
        second_factor = exists().where(factors.c.user_id == bindparam("user_id"), factors.c.confirmed_at.is_not(None))
        conditions.append(~second_factor)
    if shape.check_cutoff:
        # a sign-out everywhere or a reset that committed after this sign-in read its time: the access token, dated
        # by that time, would be refused at once; the general path reads the time again once it holds the row
        cutoff = users.c.tokens_valid_after
        conditions.append(or_(cutoff.is_(None), cutoff <= bindparam("token_issued_at", type_=cutoff.type)))
    values = {key: bindparam(f"set_{key}", type_=users.c[key].type) for key in shape.changes}
    signed = update(users).where(*conditions).values(**values).returning(users.c.id).cte("signed")

    def insert_if_signed(table: Table, columns: tuple[str, ...], prefix: str) -> CTE:
        row = select(*(bindparam(f"{prefix}{column}", type_=table.c[column].type) for column in columns))
        return insert(table).from_select(list(columns), row.select_from(signed)).cte(f"{prefix}row")

    statement = select(signed.c.id).add_cte(
        insert_if_signed(_table(SecurityEvent), shape.event, "event_"),
        insert_if_signed(_table(RefreshToken), shape.session, "session_"),
    )
    return compile_for_asyncpg(statement, dialect)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def _sign_in_in_a_transaction(
    gate: AuthGate,
    proof: Proof,
    client: ClientInfo,
    changes: dict[str, object],
    now: datetime,
    db: AsyncSession | AsyncConnection | None,
) -> tuple[IssuedRefreshToken | None, Challenge | None]:
    """The general path (any database, in the caller's transaction or one of its own): the session, or the
    challenge when a second factor is awaited."""
    user = proof.user
    conditions = [User.id == user.id, User.is_active.is_(True)]
    if proof.verified_hash is not None:
        conditions.append(User.hashed_password == proof.verified_hash)
    if proof.started_at is not None:
        began = truncate_to_milliseconds(proof.started_at)
        conditions.append(or_(User.tokens_valid_after.is_(None), User.tokens_valid_after <= began))
    challenge = None
    refresh = None
    async with _transaction(gate, db) as connection:
        # the users row first: the one lock order (accounts/locks.py); only if the proof still stands
        if not proof.second_factor and proof.method != SignInMethod.SIGNUP and await two_factor_on(connection, user.id):
            # two-factor sign-in: the first factor passed, the second is awaited; no session, no cookie, no access
            # token until it passes (mfa/factors.py). The run of failures does NOT end here: wrong codes count in it,
            # and a password that passes again must not wipe them (an attack pass alternated the right password and
            # four wrong codes forever). Only this attempt's own reservation is given back.
            first = {key: value for key, value in changes.items() if key in ("hashed_password", "updated_at")}
            if proof.attempt is not None and proof.attempt.reserved_count is not None:
                first["failed_login_count"] = case(
                    (User.failed_login_count > 0, User.failed_login_count - 1), else_=User.failed_login_count
                )
            if first:
                written = await connection.execute(update(User).where(*conditions).values(**first).returning(User.id))
            else:
                written = await connection.execute(select(User.id).where(*conditions).with_for_update(key_share=True))
            if written.first() is None:
                raise InvalidCredentials()
            challenge = await open_challenge(connection, gate, user.id, proof.method)
        else:
            written = await connection.execute(update(User).where(*conditions).values(**changes).returning(User.id))
            if written.first() is None:
                raise InvalidCredentials()
            if proof.use_up is not None:
                await proof.use_up(connection)
            # read while the row is ours: a revocation that committed before we got it lies before this time, one
            # queued behind us reads a later one; the access token is dated by it (SignedIn.refresh.issued_at)
            issued_at = gate.now()
            await record_event(
                connection,
                user_id=user.id,
                type=EventType.SIGN_IN_SUCCEEDED,
                now=issued_at,
                client=client,
                detail=f"method: {proof.method}",
            )
            refresh = await start_session(connection, gate, user.id, client, issued_at)
    return refresh, challenge


def _method_label(method: str) -> str:
    # bounded label values: a provider's id is configuration, not input
    return method if len(method) <= 40 else "other"


def _transaction(
    gate: AuthGate, db: AsyncSession | AsyncConnection | None
) -> AbstractAsyncContextManager[AsyncSession | AsyncConnection]:
    if db is not None:
        return nullcontext(db)
    return gate.engine.begin()


def signed_in_response(gate: AuthGate, request: Request, response: Response, signed_in: SignedIn) -> AuthResponse:
    """The body every sign-in answers (the quickstart's), with the refresh cookie set on `response`."""
    max_age = math.ceil((signed_in.refresh.expires_at - gate.now()).total_seconds())
    set_refresh_cookie(response, request, signed_in.refresh.token, gate.settings, max_age=max_age)
    if CHALLENGE_COOKIE in request.cookies:
        clear_challenge_cookie(response, request, gate.settings)
    return AuthResponse(
        # dated by the session's write, not by now: a revocation that committed since must end this token too
        access_token=gate.issue_access_token(
            signed_in.user,
            signed_in_at=gate.signed_in_at(signed_in.refresh.expires_at),
            now=signed_in.refresh.issued_at,
        ),
        expires_in=gate.access_lifetime_seconds,
        user=UserOut.model_validate(signed_in.user),
        profile=ProfileOut.model_validate(signed_in.profile) if signed_in.profile else None,
        profile_complete=signed_in.profile is not None,
    )


def challenge_response(gate: AuthGate, request: Request, response: Response, challenge: Challenge) -> ChallengeResponse:
    """The body a first factor answers when a second one is on: no tokens, the challenge (also as a cookie)."""
    set_challenge_cookie(response, request, challenge.token, gate.settings, max_age=challenge.expires_in)
    return ChallengeResponse(
        challenge_token=challenge.token, methods=list(challenge.methods), expires_in=challenge.expires_in
    )
