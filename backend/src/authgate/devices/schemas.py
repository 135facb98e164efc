from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class SessionOut(BaseModel):
    """One sign-in: a refresh-token family, however often it was rotated since."""

    id: uuid.UUID = Field(description="The sign-in's id, for DELETE /auth/sessions/{id}")
    created_at: datetime = Field(description="When the reader signed in")
    last_used_at: datetime = Field(description="The newest sign-in or refresh of this session")
    ip_address: str | None = Field(description="Client address of the newest sign-in or refresh")
    user_agent: str | None = Field(description="User agent of the newest sign-in or refresh")
    current: bool = Field(description="Whether this is the session of the refresh cookie sent with this request")
