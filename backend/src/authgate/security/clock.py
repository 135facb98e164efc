"""Time source for the security core.

Every time-dependent check takes ``now`` as an argument instead of reading the
system clock, so the rules can be tested deterministically and the caller owns
the single source of truth for "now".
"""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)
