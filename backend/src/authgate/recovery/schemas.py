from __future__ import annotations

from pydantic import BaseModel, Field

from authgate.accounts.schemas import MAX_PASSWORD_INPUT
from authgate.identifiers import Email
from authgate.onetime.schemas import TokenField


class ForgotPasswordRequest(BaseModel):
    email: Email


class ResetPasswordRequest(TokenField):
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)


class ChangePasswordRequest(BaseModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)
