"""What the second-factor tests share: codes of an authenticator app from the injected clock, a software passkey
authenticator (what a phone or a security key does, built from the WebAuthn spec), and enrolment shortcuts."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

from authgate.security.totp import code_at, step_of
from tests.conftest import PASSWORD, SITE, FakeClock

# WebAuthn §6.1 authenticator data flags
USER_PRESENT = 0x01
USER_VERIFIED = 0x04
BACKUP_ELIGIBLE = 0x08
BACKED_UP = 0x10
ATTESTED_DATA = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def app_code(secret: str, clock: FakeClock, steps: int = 0) -> str:
    """The code the reader's app shows now (or `steps` time steps away)."""
    return code_at(secret, step_of(clock()) + steps)


@dataclass
class Credential:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    user_handle: bytes
    rp_id: str
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    """A platform authenticator in software: resident keys, user verification, an incrementing counter."""

    origin: str = SITE
    credentials: list[Credential] = field(default_factory=list)

    def create(self, options: dict[str, Any], *, origin: str | None = None, verified: bool = True) -> dict[str, Any]:
        rp_id = options["rp"]["id"]
        key = ec.generate_private_key(ec.SECP256R1())
        credential = Credential(secrets.token_bytes(32), key, unb64url(options["user"]["id"]), rp_id)
        numbers = key.public_key().public_numbers()
        cose_key = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        attested = bytes(16) + struct.pack(">H", len(credential.credential_id)) + credential.credential_id
        flags = USER_PRESENT | ATTESTED_DATA | (USER_VERIFIED if verified else 0)
        auth_data = _auth_data(rp_id, flags, 0) + attested + encode_cbor(cose_key)
        client_data = _client_data("webauthn.create", options["challenge"], origin or self.origin)
        self.credentials.append(credential)
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        credential: Credential | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
        verified: bool = True,
        client_data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An assertion for `options`; `client_data`: members added to clientDataJSON (crossOrigin, topOrigin)."""
        used = credential or self.credentials[-1]
        if sign_count is None:
            used.sign_count += 1
            sign_count = used.sign_count
        flags = USER_PRESENT | (USER_VERIFIED if verified else 0)
        auth_data = _auth_data(rp_id or used.rp_id, flags, sign_count)
        collected = _client_data("webauthn.get", options["challenge"], origin or self.origin, client_data)
        signature = used.key.sign(auth_data + hashlib.sha256(collected).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(used.credential_id),
            "rawId": b64url(used.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(collected),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(used.user_handle),
            },
            "clientExtensionResults": {},
        }


def _auth_data(rp_id: str, flags: int, sign_count: int) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)


def _client_data(kind: str, challenge: str, origin: str, extra: dict[str, Any] | None = None) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False, **(extra or {})}
    ).encode()


# ---------------------------------------------------------------- enrolment shortcuts


@dataclass
class Enrolled:
    email: str
    access: str
    secret: str
    backup_codes: list[str]


async def turn_on_totp(
    http: httpx.AsyncClient, access: str, clock: FakeClock, *, proof: dict[str, str] | None = None
) -> tuple[str, list[str]]:
    """Set up (with the password, or `proof`; a reader without a password: none, a recent sign-in) and confirm an
    authenticator app: its secret and backup codes."""
    body = {"password": PASSWORD} if proof is None else proof
    setup = await http.post("/auth/mfa/totp/setup", headers=bearer(access), json=body or None)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    confirmed = await http.post(
        "/auth/mfa/totp/confirm", headers=bearer(access), json={"code": app_code(secret, clock)}
    )
    assert confirmed.status_code == 200, confirmed.text
    # the confirming code's step is used up: later codes come from the next step
    clock.advance(seconds=30)
    return secret, confirmed.json()["backup_codes"]


async def enrolled_reader(http: httpx.AsyncClient, clock: FakeClock, email: str | None = None) -> Enrolled:
    email = email or f"two-step-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = await http.post(
        "/auth/signup",
        json={"email": email, "password": PASSWORD, "experience_level": "advanced", "professional_role": "engineer"},
    )
    assert signed_up.status_code == 201, signed_up.text
    access = signed_up.json()["access_token"]
    secret, codes = await turn_on_totp(http, access, clock)
    http.cookies.clear()
    return Enrolled(email, access, secret, codes)


async def password_step(http: httpx.AsyncClient, email: str) -> dict[str, Any]:
    """The first factor of a two-step reader: the challenge."""
    http.cookies.clear()
    answered = await http.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert answered.status_code == 200, answered.text
    body: dict[str, Any] = answered.json()
    assert body["mfa_required"] is True, body
    return body


async def both_factors(http: httpx.AsyncClient, clock: FakeClock) -> tuple[Enrolled, httpx.Response]:
    """A new two-step reader signs in with the password and a code of the app: the reader, and the code's answer."""
    reader = await enrolled_reader(http, clock)
    challenge = await password_step(http, reader.email)
    answered = await http.post(
        "/auth/mfa/verify",
        json={"challenge_token": challenge["challenge_token"], "code": app_code(reader.secret, clock)},
    )
    return reader, answered


async def add_passkey(
    http: httpx.AsyncClient, access: str, device: SoftAuthenticator, name: str | None = None
) -> dict[str, Any]:
    options = await http.post("/auth/passkeys/register/options", headers=bearer(access), json={"password": PASSWORD})
    assert options.status_code == 200, options.text
    body: dict[str, Any] = {"credential": device.create(options.json()["options"])}
    if name is not None:
        body["name"] = name
    added = await http.post("/auth/passkeys/register", headers=bearer(access), json=body)
    assert added.status_code == 201, added.text
    result: dict[str, Any] = added.json()
    return result


async def passkey_options(http: httpx.AsyncClient) -> dict[str, Any]:
    started = await http.post("/auth/passkeys/authenticate/options")
    assert started.status_code == 200, started.text
    options: dict[str, Any] = started.json()["options"]
    return options
