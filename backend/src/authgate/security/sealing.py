"""Secrets kept at rest encrypted (AES-256-GCM), with a key derived for that purpose only.

A TOTP secret must be readable by the server (it computes the codes), so it cannot be hashed like a password; it is
sealed instead. The key is derived from JWT_SECRET_KEY for this purpose alone (HMAC domain separation, see
`derive_key`), so no token or other value made with the same secret can open it. Changing JWT_SECRET_KEY makes sealed
secrets unreadable: readers set up their authenticator again (the operator can reset it: `authgate users reset-2fa`).
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class Unsealable(ValueError):
    """The value was not sealed with this key (or was altered)."""


def seal(key: bytes, plaintext: str, *, context: bytes) -> str:
    """`context` (e.g. the owner's id) is authenticated too: a sealed value moved to another row does not open."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes, value: str, *, context: bytes) -> str:
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
        return AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context).decode("utf-8")
    except (InvalidTag, ValueError) as error:
        raise Unsealable("cannot open this value") from error
