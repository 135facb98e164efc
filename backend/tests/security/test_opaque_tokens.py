import hashlib
import re

from authgate.security import derive_key, hash_token, new_opaque_token, successor_token, tokens_equal

URLSAFE_NO_PADDING = re.compile(r"^[A-Za-z0-9_-]+$")


def test_new_opaque_token_has_256_bits_urlsafe():
    token = new_opaque_token()
    assert len(token) == 43  # 32 bytes, base64url without padding
    assert URLSAFE_NO_PADDING.match(token)


def test_new_opaque_tokens_do_not_repeat():
    assert len({new_opaque_token() for _ in range(200)}) == 200


def test_hash_token_is_sha256_hex_and_not_the_token():
    token = new_opaque_token()
    digest = hash_token(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in digest
    assert hash_token(token) == digest
    assert hash_token(token + "x") != digest


def test_derive_key_separates_purposes():
    jwt_key = derive_key("app-secret", "access-token")
    successor_key = derive_key("app-secret", "refresh-successor")
    assert jwt_key != successor_key
    assert len(jwt_key) == 32
    assert derive_key("app-secret", "access-token") == jwt_key
    assert derive_key("other-secret", "access-token") != jwt_key


def test_successor_token_is_deterministic_for_concurrent_refreshes():
    key = derive_key("app-secret", "refresh-successor")
    presented = new_opaque_token()
    first_tab = successor_token(key, presented)
    second_tab = successor_token(key, presented)
    assert first_tab == second_tab
    assert len(first_tab) == 43
    assert URLSAFE_NO_PADDING.match(first_tab)


def test_successor_token_depends_on_key_and_presented_token():
    key = derive_key("app-secret", "refresh-successor")
    presented = new_opaque_token()
    successor = successor_token(key, presented)
    assert successor != presented
    assert successor != successor_token(derive_key("app-secret", "other-purpose"), presented)
    assert successor != successor_token(key, new_opaque_token())


def test_tokens_equal():
    token = new_opaque_token()
    assert tokens_equal(token, token)
    assert not tokens_equal(token, token[:-1])
    assert not tokens_equal(token, new_opaque_token())
    assert tokens_equal("naïve-ü", "naïve-ü")
