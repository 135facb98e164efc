"""Privacy: the reader's data exported, their security events, erasure."""

from __future__ import annotations

from authgate.events.service import EventType
from authgate.feature import Feature
from authgate.privacy.router import add_routes

FEATURE = Feature(name="privacy", add_routes=add_routes, events=(EventType.DATA_EXPORTED,))
