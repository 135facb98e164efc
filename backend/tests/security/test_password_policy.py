import pytest

from authgate.security import PasswordRejected, check_password_policy
from authgate.security.password_policy import common_passwords


def reason_for(password: str, **kwargs: str) -> str:
    with pytest.raises(PasswordRejected) as excinfo:
        check_password_policy(password, **kwargs)
    return excinfo.value.reason


def test_quickstart_example_passes():
    assert check_password_policy("SecureP@ssw0rd", email="user@example.com") == "SecureP@ssw0rd"


@pytest.mark.parametrize("password", ["password123", "PassWord123", "qwerty123", "iloveyou", "12345678"])
def test_common_password_rejected_case_insensitively(password):
    assert reason_for(password) == "This password is too common; choose another"


def test_seven_characters_rejected():
    assert reason_for("kx7#vq2") == "Password must be at least 8 characters"


def test_eight_characters_accepted():
    assert check_password_policy("kx7#vq2m") == "kx7#vq2m"


def test_128_characters_accepted_129_rejected():
    assert check_password_policy("k" * 127 + "x") == "k" * 127 + "x"
    assert reason_for("k" * 129) == "Password must be at most 128 characters"


def test_custom_length_bounds():
    assert reason_for("kx7#vq2m", min_length=12) == "Password must be at least 12 characters"


def test_fullwidth_digits_equal_their_ascii_form():
    assert check_password_policy("Tr0ub4dor&\uff13\uff14") == "Tr0ub4dor&34"


def test_length_counted_in_code_points_after_nfkc():
    # 8 code points as typed ("e" + combining acute, four times), 4 after NFKC.
    decomposed = "e\u0301" * 4
    assert len(decomposed) == 8
    assert reason_for(decomposed) == "Password must be at least 8 characters"
    # Non-ASCII characters count once each: 8 code points, many more UTF-8 bytes.
    assert check_password_policy("日本語のパスワ一ド") == "日本語のパスワ一ド"


def test_fullwidth_common_password_is_still_common():
    assert reason_for("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44") == (
        "This password is too common; choose another"
    )


def test_email_as_password_rejected():
    assert reason_for("Alice@Example.com", email="alice@example.com") == ("Password must not be your email address")


def test_password_rejected_is_a_value_error_with_reason():
    error = PasswordRejected("nope")
    assert isinstance(error, ValueError)
    assert error.reason == "nope"


def test_common_password_list_ships_and_is_well_formed():
    words = common_passwords()
    assert len(words) >= 250
    assert all(word == word.lower() and len(word) >= 8 for word in words)
    assert "password123" in words
    assert "securep@ssw0rd" not in words
