"""One canonical form for every email address: the account lookup, the uniqueness index, every limit and lockout key.

An attack pass found the forgot-password limit keyed on the raw text while the lookup used the validated address:
`"n1 <victim@example.com>"`, `"n2 <victim@example.com>"` and `victim@ｅｘａｍｐｌｅ.com` reached one account under
three limiter keys. Here the schemas and the limiter both call `canonical_email`, so they cannot disagree.

The form: pydantic's email validation (the one behind `EmailStr`: a display name is dropped, the domain goes
through IDNA, so full-width and upper-case domains become their plain spelling), then lower case. A local part that
NFKC would change (full-width or compatibility characters, `ｖｉｃｔｉｍ@…`) is refused rather than guessed at:
mail must go to the mailbox the reader typed, and an address must not have look-alike twins. For the same reason
a local part or domain label that mixes scripts (`vіctim` with a Cyrillic і, `exаmple` with a Cyrillic а) is refused
(Unicode TS #39's mixed-script test, with the usual Japanese and Korean combinations allowed), and so is a local part
whose lower case is not the same characters (`İ` lower-cases to `i` plus a combining dot).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

# the users.email column
MAX_EMAIL_LENGTH = 255
# input longer than this is not parsed at all
MAX_EMAIL_INPUT = 320


class InvalidEmail(ValueError):
    """Not an address this service accepts; the message is safe to show."""


def canonical_email(value: str) -> str:
    """The address as stored and as every key is made from; raises InvalidEmail."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_EMAIL_INPUT:
        raise InvalidEmail("value is not a valid email address")
    try:
        _name, address = validate_email(value)
    except PydanticCustomError as error:
        raise InvalidEmail(str(error)) from None
    local, _, domain = address.rpartition("@")
    if unicodedata.normalize("NFKC", local) != local or len(local.lower()) != len(local):
        raise InvalidEmail("value is not a valid email address: write the part before the @ in plain characters")
    if any(_mixes_scripts(part) for part in (local, *domain.split("."))):
        raise InvalidEmail("value is not a valid email address: it mixes letters of different alphabets")
    canonical = f"{local.lower()}@{domain.lower()}"
    if len(canonical) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(f"value is not a valid email address: at most {MAX_EMAIL_LENGTH} characters")
    return canonical


# scripts that one writing system uses together (Japanese: Han + kana; Korean: Han + Hangul)
_COMPATIBLE_SCRIPTS = ({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}, {"CJK", "HANGUL"})


def _script(char: str) -> str:
    # the first word of a letter's Unicode name: LATIN, CYRILLIC, GREEK, CJK, HIRAGANA, ARABIC, ...
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def _mixes_scripts(text: str) -> bool:
    scripts = {_script(char) for char in text if char.isalpha()}
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _COMPATIBLE_SCRIPTS)


def canonical_email_or_none(value: Any) -> str | None:
    """For callers that only key on an address (rate limits): None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return canonical_email(value)
    except InvalidEmail:
        return None


def _validated(value: str) -> str:
    try:
        return canonical_email(value)
    except InvalidEmail as error:
        raise PydanticCustomError("value_error", "{reason}", {"reason": str(error)}) from None


# the request-body type of every email field
Email = Annotated[
    str,
    AfterValidator(_validated),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH}),
]
