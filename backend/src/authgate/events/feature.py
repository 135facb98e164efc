"""Security events: the table every feature records into."""

from __future__ import annotations

from authgate.feature import Feature

FEATURE = Feature(name="events", tables=("security_events",))
