"""Recovery: forgotten password, reset, change of password."""

from __future__ import annotations

from authgate.events.service import EventType
from authgate.feature import Feature
from authgate.recovery.router import add_routes

FEATURE = Feature(
    name="recovery",
    add_routes=add_routes,
    events=(EventType.PASSWORD_RESET_REQUESTED, EventType.PASSWORD_RESET, EventType.PASSWORD_CHANGED),
    rate_limits=("forgot_password_ip", "forgot_password_account", "reset_password_ip"),
)
