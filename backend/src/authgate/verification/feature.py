"""Verification: mailed verification links and changes of address."""

from __future__ import annotations

from authgate.errors import TokenInvalid
from authgate.events.service import EventType
from authgate.feature import Feature
from authgate.verification.router import add_routes

FEATURE = Feature(
    name="verification",
    add_routes=add_routes,
    errors=(TokenInvalid,),
    events=(
        EventType.EMAIL_VERIFICATION_SENT,
        EventType.EMAIL_VERIFIED,
        EventType.EMAIL_CHANGE_REQUESTED,
        EventType.EMAIL_CHANGED,
    ),
    rate_limits=("verification_ip", "mail_account"),
)
