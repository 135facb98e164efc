"""Single-use mailed tokens (verification, reset, change of address): no routes of their own."""

from __future__ import annotations

from authgate.feature import Feature

FEATURE = Feature(name="onetime", tables=("one_time_tokens",))
