"""Mail: the outbox every mail is written to, and its sender. No routes of its own."""

from __future__ import annotations

from authgate.feature import Feature

FEATURE = Feature(name="mail", tables=("mail_outbox",))
