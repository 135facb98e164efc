"""One canonical form for every email address: the account lookup, the uniqueness index, every limit and lockout key.

An attack pass found the forgot-password limit keyed on the raw text while the lookup used the validated address:
`"n1 <victim@example.com>"`, `"n2 <victim@example.com>"` and `victim@ｅｘａｍｐｌｅ.com` reached one account under
three limiter keys. Here the schemas and the limiter both call `canonical_email`, so they cannot disagree.

The form: pydantic's email validation (the one behind `EmailStr`: a display name is dropped, the domain goes
through IDNA, so full-width and upper-case domains become their plain spelling), then lower case. A local part that
NFKC would change (full-width or compatibility characters, `ｖｉｃｔｉｍ@…`) is refused rather than guessed at:
mail must go to the mailbox the reader typed, and an address must not have look-alike twins.
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
    if unicodedata.normalize("NFKC", local) != local:
        raise InvalidEmail("value is not a valid email address: write the part before the @ in plain characters")
    canonical = f"{local.lower()}@{domain.lower()}"
    if len(canonical) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(f"value is not a valid email address: at most {MAX_EMAIL_LENGTH} characters")
    return canonical


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
