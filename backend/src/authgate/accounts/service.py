"""Sign-up and sign-in with a password: each proves who the reader is, then `complete_sign_in` does the rest."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from authgate.accounts.lockout import SignInAttempt, open_sign_in, take_unknown_failures, unless_shed
from authgate.accounts.lookup import current_user_of
from authgate.accounts.models import User, UserProfile
from authgate.accounts.schemas import LoginRequest, SignupRequest
from authgate.accounts.signin import Proof, SignedIn, SignInMethod, complete_sign_in
from authgate.errors import EmailAlreadyExists, InvalidCredentials, PasswordTooWeak
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.security import PasswordRejected, check_password_policy, normalize_password
from authgate.transport import ClientInfo
from authgate.verification.service import start_verification


async def signup(gate: AuthGate, request: SignupRequest, client: ClientInfo) -> SignedIn:
    email = request.email  # canonical: see authgate.identifiers
    password = checked_new_password(gate, request.password, email)
    if await _email_taken(gate, email):
        raise EmailAlreadyExists()
    # hash before the transaction opens: no database connection is held during the slow part
    hashed = await gate.hashing.hash(password)
    # the verification link counts in the address's window like a resend: signing up with someone's address and
    # deleting the account again mailed them a link per cycle, unbounded across IPs (attack pass). Over it the account
    # is still made, without the mail; the reader asks for a link again later
    mail_it = (await gate.limiter.hit_mail("verify_email", email)).allowed
    now = gate.now()
    user = User(
        email=email,
        hashed_password=hashed,
        is_active=True,
        is_verified=False,
        created_at=now,
        updated_at=now,
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
            # from here on this address is the reader's own: the lockout lets them in from it (accounts/lockout.py)
            await record_event(db, user_id=user.id, type=EventType.ACCOUNT_CREATED, now=now, client=client)
            proof = Proof(current_user_of(user), SignInMethod.SIGNUP)
            signed_in = await complete_sign_in(gate, proof, client, db=db)
            # the mail is queued with the account: no account, no mail
            await start_verification(db, gate, user.id, email, client, mail_it=mail_it)
    except IntegrityError as exc:
        # two sign-ups raced past the check: the unique index decides, the loser gets the same 409
        raise EmailAlreadyExists() from exc
    # committed: the sender sends it now, off the request
    gate.mailer.wake()
    return signed_in


def checked_new_password(gate: AuthGate, password: str, email: str) -> str:
    """The password policy for a new password (sign-up, reset, change): the normalised password, or 422."""
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
    """The password way in: it proves the reader, `complete_sign_in` signs them in."""
    email = request.email  # canonical: see authgate.identifiers
    password = normalize_password(request.password)
    # per-account window and failure lockout: 429 / 403 here, before any argon2 work
    found, attempt = await open_sign_in(gate, email, client)
    stored_hash = found[1] if found is not None else None
    if found is None or stored_hash is None or len(password) > gate.settings.password_max_length:
        # same work, status and body as a wrong password: OWASP authentication cheat sheet (an account with no
        # password, made through a provider, is answered the same)
        await unless_shed(attempt, gate.hashing.dummy_verify(password))
        await attempt.failed()
        raise InvalidCredentials()
    valid, new_hash = await unless_shed(attempt, gate.hashing.verify_and_update(password, stored_hash))
    if not valid:
        await attempt.failed()
        raise InvalidCredentials()
    proof = Proof(found[0], SignInMethod.PASSWORD, attempt=attempt, verified_hash=stored_hash, upgraded_hash=new_hash)
    try:
        return await complete_sign_in(gate, proof, client)
    except InvalidCredentials:
        if new_hash is None:
            raise  # the hash moved for another reason: a changed or reset password, refused as such
        return await _sign_in_after_a_parallel_rehash(gate, email, password, stored_hash, attempt, client)


async def _sign_in_after_a_parallel_rehash(
    gate: AuthGate, email: str, password: str, verified_hash: str, attempt: SignInAttempt, client: ClientInfo
) -> SignedIn:
    """Argon2's parameters changed since the stored hash was made, so every sign-in stores a new hash of the same
    password; of two at once the second found the hash it verified gone and was refused (an attack pass saw a right
    password answered 401 and counted as a failure). The password is checked once more against the hash the account
    holds now: a password changed or reset meanwhile fails here, as it must; the same password signs in."""
    found = await gate.users.load_for_sign_in(email)
    current_hash = found[1] if found is not None else None
    if found is None or current_hash is None or current_hash == verified_hash:
        raise InvalidCredentials()
    valid, newer_hash = await unless_shed(attempt, gate.hashing.verify_and_update(password, current_hash))
    if not valid:
        raise InvalidCredentials()  # the attempt stays counted: the password it proved is no longer the account's
    proof = Proof(
        found[0], SignInMethod.PASSWORD, attempt=attempt, verified_hash=current_hash, upgraded_hash=newer_hash
    )
    return await complete_sign_in(gate, proof, client)
