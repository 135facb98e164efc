"""Opaque (non-JWT) tokens such as refresh tokens.

Only hashes of these tokens are stored, so a database leak does not hand out
usable sessions (OWASP Session Management cheat sheet).
"""

import base64
import hashlib
import hmac
import secrets

# 32 random bytes = 256 bits of entropy, well above the 64-bit minimum of
# OWASP's session-ID guidance.
_TOKEN_BYTES = 32


def new_opaque_token() -> str:
    """Return a fresh URL-safe random token (256 bits from the OS CSPRNG)."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which ``token`` is stored.

    A fast unsalted hash is enough here: unlike passwords, the token already
    carries 256 bits of entropy, so it cannot be brute-forced from its hash.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def derive_key(secret: str, purpose: str) -> bytes:
    """Derive a purpose-specific key from the application secret.

    HMAC-SHA256(secret, purpose) gives domain separation: the JWT signing key
    and the refresh-successor key differ, so a value produced for one purpose
    can never be replayed as a valid value for another.
    """
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def successor_token(key: bytes, presented: str) -> str:
    """Return the deterministic successor of a refresh token.

    RFC 9700 §4.14.2 refresh-token rotation: when two tabs refresh the same old
    token within the grace period, both must receive the SAME new token.
    Deriving it as HMAC(key, presented) lets the server recompute it on demand
    instead of storing the plain successor; without ``key`` it is unguessable.
    """
    digest = hmac.new(key, presented.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def tokens_equal(a: str, b: str) -> bool:
    """Compare two tokens in constant time to avoid timing side channels."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
