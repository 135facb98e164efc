from __future__ import annotations

from pydantic import BaseModel, Field

from authgate.accounts.schemas import MAX_PASSWORD_INPUT
from authgate.identifiers import Email
from authgate.onetime.schemas import TokenField


class VerifyEmailRequest(TokenField):
    pass


class VerifyEmailResponse(BaseModel):
    email: str
    is_verified: bool


class ChangeEmailRequest(BaseModel):
    new_email: Email
    # the current password (a reader without one needs a recent sign-in instead)
    password: str | None = Field(default=None, min_length=1, max_length=MAX_PASSWORD_INPUT)
