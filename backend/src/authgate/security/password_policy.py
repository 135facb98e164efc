"""Sign-up password rules, following NIST SP 800-63B-4 §3.1.1.2 (§5.1.1.2 in revision 3).

NIST asks for a length window, a blocklist of commonly used, expected and
context-specific passwords, and explicitly NO composition rules (no "must
contain a digit and a symbol"), because those push users towards predictable
patterns such as "Password1!".

Besides the whole password, the blocklist checks look at its *core*: the
password casefolded with leading and trailing digits, punctuation, symbols and
spaces removed. Appending "123" or "!!" to a blocked word (or prefixing "2024")
is the first variation any guessing attack tries, so "Textbook!!2024" counts
as "textbook".
"""

import functools
import gzip
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

from .passwords import normalize_password

_COMMON_PASSWORDS_FILE = "common_passwords.txt.gz"
# Context words and pieces of the email shorter than this are ignored: "al" or
# "co" would block far too many good passwords and protect almost nothing.
_MIN_CONTEXT_WORD_LENGTH = 3
# A core this long or longer that is one unit repeated is refused ("dragondragon").
_MIN_REPEATED_CORE = 4
# Separators that split an email's local part into pieces ("alice.smith+news").
_LOCAL_PART_SEPARATORS = re.compile(r"[._+\-]")

_TOO_COMMON = "This password is too common; choose another"
_IS_EMAIL = "Password must not be your email address"
_FROM_EMAIL = "Password must not be based on your email address"
_FROM_CONTEXT = "Password must not be based on the name or topic of this site"
_REPEATED = "Password must not be a repeated word or pattern"


class PasswordRejected(ValueError):
    """The password breaks the policy; ``reason`` is safe to show the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_password_policy(
    password: str,
    *,
    email: str | None = None,
    context_words: Iterable[str] = (),
    min_length: int = 8,
    max_length: int = 128,
) -> str:
    """Return the NFKC-normalised password or raise ``PasswordRejected``.

    Length is counted in Unicode code points after NFKC, as NIST SP 800-63B
    requires, so "ｐａｓｓ" and "pass" have the same length.

    ``context_words`` are words tied to the deployment (the site's and
    product's names, its topic); a password that is one of them, give or take
    surrounding digits and symbols, or one repeated, is refused. So are the
    email address, its local part, the pieces of the local part and the
    labels of its domain (except the top-level one), and passwords found in
    the shipped list of common passwords.
    """
    if isinstance(context_words, str):
        # a bare string would silently be read as one-letter words
        raise TypeError("context_words must be an iterable of words, not a single string")
    normalized = normalize_password(password)
    _check_length(normalized, min_length, max_length)

    folded = fold_password(normalized)
    core = password_core(folded)
    candidates = {folded, core} - {""}
    _check_not_email(candidates, email)
    site_words = _context_word_set(context_words)
    if candidates & site_words:
        raise PasswordRejected(_FROM_CONTEXT)
    common = common_passwords()
    if candidates & common:
        raise PasswordRejected(_TOO_COMMON)
    _check_not_repeated(folded, core)
    return normalized


def fold_password(text: str) -> str:
    """NFKC, casefold, NFKC again: the form every blocklist comparison uses.

    Casefolding can undo NFKC (and vice versa) for a few characters, hence the
    second pass; the generator of the common-password list folds the same way.
    """
    return unicodedata.normalize("NFKC", normalize_password(text).casefold())


def password_core(text: str) -> str:
    """``text`` without leading/trailing digits, punctuation, symbols and spaces."""
    start, end = 0, len(text)
    while start < end and _is_decoration(text[start]):
        start += 1
    while end > start and _is_decoration(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_decoration(char: str) -> bool:
    # Unicode general categories N* (digits, numerals), P* (punctuation),
    # S* (symbols, incl. currency and emoji) and Z* (spaces), plus whitespace
    # controls such as tab.
    return char.isspace() or unicodedata.category(char)[0] in "NPSZ"


def _check_length(password: str, min_length: int, max_length: int) -> None:
    # NIST: at least 8 characters; allow at least 64. The upper bound also
    # caps how much work one login request can make the hasher do.
    if len(password) < min_length:
        raise PasswordRejected(f"Password must be at least {min_length} characters")
    if len(password) > max_length:
        raise PasswordRejected(f"Password must be at most {max_length} characters")


def _check_not_email(candidates: set[str], email: str | None) -> None:
    # NIST: reject context-specific words such as the username (here, the email).
    if not email:
        return
    if fold_password(email).strip() in candidates:
        raise PasswordRejected(_IS_EMAIL)
    if candidates & _email_word_set(email):
        raise PasswordRejected(_FROM_EMAIL)


def _email_word_set(email: str | None) -> set[str]:
    """The local part, its pieces and the domain labels but the last, folded."""
    if not email:
        return set()
    local, _, domain = fold_password(email).strip().rpartition("@")
    if not local:  # not an address at all: treat the whole value as a name
        local, domain = domain, ""
    words = {local, password_core(local)} - {""}
    for piece in _LOCAL_PART_SEPARATORS.split(local):
        words.update(_long_enough(piece, password_core(piece)))
    words.update(_long_enough(*domain.split(".")[:-1]))
    return words


def _context_word_set(context_words: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for word in context_words:
        folded = fold_password(word).strip()
        words.update(_long_enough(folded, password_core(folded)))
    return words


def _long_enough(*words: str) -> set[str]:
    return {word for word in words if len(word) >= _MIN_CONTEXT_WORD_LENGTH}


def _check_not_repeated(folded: str, core: str) -> None:
    # "aaaaaaaa", "12121212", "abcabcabcabc": the whole password is one unit
    # repeated. "passwordpassword1!", "dragondragon1": the core is a word said
    # twice or more (the list only holds 8+ characters, so a short word doubled
    # would slip past it); a doubled word adds next to nothing to a guess.
    if _repeating_units(folded) or (len(core) >= _MIN_REPEATED_CORE and _repeating_units(core)):
        raise PasswordRejected(_REPEATED)


def _repeating_units(text: str) -> list[str]:
    """Every ``unit`` such that ``text == unit * k`` for some k >= 2."""
    length = len(text)
    return [
        text[:size]
        for size in range(1, length // 2 + 1)
        if length % size == 0 and text[:size] * (length // size) == text
    ]


@functools.cache
def common_passwords() -> frozenset[str]:
    """Load the blocklist once, on first use, from the installed package data.

    ``common_passwords.txt.gz`` is gzip-compressed UTF-8, one folded password
    per line (see ``scripts/build_common_passwords.py``).
    """
    data = resources.files("authgate.security").joinpath(_COMMON_PASSWORDS_FILE).read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    return frozenset(line for line in (raw.strip() for raw in text.splitlines()) if line)
