"""Profile: GET /auth/me and PATCH /auth/me/profile."""

from __future__ import annotations

from authgate.events.service import EventType
from authgate.feature import Feature
from authgate.profile.router import add_routes

FEATURE = Feature(name="profile", add_routes=add_routes, events=(EventType.PROFILE_UPDATED,))
