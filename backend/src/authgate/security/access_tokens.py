"""Short-lived JWT access tokens (RFC 7519), signed with PyJWT: HMAC by default, or a key pair (security/signing.py)
whose public half other services verify with.

Hardening follows RFC 8725 (JWT Best Current Practices) and the OWASP JWT
cheat sheet: the accepted algorithm is pinned by configuration and never read
from the token header, every registered claim the app relies on is required,
and all time checks run against an injected ``now``.
"""

import math
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm, get_default_algorithms

from authgate.security.signing import ALL_ALGORITHMS, HMAC_ALGORITHMS, KeyRing, SigningKey, hmac_key

ALLOWED_ALGORITHMS = ALL_ALGORITHMS

# RFC 8725 §3.1/§3.2 and OWASP: keep the clock-skew allowance small, otherwise
# it silently extends every token's lifetime.
MAX_LEEWAY = timedelta(seconds=30)

# Refuse oversized input before parsing: bounds CPU/memory spent on hostile
# tokens. Our own tokens are a few hundred bytes.
MAX_TOKEN_LENGTH = 8 * 1024

REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud", "jti")

# RFC 9068 §2.1: an access token says what it is in its header, so that no other JWT signed with the same key (an ID
# token, a mailed link, a token of another feature) can be presented as one (RFC 8725 §3.11, explicit typing)
ACCESS_TOKEN_TYPE = "at+jwt"
# §4: the media type may be written in full, and types compare case-insensitively (RFC 7515 §4.1.9)
_ACCEPTED_TYPES = frozenset({ACCESS_TOKEN_TYPE, "application/" + ACCESS_TOKEN_TYPE})

# RFC 7519 §4.1 registered claim names: callers may not override them via ``extra``.
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})


class _HmacCheckedOnce(HMACAlgorithm):
    """PyJWT's HMAC, with its key checks run once per key rather than on every token.

    `prepare_key` refuses a PEM, SSH or DER public key as an HMAC secret (RFC 8725 §2.1, key confusion), which means
    trying to parse the key: about half of the CPU of signing a token here (`make bench` profile). The keys are our
    own few (one KeyRing), so the verdict is kept per key.
    """

    _MAX_KEYS = 16

    def __init__(self, hash_alg: Any) -> None:
        super().__init__(hash_alg)
        self._prepared: dict[bytes, bytes] = {}

    def prepare_key(self, key: str | bytes) -> bytes:
        if not isinstance(key, bytes):
            return super().prepare_key(key)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = super().prepare_key(key)  # raises on a key that must not be an HMAC secret: never cached
            if len(self._prepared) < self._MAX_KEYS:
                self._prepared[key] = prepared
        return prepared


def _token_codec() -> jwt.PyJWT:
    """PyJWT with every default algorithm, the HMAC ones replaced by `_HmacCheckedOnce`."""
    hashes = {"HS256": HMACAlgorithm.SHA256, "HS384": HMACAlgorithm.SHA384, "HS512": HMACAlgorithm.SHA512}
    jws = jwt.PyJWS(algorithms=[name for name in get_default_algorithms() if name not in hashes])
    for name, hash_alg in hashes.items():
        jws.register_algorithm(name, _HmacCheckedOnce(hash_alg))
    codec = jwt.PyJWT()
    codec._jws = jws  # PyJWT's own module-level codec is put together the same way
    return codec


_CODEC = _token_codec()


@dataclass(frozen=True)
class AccessTokenConfig:
    secret: str
    issuer: str
    audience: str
    lifetime: timedelta
    algorithm: str = "HS256"
    leeway: timedelta = timedelta(seconds=10)
    # asymmetric algorithms: the signing key and every key still accepted; HMAC: made from `secret`
    ring: KeyRing | None = None

    def __post_init__(self) -> None:
        if self.algorithm not in ALLOWED_ALGORITHMS:
            # RFC 8725 §3.1: only accept algorithms we chose; never "none"
            raise ValueError(f"algorithm must be one of {', '.join(ALLOWED_ALGORITHMS)}")
        if self.ring is None:
            if self.algorithm not in HMAC_ALGORITHMS:
                raise ValueError(f"algorithm {self.algorithm} needs a key ring")
            if not self.secret:
                raise ValueError("secret must not be empty")
            object.__setattr__(self, "ring", KeyRing(hmac_key(self.secret.encode("utf-8"), self.algorithm)))
        elif self.ring.current.algorithm != self.algorithm:
            raise ValueError("the signing key's algorithm is not the configured one")
        if self.lifetime <= timedelta(0):
            raise ValueError("lifetime must be positive")
        if self.leeway < timedelta(0) or self.leeway > MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY.total_seconds():g} seconds")

    @property
    def keys(self) -> KeyRing:
        assert self.ring is not None  # made in __post_init__
        return self.ring


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    issued_at: datetime
    expires_at: datetime
    jti: str
    claims: Mapping[str, Any]


class InvalidAccessToken(Exception):
    """The token was rejected. ``reason`` is short, safe to log, and never contains the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_access_token(
    config: AccessTokenConfig,
    *,
    subject: str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> tuple[str, AccessClaims]:
    """Sign a new access token for ``subject`` and return it with its claims."""
    _require_aware(now)
    if not subject:
        raise ValueError("subject must not be empty")
    overridden = REGISTERED_CLAIMS.intersection(extra or {})
    if overridden:
        raise ValueError(f"extra claims must not override registered claims: {sorted(overridden)}")

    issued_at = truncate_to_milliseconds(now)
    expires_at = datetime.fromtimestamp(math.floor((issued_at + config.lifetime).timestamp()), UTC)
    payload: dict[str, Any] = {
        **(extra or {}),
        "sub": subject,
        "iss": config.issuer,
        "aud": config.audience,
        # RFC 7519 §2 allows a non-integer NumericDate. Millisecond precision
        # lets the app tell apart tokens issued before and after a password
        # change (tokens_valid_after) within the same second.
        "iat": issued_at.timestamp(),
        "exp": int(expires_at.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    key = config.keys.current
    token = _CODEC.encode(
        payload,
        key.private,  # type: ignore[arg-type]
        algorithm=key.algorithm,
        headers={"typ": ACCESS_TOKEN_TYPE, "kid": key.kid},
    )
    claims = AccessClaims(
        subject=subject,
        issued_at=issued_at,
        expires_at=expires_at,
        jti=payload["jti"],
        claims=MappingProxyType(payload),
    )
    return token, claims


def decode_access_token(config: AccessTokenConfig, token: str, *, now: datetime) -> AccessClaims:
    """Verify ``token`` and return its claims, or raise ``InvalidAccessToken``."""
    _require_aware(now)
    if not isinstance(token, str) or not token:
        raise InvalidAccessToken("malformed token")
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidAccessToken("token too large")
    payload = _verify_signature_and_claims(config, token)
    return _check_times(payload, now, config.leeway)


def _key_for(config: AccessTokenConfig, token: str) -> SigningKey:
    """The key named by the token's `kid`; a token without one (issued before keys had ids) only for the HMAC key."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidAccessToken("malformed token") from None
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise InvalidAccessToken("malformed token") from None
    ring = config.keys
    if "kid" not in header and ring.current.algorithm in HMAC_ALGORITHMS:
        return ring.current
    key = ring.find(header.get("kid"))
    if key is None:
        raise InvalidAccessToken("unknown key")
    return key


def _verify_signature_and_claims(config: AccessTokenConfig, token: str) -> dict[str, Any]:
    key = _key_for(config, token)
    try:
        decoded = _CODEC.decode_complete(
            token,
            key.public,
            # Pinned by the key itself: PyJWT rejects any other header "alg",
            # including "none" and RS256/HS256 key confusion (RFC 8725 §2.1).
            algorithms=[key.algorithm],
            audience=config.audience,
            issuer=config.issuer,
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_signature": True,
                "verify_aud": True,
                "verify_iss": True,
                "verify_sub": True,
                "verify_jti": True,
                "strict_aud": True,
                # PyJWT reads the system clock and cannot take an injected one,
                # so the time claims are still required but checked in _check_times.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken(_reason_for(exc)) from None
    except (ValueError, TypeError, OverflowError, RecursionError):
        # Defence in depth: hostile input must surface as a rejected token,
        # never as a 500.
        raise InvalidAccessToken("malformed token") from None
    token_type = decoded["header"].get("typ")
    if not isinstance(token_type, str) or token_type.lower() not in _ACCEPTED_TYPES:
        raise InvalidAccessToken("not an access token (typ)")
    payload: dict[str, Any] = decoded["payload"]
    return payload


def _reason_for(exc: jwt.PyJWTError) -> str:
    # Order matters: several of these subclass InvalidTokenError / DecodeError.
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"missing claim {exc.claim}"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "algorithm not allowed"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "bad signature"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "wrong audience"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "wrong issuer"
    if isinstance(exc, jwt.DecodeError):
        return "malformed token"
    return "invalid token"


def _check_times(payload: dict[str, Any], now: datetime, leeway: timedelta) -> AccessClaims:
    now_ts = now.timestamp()
    leeway_s = leeway.total_seconds()
    exp = _numeric_date(payload, "exp")
    iat = _numeric_date(payload, "iat")
    # RFC 7519 §4.1.4: reject on or after exp (plus the small clock-skew leeway).
    if now_ts >= exp + leeway_s:
        raise InvalidAccessToken("expired")
    # A token "issued" in the future was minted with a skewed or forged clock.
    if iat > now_ts + leeway_s:
        raise InvalidAccessToken("issued in the future")
    # RFC 7519 §4.1.5: not before.
    if "nbf" in payload and _numeric_date(payload, "nbf") > now_ts + leeway_s:
        raise InvalidAccessToken("not yet valid")
    if not payload["sub"]:
        raise InvalidAccessToken("empty subject")
    return AccessClaims(
        subject=payload["sub"],
        issued_at=_to_datetime(iat, "iat"),
        expires_at=_to_datetime(exp, "exp"),
        jti=payload["jti"],
        claims=MappingProxyType(payload),
    )


def _numeric_date(payload: Mapping[str, Any], name: str) -> float:
    value = payload[name]
    # bool is an int subclass and NaN/Infinity parse as JSON floats in Python:
    # neither is a NumericDate (RFC 7519 §2).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAccessToken(f"non-numeric {name}")
    try:
        number = float(value)  # a huge JSON integer overflows here
    except OverflowError:
        raise InvalidAccessToken(f"{name} out of range") from None
    if not math.isfinite(number):
        raise InvalidAccessToken(f"non-numeric {name}")
    return number


def _to_datetime(timestamp: float, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidAccessToken(f"{name} out of range") from None


def truncate_to_milliseconds(moment: datetime) -> datetime:
    # Truncate (not round) so a token never claims to be issued later than it
    # really was; a revocation cut-off therefore errs on the safe side.
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def _require_aware(now: datetime) -> None:
    # A naive datetime would be interpreted in the server's local zone.
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


class AccessTokenVerifier:
    """`decode_access_token` with a bounded memo of verified signatures.

    The signature check is most of a decode's cost, and the same token string under the same key always verifies
    the same way; its times are still checked against `now` on every use. A token that fails is never memoised.
    """

    def __init__(self, config: AccessTokenConfig, *, max_entries: int = 4096) -> None:
        self.config = config
        self.max_entries = max_entries
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        payload = self._verified.get(token)
        if payload is None:
            claims = decode_access_token(self.config, token, now=now)
            self._remember(token, dict(claims.claims))
            return claims
        _require_aware(now)
        return _check_times(payload, now, self.config.leeway)

    def _remember(self, token: str, payload: dict[str, Any]) -> None:
        self._verified[token] = payload
        if len(self._verified) > self.max_entries:
            self._verified.popitem(last=False)
