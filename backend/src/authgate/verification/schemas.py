from __future__ import annotations

from pydantic import BaseModel

from authgate.identifiers import Email
from authgate.onetime.schemas import TokenField
from authgate.shared import ProofFields


class VerifyEmailRequest(TokenField):
    pass


class VerifyEmailResponse(BaseModel):
    email: str
    is_verified: bool


class ChangeEmailRequest(ProofFields):
    new_email: Email
