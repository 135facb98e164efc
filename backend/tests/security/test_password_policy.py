import gzip
from importlib import resources

import pytest

from authgate.security import PasswordRejected, check_password_policy
from authgate.security.password_policy import common_passwords, password_core

TOO_COMMON = "This password is too common; choose another"
IS_EMAIL = "Password must not be your email address"
FROM_EMAIL = "Password must not be based on your email address"
FROM_CONTEXT = "Password must not be based on the name or topic of this site"
REPEATED = "Password must not be a repeated word or pattern"
SITE_WORDS = ("authgate", "textbook", "robotics", "humanoid")


def reason_for(password: str, **kwargs: object) -> str:
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
    assert len(words) > 10_000
    assert all(word == word.casefold() and word == word.strip() and len(word) >= 8 for word in words)
    assert {"password123", "qwertyuiop", "iloveyou1"} <= words
    assert "securep@ssw0rd" not in words


def test_common_password_list_is_compressed_sorted_and_deduplicated():
    package = resources.files("authgate.security")
    assert not package.joinpath("common_passwords.txt").is_file()
    lines = gzip.decompress(package.joinpath("common_passwords.txt.gz").read_bytes()).decode("utf-8").splitlines()
    assert lines == sorted(set(lines))
    assert len(lines) == len(common_passwords())


# --- the attack pass: each rule, attacked -----------------------------------


@pytest.mark.parametrize("password", ["qwertyuiop", "iloveyou1", "QwertyUIOP", "basketball", "1q2w3e4r5t"])
def test_entries_of_the_big_list_are_rejected(password):
    assert reason_for(password) == TOO_COMMON


@pytest.mark.parametrize("password", ["password!!", "2024qwertyuiop", "Iloveyou1!", "  football  "])
def test_common_password_with_digits_or_symbols_around_it_is_rejected(password):
    assert reason_for(password) == TOO_COMMON


@pytest.mark.parametrize(
    ("password", "core"),
    [
        ("Textbook!!2024", "textbook"),
        ("2024uni!!", "uni"),
        ("  alice.smith 99 ", "alice.smith"),
        ("¡¡Señor€€", "señor"),
        ("Tr0mb0ne-Galaxy-42", "tr0mb0ne-galaxy"),
        ("12345678", ""),
    ],
)
def test_core_strips_digits_punctuation_symbols_and_spaces_at_both_ends(password, core):
    assert password_core(password.casefold()) == core


@pytest.mark.parametrize(
    "password", ["textbook123", "Textbook!!", "Textbook!!2024", "2024-TEXTBOOK", "ｔｅｘｔｂｏｏｋ１２３"]
)
def test_context_word_with_digits_or_symbols_around_it_is_rejected(password):
    assert reason_for(password, context_words=("textbook",)) == FROM_CONTEXT


def test_context_words_are_folded_and_short_ones_ignored():
    assert reason_for("robotics2024", context_words=("  ROBOTICS ",)) == FROM_CONTEXT
    assert reason_for("Humanoid!!", context_words=("Ｈｕｍａｎｏｉｄ",)) == FROM_CONTEXT
    # "ai" and "" are too short to be context words: they block nothing
    assert check_password_policy("ai123456789!", context_words=("ai", "")) == "ai123456789!"


def test_context_word_inside_a_longer_password_is_fine():
    assert check_password_policy("my textbook of robotics", context_words=SITE_WORDS) == "my textbook of robotics"


def test_context_words_as_a_single_string_is_a_programming_error():
    with pytest.raises(TypeError):
        check_password_policy("kx7#vq2m-long", context_words="textbook")


def test_email_with_symbols_around_it_is_rejected_as_the_email():
    assert reason_for("alice@example.com!!", email="Alice@Example.com") == IS_EMAIL


@pytest.mark.parametrize(
    "password",
    [
        "alice2024!",  # a piece of the local part
        "Smith!1234",
        "2024uni!!",  # a label of the domain
        "News99!!",  # the piece after "+"
        "Letter!2024",  # a piece split on "-"
        "alice.smith+news-letter1",  # the whole local part
    ],
)
def test_password_based_on_the_email_is_rejected(password):
    assert reason_for(password, email="alice.smith+news-letter@uni.edu") == FROM_EMAIL


@pytest.mark.parametrize("password", ["alice.smith2024", "ALICE.SMITH!!", "2024-alice.smith"])
def test_email_local_part_with_digits_or_symbols_around_it_is_rejected(password):
    assert reason_for(password, email="alice.smith@uni.edu") == FROM_EMAIL


def test_email_local_part_core_and_its_pieces_are_checked():
    assert reason_for("jsmith!!!!", email="jsmith1987@example.org") == FROM_EMAIL
    assert reason_for("example2024", email="jsmith1987@example.org") == FROM_EMAIL
    assert reason_for("mailbox2024", email="someone@mailbox.example.org") == FROM_EMAIL


def test_short_email_pieces_and_the_top_level_domain_are_ignored():
    # "al" is below three characters and "edu" is the TLD: neither blocks anything
    assert check_password_policy("edu-12345678", email="al.x@uni.edu") == "edu-12345678"
    assert check_password_policy("al!!12345678", email="al.x@uni.edu") == "al!!12345678"


@pytest.mark.parametrize("password", ["passwordpassword", "textbooktextbook", "abcabcabcabc", "kkkkkkkkk", "12121212"])
def test_repeated_unit_is_rejected(password):
    assert reason_for(password, context_words=("textbook",)) == REPEATED


def test_repeated_unit_already_in_the_common_list_is_rejected_as_common():
    assert reason_for("aaaaaaaa") == TOO_COMMON


@pytest.mark.parametrize(
    "password",
    ["PasswordPassword1!", "2024TextbookTEXTBOOK!", "aliceALICEalice99", "dragondragon1", "Monkey123monkey123"],
)
def test_repeated_blocked_word_with_digits_or_symbols_around_it_is_rejected(password):
    assert reason_for(password, email="alice@example.com", context_words=("textbook",)) == REPEATED


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "SecureP@ssw0rd",
        "bench-Password-4711-unusual",
        "Tr0mb0ne-Galaxy-42",
        "orbiting kettle 42 sunrise",
        "Fresh-passphrase-42",
        "abcabcabcabd",
    ],
)
def test_good_passwords_still_pass(password):
    email = "alice.smith@uni.edu"
    assert check_password_policy(password, email=email, context_words=SITE_WORDS) == password
