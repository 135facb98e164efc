"""Sign-up and sign-in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from authgate.accounts.models import User, UserProfile
from authgate.accounts.schemas import LoginRequest, SignupRequest
from authgate.errors import AccountSuspended, EmailAlreadyExists, InvalidCredentials, PasswordTooWeak
from authgate.gate import AuthGate
from authgate.security import PasswordRejected, check_password_policy, normalize_password
from authgate.sessions.service import ClientInfo, IssuedRefreshToken, start_session


@dataclass(frozen=True)
class SignedIn:
    user: User
    profile: UserProfile | None
    refresh: IssuedRefreshToken


def canonical_email(email: str) -> str:
    # emails are compared case-insensitively and stored lower-cased
    return email.strip().lower()


async def signup(gate: AuthGate, request: SignupRequest, client: ClientInfo) -> SignedIn:
    email = canonical_email(request.email)
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
            db.add_all([user, profile])
            await db.flush()
            refresh = await start_session(db, gate, user.id, client)
    except IntegrityError as exc:
        # two sign-ups raced past the check: the unique index decides, the loser gets the same 409
        raise EmailAlreadyExists() from exc
    return SignedIn(user, profile, refresh)


def _checked_new_password(gate: AuthGate, password: str, email: str) -> str:
    try:
        return check_password_policy(
            password,
            email=email,
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
    email = canonical_email(request.email)
    password = normalize_password(request.password)
    user = await _user_by_email(gate, email)
    if user is None or len(password) > gate.settings.password_max_length:
        # same work, status and body as a wrong password: OWASP authentication cheat sheet
        await gate.hashing.dummy_verify(password)
        raise InvalidCredentials()
    valid, new_hash = await gate.hashing.verify_and_update(password, user.hashed_password)
    if not valid:
        raise InvalidCredentials()
    if not user.is_active:
        # only after the password: suspension is not disclosed to someone without it
        raise AccountSuspended()
    now = gate.now()
    async with gate.sessions.begin() as db:
        db.add(user)
        user.last_login_at = now
        if new_hash is not None:
            # parameters changed since this hash was made: upgrade it now that we know the password
            user.hashed_password = new_hash
            user.updated_at = now
        refresh = await start_session(db, gate, user.id, client)
    return SignedIn(user, user.profile, refresh)


async def _user_by_email(gate: AuthGate, email: str) -> User | None:
    async with gate.sessions() as db:
        result = await db.execute(select(User).options(joinedload(User.profile)).where(User.email == email))
        return result.scalar_one_or_none()
