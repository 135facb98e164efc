"""Devices: the reader's sign-ins, listed and ended."""

from __future__ import annotations

from authgate.devices.router import add_routes
from authgate.errors import SessionNotFound
from authgate.events.service import EventType
from authgate.feature import Feature

FEATURE = Feature(
    name="devices",
    add_routes=add_routes,
    errors=(SessionNotFound,),
    events=(EventType.SESSION_REVOKED, EventType.SIGNED_OUT_EVERYWHERE),
)
