"""TOTP (RFC 6238) and backup codes, with an injected clock: no sleeps."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from authgate.security import derive_key
from authgate.security.sealing import Unsealable, seal, unseal
from authgate.security.totp import (
    STEP_SECONDS,
    backup_code_hash,
    code_at,
    matching_step,
    new_backup_codes,
    new_secret,
    provisioning_uri,
    step_of,
)

NOW = datetime(2026, 12, 1, 12, 0, 10, tzinfo=UTC)
# RFC 6238 Appendix B: the SHA-1 secret "12345678901234567890", T = 59 s → 94287082 (8 digits; 6 digits: 287082)
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_the_rfc_test_vector() -> None:
    assert code_at(RFC_SECRET, 59 // STEP_SECONDS) == "287082"


def test_a_secret_has_160_random_bits() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(s) == 32 and len(base64.b32decode(s)) == 20 for s in secrets)


def test_the_current_and_neighbouring_steps_are_accepted() -> None:
    secret = new_secret()
    current = step_of(NOW)
    for step in (current - 1, current, current + 1):
        assert matching_step(secret, code_at(secret, step), NOW, None) == step
    for step in (current - 2, current + 2):
        assert matching_step(secret, code_at(secret, step), NOW, None) is None


def test_each_step_is_accepted_once_and_never_an_earlier_one() -> None:
    # RFC 6238 §5.2: the verifier must not accept the second attempt of a code; nor, once a step is used, an older one
    secret = new_secret()
    current = step_of(NOW)
    assert matching_step(secret, code_at(secret, current), NOW, last_used_step=current) is None
    assert matching_step(secret, code_at(secret, current - 1), NOW, last_used_step=current) is None
    assert matching_step(secret, code_at(secret, current + 1), NOW, last_used_step=current) == current + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_match_nothing(code: str) -> None:
    assert matching_step(new_secret(), code, NOW, None) is None


def test_spaces_in_a_typed_code_are_ignored() -> None:
    secret = new_secret()
    code = code_at(secret, step_of(NOW))
    assert matching_step(secret, f"{code[:3]} {code[3:]}", NOW, None) == step_of(NOW)


def test_a_code_is_bound_to_its_time() -> None:
    secret = new_secret()
    code = code_at(secret, step_of(NOW))
    assert matching_step(secret, code, NOW + timedelta(seconds=3 * STEP_SECONDS), None) is None


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    uri = provisioning_uri(RFC_SECRET, account="ada@example.com", issuer="Robotics Textbook")
    assert uri.startswith("otpauth://totp/Robotics%20Textbook:ada%40example.com?")
    assert f"secret={RFC_SECRET}" in uri and "issuer=Robotics%20Textbook" in uri


def test_backup_codes_are_ten_distinct_50_bit_codes_stored_only_as_keyed_hashes() -> None:
    codes = new_backup_codes()
    assert len(codes) == 10 == len(set(codes))
    assert all(len(c) == 11 and c[5] == "-" for c in codes)
    key = derive_key("k" * 40, "backup codes")
    stored = backup_code_hash(key, codes[0])
    assert codes[0] not in stored and len(stored) == 64
    # typed with spaces, upper case or without the dash: the same code
    assert backup_code_hash(key, codes[0].upper().replace("-", " ")) == stored
    assert backup_code_hash(derive_key("o" * 40, "backup codes"), codes[0]) != stored


def test_a_sealed_secret_opens_only_with_its_key_and_context() -> None:
    key = derive_key("k" * 40, "authgate totp secret")
    sealed = seal(key, "JBSWY3DPEHPK3PXP", context=b"user-1")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert unseal(key, sealed, context=b"user-1") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(Unsealable):
        unseal(key, sealed, context=b"user-2")
    with pytest.raises(Unsealable):
        unseal(derive_key("o" * 40, "authgate totp secret"), sealed, context=b"user-1")
    with pytest.raises(Unsealable):
        unseal(key, sealed[:-4] + "AAAA", context=b"user-1")
