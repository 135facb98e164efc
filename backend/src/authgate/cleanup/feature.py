"""The background purge: no routes; a table of its own that lets one process per interval run it."""

from __future__ import annotations

from authgate.feature import Feature

FEATURE = Feature(name="cleanup", tables=("scheduled_runs",))
