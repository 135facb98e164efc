"""Sign-up and sign-in."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from authgate.accounts.lookup import CurrentProfile, CurrentUser
from authgate.accounts.models import User, UserProfile
from authgate.accounts.schemas import LoginRequest, SignupRequest
from authgate.errors import (
    AccountSuspended,
    EmailAlreadyExists,
    EmailNotVerified,
    InvalidCredentials,
    PasswordTooWeak,
)
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.ratelimit.service import begin_sign_in, take_unknown_failures
from authgate.security import PasswordRejected, check_password_policy, normalize_password
from authgate.sessions.service import ClientInfo, IssuedRefreshToken, start_session
from authgate.verification.service import start_verification


@dataclass(frozen=True)
class SignedIn:
    user: User | CurrentUser
    profile: UserProfile | CurrentProfile | None
    refresh: IssuedRefreshToken


async def signup(gate: AuthGate, request: SignupRequest, client: ClientInfo) -> SignedIn:
    email = request.email  # canonical: see authgate.identifiers
    password = _checked_new_password(gate, request.password, email)
    if await _email_taken(gate, email):
        raise EmailAlreadyExists()
    # hash before the transaction opens: no database connection is held during the slow part
    hashed = await gate.hashing.hash(password)
    now = gate.now()
    user = User(
        email=email,
        hashed_password=hashed,
        is_active=True,
        is_verified=False,
        created_at=now,
        updated_at=now,
        last_login_at=now,
    )
    profile = UserProfile(
        user=user,
        experience_level=request.experience_level,
        professional_role=request.professional_role,
        role_other=request.role_other,
        organization=request.organization,
        created_at=now,
        updated_at=now,
    )
    try:
        async with gate.sessions.begin() as db:
            # a lockout run against this address while it had no account carries over: a probe must not see the
            # address go from locked to open when someone signs up with it
            inherited = await take_unknown_failures(db, gate, email)
            user.failed_login_count = inherited.count
            user.last_failed_login_at = inherited.last_failed_at
            user.password_reset_required = inherited.reset_required
            db.add_all([user, profile])
            await db.flush()
            # from here on this address is the reader's own: the lockout lets them in from it (ratelimit.service)
            await record_event(db, user_id=user.id, type=EventType.ACCOUNT_CREATED, now=now, client=client)
            refresh = await start_session(db, gate, user.id, client)
            verification_mail = await start_verification(db, gate, user.id, email, client)
    except IntegrityError as exc:
        # two sign-ups raced past the check: the unique index decides, the loser gets the same 409
        raise EmailAlreadyExists() from exc
    # only once the account exists: the mail leaves in the background
    gate.mailer.send(verification_mail)
    return SignedIn(user, profile, refresh)


def _checked_new_password(gate: AuthGate, password: str, email: str) -> str:
    try:
        return check_password_policy(
            password,
            email=email,
            context_words=gate.settings.password_context_words,
            min_length=gate.settings.password_min_length,
            max_length=gate.settings.password_max_length,
        )
    except PasswordRejected as exc:
        raise PasswordTooWeak(exc.reason) from exc


async def _email_taken(gate: AuthGate, email: str) -> bool:
    async with gate.sessions() as db:
        found = await db.execute(select(User.id).where(User.email == email))
        return found.first() is not None


async def login(gate: AuthGate, request: LoginRequest, client: ClientInfo) -> SignedIn:
    email = request.email  # canonical: see authgate.identifiers
    password = normalize_password(request.password)
    found = await gate.users.load_for_sign_in(email)
    # per-account window and failure lockout: 429 / 403 here, before any argon2 work
    attempt = await begin_sign_in(gate, email, found, client)
    if found is None or len(password) > gate.settings.password_max_length:
        # same work, status and body as a wrong password: OWASP authentication cheat sheet
        await gate.hashing.dummy_verify(password)
        await attempt.failed()
        raise InvalidCredentials()
    user, stored_hash, _ = found
    valid, new_hash = await gate.hashing.verify_and_update(password, stored_hash)
    if not valid:
        await attempt.failed()
        raise InvalidCredentials()
    if not user.is_active:
        # only after the password: suspension is not disclosed to someone without it
        raise AccountSuspended()
    if gate.settings.require_verified_email and not user.is_verified:
        # REQUIRE_VERIFIED_EMAIL, also only after the password
        raise EmailNotVerified()
    now = gate.now()
    changes: dict[str, object] = {"last_login_at": now}
    if new_hash is not None:
        # parameters changed since this hash was made: upgrade it now that we know the password
        changes.update(hashed_password=new_hash, updated_at=now)
    # Core statements, one transaction: the ORM unit of work was most of a login's event-loop CPU
    async with gate.engine.begin() as connection:
        # the users row first: the one lock order (accounts/locks.py). Only if it still holds the hash just verified
        # and is still active: a password reset, a suspension or a deletion that committed while argon2 ran must not
        # be followed by a session made with the old password
        changes.update(attempt.reset_columns())
        written = await connection.execute(
            update(User)
            .where(User.id == user.id, User.hashed_password == stored_hash, User.is_active.is_(True))
            .values(**changes)
            .returning(User.id)
        )
        if written.first() is None:
            raise InvalidCredentials()
        await attempt.succeeded(connection, user.id)
        refresh = await start_session(connection, gate, user.id, client)
    await attempt.forget_failures(user.id)
    user = dataclasses.replace(user, last_login_at=now)
    return SignedIn(user, user.profile, refresh)
