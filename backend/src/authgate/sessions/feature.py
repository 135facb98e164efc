"""Sessions: refresh-token rotation with reuse detection, sign-out."""

from __future__ import annotations

from authgate.errors import RefreshTokenInvalid, RefreshTokenReused
from authgate.events.service import EventType
from authgate.feature import Feature
from authgate.sessions.router import add_routes

FEATURE = Feature(
    name="sessions",
    add_routes=add_routes,
    tables=("refresh_tokens",),
    errors=(RefreshTokenInvalid, RefreshTokenReused),
    events=(EventType.REFRESH_TOKEN_REUSED, EventType.SIGNED_OUT),
    rate_limits=("refresh_ip",),
)
