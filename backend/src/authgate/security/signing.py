"""Keys that sign access tokens: the HMAC key derived from JWT_SECRET_KEY, or asymmetric key pairs whose public half
other services verify with (JWKS, RFC 7517).

Pure functions over `cryptography` key objects and PyJWT's JWK encoders: no database, no clock, no settings. Each key
has a `kid`: for a key pair its RFC 7638 thumbprint (the same public key always gets the same id, on every instance);
for the HMAC key a digest of the derived key, which is never published.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
# EdDSA (Ed25519, RFC 8037) is small and fast; ES256 is what most verifiers know; RS256 for old ones
ASYMMETRIC_ALGORITHMS = ("EdDSA", "ES256", "RS256")
ALL_ALGORITHMS = HMAC_ALGORITHMS + ASYMMETRIC_ALGORITHMS
RSA_BITS = 3072

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PRIVATE_TYPES = (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    # what PyJWT signs with: the HMAC secret, or a private key
    private: bytes | PrivateKey | None
    # what PyJWT verifies with: the HMAC secret, or a public key
    public: bytes | PublicKey


@dataclass(frozen=True)
class KeyRing:
    """The key new tokens are signed with, and every key a token may still carry (by kid)."""

    current: SigningKey
    accepted: Mapping[str, SigningKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.current.kid not in self.accepted:
            object.__setattr__(self, "accepted", {**self.accepted, self.current.kid: self.current})

    def find(self, kid: object) -> SigningKey | None:
        return self.accepted.get(kid) if isinstance(kid, str) else None


def hmac_key(secret: bytes, algorithm: str) -> SigningKey:
    if algorithm not in HMAC_ALGORITHMS:
        raise ValueError(f"not an HMAC algorithm: {algorithm}")
    kid = "hs-" + hmac.new(secret, b"authgate key id", hashlib.sha256).hexdigest()[:16]
    return SigningKey(kid=kid, algorithm=algorithm, private=secret, public=secret)


def generate_private_key(algorithm: str) -> PrivateKey:
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    raise ValueError(f"not an asymmetric algorithm: {algorithm}")


def private_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_pem(pem: bytes, algorithm: str) -> PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    expected = {"EdDSA": ed25519.Ed25519PrivateKey, "ES256": ec.EllipticCurvePrivateKey, "RS256": rsa.RSAPrivateKey}
    if algorithm not in expected or not isinstance(key, expected[algorithm]):
        raise ValueError(f"the stored key is not an {algorithm} key")
    return key  # type: ignore[return-value]


def public_jwk(key: PrivateKey | PublicKey, algorithm: str) -> dict[str, Any]:
    """The public half as a JWK with `kid` (RFC 7638 thumbprint), `alg` and `use`: never a private member."""
    public = key.public_key() if isinstance(key, PRIVATE_TYPES) else key
    if algorithm == "EdDSA" and isinstance(public, ed25519.Ed25519PublicKey):
        jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
    elif algorithm == "ES256" and isinstance(public, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(public, as_dict=True)
    elif algorithm == "RS256" and isinstance(public, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
    else:
        raise ValueError(f"not an {algorithm} key")
    members = {k: jwk[k] for k in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    return {**members, "kid": thumbprint(members), "alg": algorithm, "use": "sig"}


# RFC 7638 §3.2: the required members of each key type, in lexicographic order
_THUMBPRINT_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}


def thumbprint(members: Mapping[str, Any]) -> str:
    canonical = json.dumps(dict(sorted(members.items())), separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signing_key_of(private: PrivateKey, algorithm: str) -> SigningKey:
    jwk = public_jwk(private, algorithm)
    return SigningKey(kid=jwk["kid"], algorithm=algorithm, private=private, public=private.public_key())


def verification_key_of(jwk: Mapping[str, Any]) -> SigningKey:
    """A published key (from JWKS), for a verifier: the public half only."""
    algorithm = jwk.get("alg")
    text = json.dumps(dict(jwk))
    if algorithm == "EdDSA":
        public: Any = OKPAlgorithm.from_jwk(text)
    elif algorithm == "ES256":
        public = ECAlgorithm.from_jwk(text)
    elif algorithm == "RS256":
        public = RSAAlgorithm.from_jwk(text)
    else:
        raise ValueError("unsupported or missing alg")
    if hasattr(public, "private_bytes"):
        raise ValueError("a published key must not hold a private part")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ValueError("missing kid")
    return SigningKey(kid=kid, algorithm=str(algorithm), private=None, public=public)
