"""Signing in through a provider, connecting one to an account, and disconnecting it.

Each provider sign-in only proves who the person is (`ProviderClient.account`); the account it leads to is decided
here, and `complete_sign_in` does the rest, as for a password.

Which account (an identity is (provider, subject), never the address):
- an identity already known: its account;
- a new identity whose address no account has: a new account (verified only if the provider asserts the address
  verified as a real JSON boolean), no password, no profile yet (the reader completes it);
- a new identity whose address an account has: linked only when the provider asserts the address verified AND the
  local account is verified; otherwise nothing is linked, and the reader is told to sign in and connect the provider
  from the account page. (Linking to an unverified local account would hand it to whoever registered the address
  first: the pre-account takeover Better Auth shipped.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authgate.accounts.lockout import take_unknown_failures
from authgate.accounts.locks import lock_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import User
from authgate.accounts.signin import Proof, SignedIn, complete_sign_in
from authgate.errors import (
    AccountSuspended,
    IdentityInUse,
    IdentityNotFound,
    LastWayIn,
    NotAuthenticated,
    OAuthAccessDenied,
    OAuthEmailRequired,
    OAuthLinkRequired,
    OAuthProviderError,
    OAuthStateInvalid,
)
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.identifiers import canonical_email_or_none
from authgate.mail import templates
from authgate.mfa.factors import Challenge, SecondFactorRequired, two_factor_on
from authgate.oauth.models import Identity, OAuthFlow
from authgate.oauth.providers import Provider, ProviderAccount, ProviderClient
from authgate.transport import ClientInfo

# the `next` a flow returns to: a path on the site, never a URL (no scheme, no host, no "//" or "/\\"), and no
# control character (no path of the site has one; a NUL cannot even be stored, and the flow would end on a JSON page)
_SAFE_NEXT = re.compile(r"^/(?![/\\])[^\s\\\x00-\x1f\x7f-\x9f]*$")
MAX_NEXT = 512
# the identities.email column
MAX_SHOWN_EMAIL = 255


def safe_next(value: str | None) -> str:
    """The same-site relative path to return to; anything else becomes "/" (an open redirect otherwise)."""
    if not value or len(value) > MAX_NEXT or not _SAFE_NEXT.match(value):
        return "/"
    return value


def _shown(email: str | None) -> str | None:
    """The provider's address as kept for the reader's list: as given when it fits the column, else its canonical
    form (a display name dropped), else nothing; a provider's long value must not fail the sign-in."""
    if email is None or len(email) <= MAX_SHOWN_EMAIL:
        return email
    return canonical_email_or_none(email)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StartedFlow:
    authorize_url: str
    # kept by the browser in an HttpOnly cookie: the callback must come back to the browser that started
    browser_secret: str


@dataclass(frozen=True)
class FinishedFlow:
    next_path: str
    # a sign-in; None when a signed-in reader connected the provider to their account
    signed_in: SignedIn | None
    connected: bool = False
    # the reader has a second factor on: no session yet, this challenge instead
    challenge: Challenge | None = None


async def start(
    gate: AuthGate,
    client: ProviderClient,
    provider: Provider,
    next_path: str | None,
    *,
    connect_user_id: uuid.UUID | None = None,
) -> StartedFlow:
    """A new flow: state, PKCE verifier and nonce, stored (hashed where they are secrets) until the callback."""
    state = secrets.token_urlsafe(32)
    browser = secrets.token_urlsafe(32)
    # RFC 7636 §4.1: 43..128 characters of the unreserved set
    verifier = secrets.token_urlsafe(64)
    nonce = secrets.token_urlsafe(32)
    url = await client.authorization_url(provider, state=state, code_verifier=verifier, nonce=nonce)
    now = gate.now()
    async with gate.engine.begin() as connection:
        # flows nobody finished are purged as they expire (and by the cleanup job)
        await connection.execute(delete(OAuthFlow).where(OAuthFlow.expires_at <= now))
        await connection.execute(
            insert(OAuthFlow).values(
                state_hash=_digest(state),
                browser_hash=_digest(browser),
                provider=provider.id,
                code_verifier=verifier,
                nonce=nonce,
                next_path=safe_next(next_path),
                connect_user_id=connect_user_id,
                expires_at=now + timedelta(minutes=gate.settings.oauth_flow_minutes),
            )
        )
    return StartedFlow(url, browser)


async def finish(
    gate: AuthGate,
    client: ProviderClient,
    provider: Provider,
    query: Mapping[str, str],
    browser_secret: str | None,
    client_info: ClientInfo,
) -> FinishedFlow:
    """The provider sent the browser back. Every failure raises a domain error the router turns into a redirect."""
    flow = await _take_flow(gate, query.get("state"), browser_secret, provider.id)
    if "error" in query:
        # RFC 6749 §4.1.2.1: the person said no, or the provider could not go on
        raise OAuthAccessDenied() if query.get("error") == "access_denied" else OAuthProviderError()
    code = query.get("code")
    if not code or len(code) > 2048:
        raise OAuthStateInvalid()
    account = await client.account(provider, code=code, code_verifier=flow.code_verifier, nonce=flow.nonce)
    if flow.connect_user_id is not None:
        await _connect(gate, provider, account, flow, client_info)
        return FinishedFlow(flow.next_path, None, connected=True)
    user = await _account_of(gate, provider, account, client_info)
    try:
        signed_in = await complete_sign_in(gate, Proof(user, provider.id), client_info)
    except SecondFactorRequired as required:
        # a reader with two-step sign-in on: the provider was the first factor; the site's challenge page asks for
        # the second, with the challenge in an HttpOnly cookie
        return FinishedFlow(flow.next_path, None, challenge=required.challenge)
    return FinishedFlow(flow.next_path, signed_in)


async def _take_flow(gate: AuthGate, state: str | None, browser_secret: str | None, provider_id: str) -> OAuthFlow:
    """Use the flow up: single-use (one DELETE), bound to the browser, in time, for this provider."""
    if not state or len(state) > 256:
        raise OAuthStateInvalid()
    async with gate.sessions.begin() as db:
        taken = await db.execute(delete(OAuthFlow).where(OAuthFlow.state_hash == _digest(state)).returning(OAuthFlow))
        flow = taken.scalar_one_or_none()
    if (
        flow is None
        or browser_secret is None
        or not hmac.compare_digest(flow.browser_hash, _digest(browser_secret))
        or flow.provider != provider_id
        or flow.expires_at <= gate.now()
    ):
        raise OAuthStateInvalid()
    return flow


async def _account_of(
    gate: AuthGate, provider: Provider, account: ProviderAccount, client: ClientInfo, *, retried: bool = False
) -> CurrentUser:
    try:
        user_id = await _find_link_or_create(gate, provider, account, client)
    except IntegrityError:
        if retried:
            raise OAuthLinkRequired() from None
        # a second callback of the same person raced this one to create the account: it exists now
        return await _account_of(gate, provider, account, client, retried=True)
    user = await gate.users.load(user_id)
    if user is None:
        raise NotAuthenticated()
    return user


async def _find_link_or_create(
    gate: AuthGate, provider: Provider, account: ProviderAccount, client: ClientInfo
) -> uuid.UUID:
    now = gate.now()
    async with gate.sessions.begin() as db:
        known = await _identity(db, provider.id, account.subject)
        if known is not None:
            await db.execute(
                update(Identity).where(Identity.id == known.id).values(last_used_at=now, email=_shown(account.email))
            )
            known_user: uuid.UUID = known.user_id
            return known_user
        email = canonical_email_or_none(account.email)
        if email is None:
            raise OAuthEmailRequired()
        existing = (
            await db.execute(
                select(User.id, User.is_verified, User.is_active)
                .where(User.email == email)
                .with_for_update(key_share=True)
            )
        ).first()
        if existing is not None:
            # link only when both sides vouch for the address
            if not (account.email_verified and existing.is_verified):
                raise OAuthLinkRequired()
            if await two_factor_on(db, existing.id):
                # a reader with two-step sign-in gets no new way in from one factor: they sign in with both and
                # connect the provider from their account page (an attack pass linked one and left the challenge)
                raise OAuthLinkRequired()
            if not existing.is_active:
                # a suspended account takes no new way in (as connecting refuses it): the sign-in would be refused as
                # suspended after the link, so it is refused before it, with the same answer. An attack pass found the
                # identity linked (and its reader mailed) on the way to that refusal
                raise AccountSuspended()
            user_id: uuid.UUID = existing.id
            # an existing account got a new way in: its reader is told
            await gate.mailer.queue(db, templates.identity_connected(email, provider.name))
        else:
            user_id = await _create_account(db, gate, email, account.email_verified, client)
        await _add_identity(db, gate, user_id, provider, account, client)
    gate.mailer.wake()
    return user_id


async def _create_account(
    db: AsyncSession, gate: AuthGate, email: str, verified: bool, client: ClientInfo
) -> uuid.UUID:
    """A reader who arrives through a provider: no password, no profile until they complete it."""
    now = gate.now()
    inherited = await take_unknown_failures(db, gate, email)
    user_id = uuid.uuid4()
    await db.execute(
        insert(User).values(
            id=user_id,
            email=email,
            hashed_password=None,
            is_active=True,
            is_verified=verified,
            email_verified_at=now if verified else None,
            first_verified_at=now if verified else None,
            created_at=now,
            updated_at=now,
            failed_login_count=inherited.count,
            last_failed_login_at=inherited.last_failed_at,
            password_reset_required=inherited.reset_required,
        )
    )
    await record_event(db, user_id=user_id, type=EventType.ACCOUNT_CREATED, now=now, client=client)
    return user_id


async def _add_identity(
    db: AsyncSession,
    gate: AuthGate,
    user_id: uuid.UUID,
    provider: Provider,
    account: ProviderAccount,
    client: ClientInfo,
) -> None:
    now = gate.now()
    await db.execute(
        insert(Identity).values(
            id=uuid.uuid4(),
            user_id=user_id,
            provider=provider.id,
            subject=account.subject,
            email=_shown(account.email),
            created_at=now,
            last_used_at=now,
        )
    )
    await record_event(
        db, user_id=user_id, type=EventType.IDENTITY_CONNECTED, now=now, client=client, detail=provider.name
    )


async def _identity(db: AsyncSession, provider_id: str, subject: str) -> Identity | None:
    found = await db.execute(select(Identity).where(Identity.provider == provider_id, Identity.subject == subject))
    return found.scalar_one_or_none()


async def _connect(
    gate: AuthGate, provider: Provider, account: ProviderAccount, flow: OAuthFlow, client: ClientInfo
) -> None:
    user_id = flow.connect_user_id
    assert user_id is not None
    # when the signed-in reader asked to connect: the flow was stored then, living oauth_flow_minutes
    started = flow.expires_at - timedelta(minutes=gate.settings.oauth_flow_minutes)
    async with gate.sessions.begin() as db:
        # the users row first (accounts/locks.py), and what it says about the session that asked
        found = await db.execute(
            select(User.is_active, User.tokens_valid_after).where(User.id == user_id).with_for_update(key_share=True)
        )
        reader = found.first()
        # a connection asked for by a session that has ended since (a password reset, a sign-out everywhere, a change
        # of address: each moves tokens_valid_after) must not land: an attack pass left a connect flow open at the
        # provider, let the owner reset the password of the squatted address, then finished it and signed in to the
        # owner's account through the provider for good (ASVS 5.0 V7.4.1/V7.4.3: a credential change ends every
        # session, and this flow is one that was not ended). A suspended account takes no new way in either.
        if reader is None or not reader.is_active:
            raise NotAuthenticated()
        if reader.tokens_valid_after is not None and started < reader.tokens_valid_after:
            raise NotAuthenticated()
        known = await _identity(db, provider.id, account.subject)
        if known is not None:
            if known.user_id != user_id:
                raise IdentityInUse()
            return  # already this reader's
        await _add_identity(db, gate, user_id, provider, account, client)
        email = (await db.execute(select(User.email).where(User.id == user_id))).scalar_one()
        await gate.mailer.queue(db, templates.identity_connected(email, provider.name))
    gate.mailer.wake()


# ---------------------------------------------------------------- the account page


async def identities_of(gate: AuthGate, user_id: uuid.UUID) -> list[Identity]:
    async with gate.sessions() as db:
        found = await db.execute(
            select(Identity).where(Identity.user_id == user_id).order_by(Identity.created_at, Identity.id)
        )
        return list(found.scalars())


async def disconnect(
    gate: AuthGate, user: CurrentUser, identity_id: str, provider_names: Mapping[str, str], client: ClientInfo
) -> None:
    """Remove one of the reader's identities; another reader's id is answered like an unknown one."""
    try:
        wanted = uuid.UUID(identity_id)
    except ValueError:
        raise IdentityNotFound() from None
    now = gate.now()
    async with gate.sessions.begin() as db:
        if not await lock_user(db, user.id):
            raise NotAuthenticated()
        identity = (
            await db.execute(select(Identity).where(Identity.id == wanted, Identity.user_id == user.id))
        ).scalar_one_or_none()
        if identity is None:
            raise IdentityNotFound()
        has_password = (await db.execute(select(User.hashed_password).where(User.id == user.id))).scalar_one()
        others = (
            await db.execute(select(Identity.id).where(Identity.user_id == user.id, Identity.id != wanted))
        ).first()
        if has_password is None and others is None:
            raise LastWayIn()
        await db.execute(delete(Identity).where(Identity.id == wanted))
        name = provider_names.get(identity.provider, identity.provider)
        await record_event(
            db, user_id=user.id, type=EventType.IDENTITY_DISCONNECTED, now=now, client=client, detail=name
        )
        await gate.mailer.queue(db, templates.identity_disconnected(user.email, name))
    gate.mailer.wake()
