import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from authgate.security import (
    AccessTokenConfig,
    InvalidAccessToken,
    decode_access_token,
    issue_access_token,
)

SECRET = "test-secret-that-is-at-least-32-bytes-long!"
CONFIG = AccessTokenConfig(secret=SECRET, issuer="authgate", audience="authgate-api", lifetime=timedelta(minutes=30))
NOW = datetime(2025, 1, 15, 12, 0, 0, 123456, tzinfo=UTC)
REQUIRED = ("exp", "iat", "sub", "iss", "aud", "jti")
# RFC 9068 §2.1: the header of every access token
TYPED = {"alg": "HS256", "typ": "at+jwt"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj: Any) -> str:
    return b64url(json.dumps(obj).encode())


def hand_made_token(header: Any, payload: Any, *, secret: str | None = SECRET, digest=hashlib.sha256) -> str:
    """Build a JWS compact token byte by byte, bypassing PyJWT's encoder."""
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    if secret is None:
        return signing_input + "."
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def valid_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "sub": "user-1",
        "iss": "authgate",
        "aud": "authgate-api",
        "iat": NOW.timestamp(),
        "exp": int(NOW.timestamp()) + 1800,
        "jti": "0123456789abcdef",
    }
    payload.update(overrides)
    return payload


def rejection(token: Any, *, config: AccessTokenConfig = CONFIG, now: datetime = NOW) -> str:
    with pytest.raises(InvalidAccessToken) as excinfo:
        decode_access_token(config, token, now=now)
    reason = excinfo.value.reason
    if isinstance(token, str) and len(token) > 10:
        assert token not in reason and token not in str(excinfo.value)
    return reason


# --- happy path -------------------------------------------------------------


def test_issue_then_decode_round_trips():
    token, issued = issue_access_token(CONFIG, subject="user-1", now=NOW, extra={"role": "admin"})
    decoded = decode_access_token(CONFIG, token, now=NOW)
    assert decoded == issued
    assert decoded.subject == "user-1"
    assert decoded.expires_at == datetime(2025, 1, 15, 12, 30, 0, tzinfo=UTC)
    assert decoded.claims["role"] == "admin"
    assert decoded.claims["iss"] == "authgate"
    assert decoded.claims["aud"] == "authgate-api"
    assert len(decoded.jti) == 32


def test_hand_made_token_with_valid_signature_is_accepted():
    # Sanity check for the helper used by the attack tests below.
    assert decode_access_token(CONFIG, hand_made_token(TYPED, valid_payload()), now=NOW).subject == ("user-1")


def test_iat_has_millisecond_precision():
    token, issued = issue_access_token(CONFIG, subject="user-1", now=NOW)
    raw = jwt.decode(token, options={"verify_signature": False})
    assert raw["iat"] == pytest.approx(1736942400.123)
    assert isinstance(raw["iat"], float)
    assert isinstance(raw["exp"], int)
    # Truncated, never rounded up: the token never claims a later issue time.
    assert issued.issued_at == datetime(2025, 1, 15, 12, 0, 0, 123000, tzinfo=UTC)


def test_tokens_in_the_same_second_are_ordered_by_iat():
    _, first = issue_access_token(CONFIG, subject="u", now=NOW)
    _, second = issue_access_token(CONFIG, subject="u", now=NOW + timedelta(milliseconds=5))
    assert first.issued_at < second.issued_at
    assert first.jti != second.jti


@pytest.mark.parametrize("claim", ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"])
def test_extra_cannot_override_registered_claims(claim):
    with pytest.raises(ValueError, match="registered claims"):
        issue_access_token(CONFIG, subject="user-1", now=NOW, extra={claim: "evil"})


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        issue_access_token(CONFIG, subject="user-1", now=NOW.replace(tzinfo=None))


# --- configuration ----------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["none", "None", "RS256", "ES256", "PS256", "HS1"])
def test_config_rejects_algorithms_outside_the_hmac_allowlist(algorithm):
    with pytest.raises(ValueError, match="algorithm"):
        AccessTokenConfig(secret=SECRET, issuer="i", audience="a", lifetime=timedelta(minutes=5), algorithm=algorithm)


def test_config_rejects_leeway_over_30_seconds():
    with pytest.raises(ValueError, match="leeway"):
        AccessTokenConfig(
            secret=SECRET, issuer="i", audience="a", lifetime=timedelta(minutes=5), leeway=timedelta(seconds=31)
        )
    AccessTokenConfig(
        secret=SECRET, issuer="i", audience="a", lifetime=timedelta(minutes=5), leeway=timedelta(seconds=30)
    )


# --- algorithm attacks (RFC 8725 §2.1) --------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_token_rejected(alg):
    token = hand_made_token({"alg": alg, "typ": "JWT"}, valid_payload(), secret=None)
    assert rejection(token) == "algorithm not allowed"


def test_alg_none_with_a_signature_still_rejected():
    token = hand_made_token({"alg": "none"}, valid_payload())
    assert rejection(token) == "algorithm not allowed"


def test_token_signed_with_the_wrong_key_rejected():
    token = hand_made_token(TYPED, valid_payload(), secret="some-other-secret-of-32-bytes-or-more")
    assert rejection(token) == "bad signature"


def test_hs256_token_presented_to_hs512_config_rejected():
    hs512 = AccessTokenConfig(
        secret=SECRET, issuer="authgate", audience="authgate-api", lifetime=timedelta(minutes=30), algorithm="HS512"
    )
    token, _ = issue_access_token(CONFIG, subject="user-1", now=NOW)
    assert rejection(token, config=hs512) == "algorithm not allowed"


def test_rs256_alg_confusion_rejected():
    # Classic confusion: header claims RS256 but the token is HMAC-signed with
    # a key the server holds; a verifier trusting the header would accept it.
    token = hand_made_token({"alg": "RS256", "typ": "JWT"}, valid_payload())
    assert rejection(token) == "algorithm not allowed"


def test_tampered_payload_rejected():
    token, _ = issue_access_token(CONFIG, subject="user-1", now=NOW)
    header, _, signature = token.split(".")
    forged = f"{header}.{b64url_json(valid_payload(sub='admin'))}.{signature}"
    assert rejection(forged) == "bad signature"


# --- time checks ------------------------------------------------------------


def test_expired_token_rejected_once_past_exp_plus_leeway():
    token, claims = issue_access_token(CONFIG, subject="user-1", now=NOW)
    assert rejection(token, now=claims.expires_at + CONFIG.leeway) == "expired"
    assert rejection(token, now=claims.expires_at + timedelta(days=1)) == "expired"


def test_token_just_within_leeway_accepted():
    token, claims = issue_access_token(CONFIG, subject="user-1", now=NOW)
    just_within = claims.expires_at + CONFIG.leeway - timedelta(milliseconds=1)
    assert decode_access_token(CONFIG, token, now=just_within).subject == "user-1"


def test_iat_far_in_the_future_rejected():
    token = hand_made_token(TYPED, valid_payload(iat=NOW.timestamp() + 3600, exp=NOW.timestamp() + 7200))
    assert rejection(token) == "issued in the future"


def test_iat_slightly_in_the_future_within_leeway_accepted():
    token = hand_made_token(TYPED, valid_payload(iat=NOW.timestamp() + 5))
    assert decode_access_token(CONFIG, token, now=NOW).subject == "user-1"


def test_nbf_in_the_future_rejected():
    token = hand_made_token(TYPED, valid_payload(nbf=int(NOW.timestamp()) + 600))
    assert rejection(token) == "not yet valid"


def test_time_checks_use_the_injected_clock_not_the_system_clock():
    # Issued "in 2025" yet checked at a fixed instant: PyJWT's own wall-clock
    # checks would disagree, ours must not.
    past = datetime(2001, 1, 1, tzinfo=UTC)
    token, _ = issue_access_token(CONFIG, subject="user-1", now=past)
    assert decode_access_token(CONFIG, token, now=past + timedelta(minutes=1)).subject == "user-1"
    assert rejection(token, now=NOW) == "expired"


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", "tomorrow"),
        ("exp", True),
        ("exp", [1]),
        ("exp", float("nan")),
        ("exp", float("inf")),
        ("iat", "1736942400"),
        ("iat", False),
        ("iat", {"t": 1}),
        ("iat", float("-inf")),
    ],
)
def test_non_numeric_time_claims_rejected(claim, value):
    token = hand_made_token(TYPED, valid_payload(**{claim: value}))
    assert rejection(token) == f"non-numeric {claim}"


@pytest.mark.parametrize("exp", [10**400, 1e300])
def test_absurd_exp_rejected_without_crashing(exp):
    token = hand_made_token(TYPED, valid_payload(exp=exp))
    assert rejection(token) == "exp out of range"


# --- claim checks -----------------------------------------------------------


def test_wrong_audience_rejected():
    token = hand_made_token(TYPED, valid_payload(aud="some-other-api"))
    assert rejection(token) == "wrong audience"


def test_audience_list_rejected():
    token = hand_made_token(TYPED, valid_payload(aud=["authgate-api", "other"]))
    assert rejection(token) == "wrong audience"


def test_wrong_issuer_rejected():
    token = hand_made_token(TYPED, valid_payload(iss="https://evil.example"))
    assert rejection(token) == "wrong issuer"


@pytest.mark.parametrize("claim", REQUIRED)
def test_each_required_claim_is_required(claim):
    payload = valid_payload()
    del payload[claim]
    token = hand_made_token(TYPED, payload)
    assert rejection(token) == f"missing claim {claim}"


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("sub", 42, "invalid token"),
        ("sub", "", "empty subject"),
        ("jti", 7, "invalid token"),
        ("iss", ["authgate"], "wrong issuer"),
    ],
)
def test_wrongly_typed_claims_rejected(claim, value, reason):
    token = hand_made_token(TYPED, valid_payload(**{claim: value}))
    assert rejection(token) == reason


# --- malformed input --------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "....",
        "eyJ.eyJ.sig",
        "%%%.%%%.%%%",
        "\x00\x01\x02",
        "é.é.é",
        "\ud800.\udfff.x",
        f"{b64url_json([])}.{b64url_json(valid_payload())}.sig",
        f"{b64url_json('HS256')}.{b64url_json(valid_payload())}.sig",
        f"{b64url(b'{not json')}.{b64url_json(valid_payload())}.sig",
        f"{b64url_json({'alg': 'HS256'})}.{b64url(b'{not json')}.sig",
        f"{b64url_json({'alg': 'HS256'})}.{b64url_json(valid_payload())}.!!!",
        f"{b64url_json({'alg': 'HS256', 'crit': ['exp']})}.{b64url_json(valid_payload())}.sig",
        b64url(b"[" * 5000) + "." + b64url(b"{}") + ".sig",
    ],
)
def test_garbage_is_an_invalid_token_not_a_crash(garbage):
    rejection(garbage)


def test_validly_signed_non_object_payload_rejected():
    assert rejection(hand_made_token(TYPED, [1, 2, 3])) == "malformed token"
    assert rejection(hand_made_token(TYPED, "just a string")) == "malformed token"


@pytest.mark.parametrize("not_a_string", [None, b"bytes.bytes.bytes", 42])
def test_non_string_token_rejected(not_a_string):
    assert rejection(not_a_string) == "malformed token"


def test_token_over_8kb_rejected_even_if_validly_signed():
    token, _ = issue_access_token(CONFIG, subject="user-1", now=NOW, extra={"padding": "x" * 9000})
    assert len(token) > 8 * 1024
    assert rejection(token) == "token too large"


def test_verifier_rechecks_expiry_of_a_memoised_token() -> None:
    from authgate.security import AccessTokenVerifier

    config = AccessTokenConfig(secret="k" * 48, issuer="i", audience="a", lifetime=timedelta(minutes=5))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    token, _ = issue_access_token(config, subject="s", now=now)
    verifier = AccessTokenVerifier(config, max_entries=2)
    assert verifier.verify(token, now=now).subject == "s"
    with pytest.raises(InvalidAccessToken):
        verifier.verify(token, now=now + timedelta(minutes=6))


def test_verifier_never_memoises_a_bad_signature() -> None:
    from authgate.security import AccessTokenVerifier

    config = AccessTokenConfig(secret="k" * 48, issuer="i", audience="a", lifetime=timedelta(minutes=5))
    other = AccessTokenConfig(secret="z" * 48, issuer="i", audience="a", lifetime=timedelta(minutes=5))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    forged, _ = issue_access_token(other, subject="s", now=now)
    verifier = AccessTokenVerifier(config)
    for _ in range(2):
        with pytest.raises(InvalidAccessToken):
            verifier.verify(forged, now=now)


def test_verifier_memo_is_bounded() -> None:
    from authgate.security import AccessTokenVerifier

    config = AccessTokenConfig(secret="k" * 48, issuer="i", audience="a", lifetime=timedelta(minutes=5))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    verifier = AccessTokenVerifier(config, max_entries=3)
    for n in range(10):
        verifier.verify(issue_access_token(config, subject=str(n), now=now)[0], now=now)
    assert len(verifier._verified) == 3


def test_issued_tokens_are_typed_at_jwt() -> None:
    token, _ = issue_access_token(CONFIG, subject="user-1", now=NOW)
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt"])
def test_the_access_token_type_is_accepted_in_each_spelling(typ: str) -> None:
    token = hand_made_token({"alg": "HS256", "typ": typ}, valid_payload())
    assert decode_access_token(CONFIG, token, now=NOW).subject == "user-1"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256"},
        {"alg": "HS256", "typ": "JWT"},
        {"alg": "HS256", "typ": 1},
        {"alg": "HS256", "typ": "id_token+jwt"},
        {"alg": "HS256", "typ": "at+jwt2"},
    ],
)
def test_a_correctly_signed_token_that_is_not_typed_as_an_access_token_is_refused(header: dict[str, Any]) -> None:
    # RFC 8725 §3.11: another JWT signed with the same key must not pass as an access token
    assert rejection(hand_made_token(header, valid_payload())) == "not an access token (typ)"


def test_a_public_key_is_refused_as_an_hmac_secret_every_time():
    # RFC 8725 §2.1: a verifier handed a PEM public key as its HMAC secret would accept tokens anyone can sign with
    # that public key. PyJWT's check is run once per key and kept: a refusal must never be kept as a pass.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    public_pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    config = AccessTokenConfig(
        secret=public_pem, issuer="authgate", audience="authgate-api", lifetime=timedelta(minutes=5)
    )
    for _ in range(3):
        with pytest.raises(jwt.InvalidKeyError):
            issue_access_token(config, subject="user-1", now=NOW)
    # the same key, given to a verifier: never a valid token either
    forged = hand_made_token({"alg": "HS256", "typ": "at+jwt"}, valid_payload(), secret=public_pem)
    for _ in range(3):
        assert rejection(forged, config=config) == "invalid token"
