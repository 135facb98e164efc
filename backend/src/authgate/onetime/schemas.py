from __future__ import annotations

from pydantic import BaseModel, Field

from authgate.onetime.service import MAX_TOKEN_LENGTH


class TokenField(BaseModel):
    # a token longer than any we issue is refused before the database is asked
    token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH)
