from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


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


class AuthorizeResponse(BaseModel):
    authorize_url: str
