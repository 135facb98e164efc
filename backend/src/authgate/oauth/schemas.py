from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from authgate.accounts.schemas import MAX_PASSWORD_INPUT


class ProviderOut(BaseModel):
    id: str
    name: str


class IdentityOut(BaseModel):
    id: uuid.UUID
    provider: str
    name: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


class ProofRequest(BaseModel):
    """The current password, for a reader who has one; a reader without a password needs a recent sign-in."""

    password: str | None = Field(default=None, min_length=1, max_length=MAX_PASSWORD_INPUT)


class AuthorizeResponse(BaseModel):
    authorize_url: str
