"""Passkeys (WebAuthn, through py_webauthn): registering one, signing in with one, naming and removing them.

A passkey signs in alone: it is a discoverable credential created with user verification required, so the device
checked the reader (PIN, fingerprint, face) and holds a key no server ever sees; it counts as both factors. Every
ceremony's challenge is stored, single-use (taken with DELETE … RETURNING before anything is verified) and lives
CEREMONY_MINUTES. The RP ID and the accepted origins come from settings (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from authgate.accounts.locks import lock_reauthenticated_user, lock_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.reauth import GivenProof, reauthenticate
from authgate.accounts.signin import Proof, SignedIn, complete_sign_in
from authgate.errors import NotAuthenticated, PasskeyInvalid, PasskeyNotFound
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.mail import templates
from authgate.mfa.models import Passkey, WebAuthnChallenge
from authgate.mfa.schemas import PasskeyOut
from authgate.transport import ClientInfo

CEREMONY_MINUTES = 5
REGISTER = "register"
AUTHENTICATE = "authenticate"
# a browser's JSON for one credential is a few kilobytes; anything far larger is not one
MAX_CREDENTIAL_JSON = 16_384
PASSKEY_METHOD = "passkey"
# base64url characters of a credential id (the column's width; WebAuthn allows ids of up to 1023 bytes, authenticators
# use 16 to 64)
MAX_CREDENTIAL_ID = 1024
# a credential id as `register` stores it (bytes_to_base64url: unpadded base64url). The id comes in a free-form JSON
# object that no schema checks: anything else (a lone surrogate, a NUL) names no passkey and must not reach the lookup,
# where SQLite's driver cannot encode it (a 500) and PostgreSQL cannot store it
_CREDENTIAL_ID = re.compile(r"[A-Za-z0-9_-]+")


# read with Core (connections, not ORM sessions): the columns by name
PASSKEY_COLUMNS = (
    Passkey.id,
    Passkey.user_id,
    Passkey.public_key,
    Passkey.sign_count,
    Passkey.name,
    Passkey.created_at,
    Passkey.last_used_at,
    Passkey.backed_up,
    Passkey.transports,
)


def _out(passkey: Any) -> PasskeyOut:
    return PasskeyOut(
        id=passkey.id,
        name=passkey.name,
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
        backed_up=passkey.backed_up,
        transports=[t for t in (passkey.transports or "").split(",") if t],
    )


async def _store_challenge(gate: AuthGate, challenge: bytes, purpose: str, user_id: uuid.UUID | None) -> None:
    async with gate.engine.begin() as db:
        await db.execute(
            insert(WebAuthnChallenge).values(
                challenge=bytes_to_base64url(challenge),
                purpose=purpose,
                user_id=user_id,
                expires_at=gate.now() + timedelta(minutes=CEREMONY_MINUTES),
            )
        )


def _client_challenge(credential: dict[str, Any]) -> bytes:
    """The challenge the browser says it signed (clientDataJSON), to find the ceremony by; verified again after."""
    try:
        size = len(json.dumps(credential))
    except (RecursionError, ValueError) as error:
        # measured deeper in the stack than FastAPI parsed it: a body nested to the parser's edge is no credential,
        # never a 500 (attack pass; the same as the forgot-password limit's second parse)
        raise PasskeyInvalid() from error
    if size > MAX_CREDENTIAL_JSON:
        raise PasskeyInvalid()
    try:
        response = credential["response"]
        client_data = parse_client_data_json(base64url_to_bytes(response["clientDataJSON"]))
    except (KeyError, TypeError, ValueError, WebAuthnException) as error:
        raise PasskeyInvalid() from error
    # WebAuthn L3 §7.1 step 10 / §7.2 step 13: a ceremony run inside another site's frame is not ours to accept
    # (py_webauthn parses crossOrigin but does not check it)
    if client_data.cross_origin:
        raise PasskeyInvalid()
    return client_data.challenge


async def _take_challenge(gate: AuthGate, challenge: bytes, purpose: str, user_id: uuid.UUID | None) -> None:
    """Use the ceremony's challenge up, in a transaction of its own, before anything is verified: whatever comes
    next (a failed check rolls its own transaction back), a replayed response finds nothing."""
    conditions = [
        WebAuthnChallenge.challenge == bytes_to_base64url(challenge),
        WebAuthnChallenge.purpose == purpose,
        WebAuthnChallenge.expires_at > gate.now(),
    ]
    if user_id is not None:
        conditions.append(WebAuthnChallenge.user_id == user_id)
    async with gate.engine.begin() as db:
        taken = await db.execute(delete(WebAuthnChallenge).where(*conditions).returning(WebAuthnChallenge.challenge))
        found = taken.first()
    if found is None:
        raise PasskeyInvalid()


# ---------------------------------------------------------------- registering


async def registration_options(
    gate: AuthGate, user: CurrentUser, given: GivenProof, client: ClientInfo
) -> dict[str, Any]:
    await reauthenticate(gate, user, given, client, action="add a passkey", explicit=True)
    async with gate.engine.connect() as db:
        existing = (await db.execute(select(Passkey.credential_id).where(Passkey.user_id == user.id))).scalars().all()
    options = generate_registration_options(
        rp_id=gate.settings.passkey_rp_id,
        rp_name=gate.settings.site_name,
        user_name=user.email,
        user_display_name=user.email,
        # the user handle: the account id, no personal data (WebAuthn §14.6.1)
        user_id=user.id.bytes,
        timeout=CEREMONY_MINUTES * 60 * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # the same authenticator twice is refused by the browser
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in existing],
    )
    await _store_challenge(gate, options.challenge, REGISTER, user.id)
    return dict(json.loads(options_to_json(options)))


async def register(
    gate: AuthGate, user: CurrentUser, credential: dict[str, Any], name: str | None, client: ClientInfo
) -> PasskeyOut:
    challenge = _client_challenge(credential)
    now = gate.now()
    await _take_challenge(gate, challenge, REGISTER, user.id)
    try:
        async with gate.engine.begin() as db:
            if not await lock_user(db, user.id):
                raise NotAuthenticated()
            try:
                verified = verify_registration_response(
                    credential=credential,
                    expected_challenge=challenge,
                    expected_rp_id=gate.settings.passkey_rp_id,
                    expected_origin=gate.settings.passkey_origins,
                    require_user_verification=True,
                )
            except (WebAuthnException, KeyError, TypeError, ValueError) as error:
                raise PasskeyInvalid() from error
            if len(bytes_to_base64url(verified.credential_id)) > MAX_CREDENTIAL_ID:
                # one limit on both sides: what is stored must be usable to sign in
                raise PasskeyInvalid()
            transports = _transports(credential)
            count = len((await db.execute(select(Passkey.id).where(Passkey.user_id == user.id))).all())
            passkey_id = uuid.uuid4()
            await db.execute(
                insert(Passkey).values(
                    id=passkey_id,
                    user_id=user.id,
                    credential_id=bytes_to_base64url(verified.credential_id),
                    public_key=bytes_to_base64url(verified.credential_public_key),
                    sign_count=verified.sign_count,
                    name=name or f"Passkey {count + 1}",
                    transports=",".join(transports) or None,
                    backed_up=verified.credential_backed_up,
                    created_at=now,
                    last_used_at=None,
                )
            )
            await record_event(db, user_id=user.id, type=EventType.PASSKEY_ADDED, now=now, client=client)
            stored = (await db.execute(select(*PASSKEY_COLUMNS).where(Passkey.id == passkey_id))).one()
            await gate.mailer.queue(db, templates.sign_in_factor_changed(user.email, "a passkey was added"))
    except IntegrityError as error:
        # the credential is registered already (to this reader or another): the unique index decides
        raise PasskeyInvalid() from error
    gate.mailer.wake()
    return _out(stored)


def _transports(credential: dict[str, Any]) -> list[str]:
    known = {t.value for t in AuthenticatorTransport}
    found = credential.get("response", {}).get("transports") or []
    return [t for t in found if isinstance(t, str) and t in known][:8] if isinstance(found, list) else []


# ---------------------------------------------------------------- signing in


async def authentication_options(gate: AuthGate) -> dict[str, Any]:
    """For a discoverable credential: no allowCredentials, the browser offers the reader's passkeys for this RP."""
    options = generate_authentication_options(
        rp_id=gate.settings.passkey_rp_id,
        timeout=CEREMONY_MINUTES * 60 * 1000,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    await _store_challenge(gate, options.challenge, AUTHENTICATE, None)
    return dict(json.loads(options_to_json(options)))


async def verify_assertion(gate: AuthGate, credential: dict[str, Any], client: ClientInfo) -> uuid.UUID:
    """The passkey's owner, once its assertion verified: the challenge is ours and unused, the origin and RP ID are
    the configured ones, the device verified the reader, the signature holds and the counter moved forward."""
    challenge = _client_challenge(credential)
    raw_id = credential.get("rawId") or credential.get("id")
    if not isinstance(raw_id, str) or len(raw_id) > MAX_CREDENTIAL_ID or not _CREDENTIAL_ID.fullmatch(raw_id):
        raise PasskeyInvalid()
    regressed: Any = None
    await _take_challenge(gate, challenge, AUTHENTICATE, None)
    async with gate.engine.begin() as db:
        passkey = (await db.execute(select(*PASSKEY_COLUMNS).where(Passkey.credential_id == raw_id))).first()
        if passkey is None or not _handle_matches(credential, passkey.user_id):
            raise PasskeyInvalid()
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=gate.settings.passkey_rp_id,
                expected_origin=gate.settings.passkey_origins,
                credential_public_key=base64url_to_bytes(passkey.public_key),
                # compared below, so that a regression is recorded, not only refused
                credential_current_sign_count=0,
                require_user_verification=True,
            )
        except (WebAuthnException, KeyError, TypeError, ValueError) as error:
            raise PasskeyInvalid() from error
        new_count = verified.new_sign_count
        # WebAuthn §6.1.1: a counter that does not move forward (where either is non-zero) may mean a cloned
        # authenticator
        if (passkey.sign_count or new_count) and new_count <= passkey.sign_count:
            regressed = passkey
        else:
            moved = await db.execute(
                update(Passkey)
                .where(Passkey.id == passkey.id, Passkey.sign_count == passkey.sign_count)
                .values(sign_count=new_count, last_used_at=gate.now(), backed_up=verified.credential_backed_up)
                .returning(Passkey.id)
            )
            if moved.first() is None:
                # another assertion of the same passkey moved the counter meanwhile
                raise PasskeyInvalid()
    if regressed is not None:
        async with gate.engine.begin() as db:
            await record_event(
                db,
                user_id=regressed.user_id,
                type=EventType.PASSKEY_COUNTER_REGRESSED,
                now=gate.now(),
                client=client,
                detail=f'passkey "{regressed.name}": signature counter {new_count} after {regressed.sign_count}',
            )
        raise PasskeyInvalid()
    owner: uuid.UUID = passkey.user_id
    return owner


def _handle_matches(credential: dict[str, Any], user_id: uuid.UUID) -> bool:
    handle = credential.get("response", {}).get("userHandle")
    if handle in (None, ""):
        return True  # optional in an assertion; the credential id already named the passkey
    try:
        return isinstance(handle, str) and base64url_to_bytes(handle) == user_id.bytes
    except ValueError:
        return False


async def sign_in(gate: AuthGate, credential: dict[str, Any], client: ClientInfo) -> SignedIn:
    user_id = await verify_assertion(gate, credential, client)
    found = await gate.users.load_credentials(user_id)
    if found is None:
        raise PasskeyInvalid()
    return await complete_sign_in(gate, Proof(found[0], PASSKEY_METHOD, second_factor=True), client)


async def reauthenticate_with_passkey(
    gate: AuthGate, user: CurrentUser, credential: dict[str, Any], client: ClientInfo
) -> str | None:
    """A passkey as the proof for a sensitive action: it must be one of the signed-in reader's own. Returns the
    password hash the account had before the check, for `lock_reauthenticated_user`."""
    found = await gate.users.load_credentials(user.id)
    if found is None:
        raise NotAuthenticated()
    if await verify_assertion(gate, credential, client) != user.id:
        raise PasskeyInvalid()
    return found[1]


# ---------------------------------------------------------------- managing


async def list_passkeys(gate: AuthGate, user_id: uuid.UUID) -> list[PasskeyOut]:
    async with gate.engine.connect() as db:
        found = await db.execute(
            select(*PASSKEY_COLUMNS).where(Passkey.user_id == user_id).order_by(Passkey.created_at)
        )
        return [_out(row) for row in found.all()]


def _passkey_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise PasskeyNotFound() from error


async def rename(gate: AuthGate, user: CurrentUser, passkey_id: str, name: str) -> PasskeyOut:
    async with gate.engine.begin() as db:
        # the owner is part of the condition: another reader's passkey id is 404, like one that does not exist
        renamed = await db.execute(
            update(Passkey)
            .where(Passkey.id == _passkey_id(passkey_id), Passkey.user_id == user.id)
            .values(name=name)
            .returning(*PASSKEY_COLUMNS)
        )
        row = renamed.first()
    if row is None:
        raise PasskeyNotFound()
    return _out(row)


async def remove(gate: AuthGate, user: CurrentUser, passkey_id: str, given: GivenProof, client: ClientInfo) -> None:
    wanted = _passkey_id(passkey_id)
    async with gate.engine.connect() as db:
        owned = await db.execute(select(Passkey.id).where(Passkey.id == wanted, Passkey.user_id == user.id))
        if owned.first() is None:
            raise PasskeyNotFound()
    # `explicit`: the password or a code, never a recent sign-in alone, like turning two-step sign-in off (ASVS 5.0
    # V6.2 / V7.5): a token stolen minutes after the sign-in must not take away the reader's own passkeys
    verified = await reauthenticate(gate, user, given, client, action="remove a passkey", explicit=True)
    async with gate.engine.begin() as db:
        await lock_reauthenticated_user(db, user, verified)
        gone = await db.execute(
            delete(Passkey).where(Passkey.id == wanted, Passkey.user_id == user.id).returning(Passkey.name)
        )
        name = gone.scalar_one_or_none()
        if name is None:
            raise PasskeyNotFound()
        await record_event(
            db, user_id=user.id, type=EventType.PASSKEY_REMOVED, now=gate.now(), client=client, detail=f'"{name}"'
        )
        await gate.mailer.queue(db, templates.sign_in_factor_changed(user.email, f'the passkey "{name}" was removed'))
    gate.mailer.wake()
