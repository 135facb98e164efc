"""Consecutive failed sign-ins on one account: slow down, then require a password reset. Pure functions.

NIST SP 800-63B-4 §3.2.2 (rate limiting): at most 100 consecutive failed attempts on one account, and
techniques that keep an attacker from locking the subscriber out; OWASP ASVS 5.0 V6.3 (brute force).
Here: after LOCKOUT_SLOWDOWN_AFTER failures each further attempt waits 1 s, 2 s, 4 s ... (at most
MAX_DELAY_SECONDS) after the previous failure; at LOCKOUT_RESET_REQUIRED_AFTER (≤ 100) the password alone no
longer signs in. The wait is answered as 429 + Retry-After: the server never sleeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

MAX_DELAY_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Failures:
    """Consecutive failed sign-ins: users.failed_login_count / last_failed_login_at / password_reset_required."""

    count: int = 0
    last_failed_at: datetime | None = None
    reset_required: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    reset_required: bool = False
    retry_after: int = 0  # seconds; 0 = may try now

    @property
    def allowed(self) -> bool:
        return not self.reset_required and self.retry_after == 0


def delay_seconds(count: int, slowdown_after: int) -> int:
    """The wait after the `count`-th consecutive failure: none below the threshold, then doubling, capped."""
    if count < slowdown_after:
        return 0
    exponent = count - slowdown_after
    return MAX_DELAY_SECONDS if exponent >= 20 else min(2**exponent, MAX_DELAY_SECONDS)


def verdict(failures: Failures, now: datetime, *, slowdown_after: int, reset_required_after: int) -> Verdict:
    if failures.reset_required or failures.count >= reset_required_after:
        return Verdict(reset_required=True)
    delay = delay_seconds(failures.count, slowdown_after)
    if delay == 0 or failures.last_failed_at is None:
        return Verdict()
    remaining = (failures.last_failed_at - now).total_seconds() + delay
    return Verdict(retry_after=math.ceil(remaining)) if remaining > 0 else Verdict()


def after_failure(failures: Failures, now: datetime, *, reset_required_after: int) -> Failures:
    count = failures.count + 1
    return Failures(count, now, failures.reset_required or count >= reset_required_after)
