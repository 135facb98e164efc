"""Moving windows in this process's memory: the counters used without Redis, and kept alongside it.

Same decision as `limits`' moving window (at most `amount` hits in any `expiry` seconds; a refused hit is not
counted; "retry after" is when the oldest counted hit leaves the window), without its cost: `limits`' async memory
storage runs a clean-up through `asyncio.to_thread` on every hit, which profiled at about a tenth of the event
loop's time in a sign-in storm. Here a hit is O(1) and synchronous: each key keeps only its last `amount` hit times
(a bounded deque), and keys that have gone quiet are dropped from the front of a per-rule queue ordered by last hit.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WindowVerdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until the window has room again (0 when allowed)


class MemoryWindows:
    """Moving-window counters keyed by (rule, key). `now` is a monotonic clock in seconds (injected by tests)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        # rule -> key -> recent hit times, oldest first; each rule's keys ordered by their last hit
        self._rules: dict[str, OrderedDict[str, deque[float]]] = {}

    def hit(self, rule: str, key: str, amount: int, expiry: float) -> WindowVerdict:
        now = self._now()
        keys = self._rules.setdefault(rule, OrderedDict())
        self._forget_quiet(keys, now - expiry)
        hits = keys.get(key)
        if hits is None:
            hits = keys[key] = deque(maxlen=amount)
        if len(hits) >= amount and hits[0] > now - expiry:
            # full: `amount` hits inside the window; the oldest leaves it at hits[0] + expiry
            return WindowVerdict(False, hits[0] + expiry - now)
        hits.append(now)  # at maxlen this also drops the oldest, which has left the window
        keys.move_to_end(key)
        return WindowVerdict(True)

    def keys(self, rule: str) -> int:
        """How many keys of `rule` are held (for tests of the clean-up)."""
        return len(self._rules.get(rule, ()))

    @staticmethod
    def _forget_quiet(keys: OrderedDict[str, deque[float]], window_start: float) -> None:
        # amortised O(1): each key is dropped once, from the front, when its last hit has left the window
        while keys:
            first = next(iter(keys.values()))
            if first and first[-1] > window_start:
                return
            keys.popitem(last=False)


def retry_seconds(seconds: float) -> int:
    """Whole seconds for a Retry-After header: at least 1, rounded up."""
    return max(1, math.ceil(seconds))
