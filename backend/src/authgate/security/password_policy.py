"""Sign-up password rules, following NIST SP 800-63B §5.1.1.2.

NIST asks for a length window, a blocklist of commonly used and
context-specific passwords, and explicitly NO composition rules (no "must
contain a digit and a symbol"), because those push users towards predictable
patterns such as "Password1!".
"""

import functools
from importlib import resources

from .passwords import normalize_password

_COMMON_PASSWORDS_FILE = "common_passwords.txt"


class PasswordRejected(ValueError):
    """The password breaks the policy; ``reason`` is safe to show the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_password_policy(
    password: str, *, email: str | None = None, min_length: int = 8, max_length: int = 128
) -> str:
    """Return the NFKC-normalised password or raise ``PasswordRejected``.

    Length is counted in Unicode code points after NFKC, as NIST SP 800-63B
    requires, so "ｐａｓｓ" and "pass" have the same length.
    """
    normalized = normalize_password(password)
    _check_length(normalized, min_length, max_length)
    _check_not_email(normalized, email)
    _check_not_common(normalized)
    return normalized


def _check_length(password: str, min_length: int, max_length: int) -> None:
    # NIST: at least 8 characters; allow at least 64. The upper bound also
    # caps how much work one login request can make the hasher do.
    if len(password) < min_length:
        raise PasswordRejected(f"Password must be at least {min_length} characters")
    if len(password) > max_length:
        raise PasswordRejected(f"Password must be at most {max_length} characters")


def _check_not_email(password: str, email: str | None) -> None:
    # NIST: reject context-specific words such as the username (here, the email).
    if email and password.casefold() == normalize_password(email).strip().casefold():
        raise PasswordRejected("Password must not be your email address")


def _check_not_common(password: str) -> None:
    # NIST: reject values found in lists of commonly used passwords; these are
    # the first guesses of any online guessing attack.
    if password.casefold() in common_passwords():
        raise PasswordRejected("This password is too common; choose another")


@functools.cache
def common_passwords() -> frozenset[str]:
    """Load the blocklist once, on first use, from the installed package data."""
    text = resources.files("authgate.security").joinpath(_COMMON_PASSWORDS_FILE).read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))
