"""The in-memory moving window: the decision of a moving window, checked against a plain model, and bounded memory."""

from __future__ import annotations

import random

from authgate.ratelimit.windows import MemoryWindows, retry_seconds


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_hit_after_the_amount_is_refused_until_the_oldest_leaves_the_window() -> None:
    ticks = Ticks()
    windows = MemoryWindows(ticks)
    for second in range(3):
        ticks.now = 1000.0 + second * 10
        assert windows.hit("login_ip", "a", 3, 60).allowed
    ticks.now = 1025.0
    refused = windows.hit("login_ip", "a", 3, 60)
    assert not refused.allowed
    assert refused.retry_after == 35.0  # the first hit (at 1000) leaves the window at 1060
    ticks.now = 1059.9
    assert not windows.hit("login_ip", "a", 3, 60).allowed
    ticks.now = 1060.0
    assert windows.hit("login_ip", "a", 3, 60).allowed
    # a moving window, not a fixed one: the hits at 1010 and 1020 still count
    assert not windows.hit("login_ip", "a", 3, 60).allowed


def test_refused_hits_do_not_count() -> None:
    ticks = Ticks()
    windows = MemoryWindows(ticks)
    assert windows.hit("r", "a", 1, 10).allowed
    for _ in range(50):
        ticks.now += 0.1
        assert not windows.hit("r", "a", 1, 10).allowed
    ticks.now = 1010.0
    assert windows.hit("r", "a", 1, 10).allowed


def test_rules_and_keys_are_counted_apart() -> None:
    windows = MemoryWindows(Ticks())
    assert windows.hit("r", "a", 1, 60).allowed
    assert not windows.hit("r", "a", 1, 60).allowed
    assert windows.hit("r", "b", 1, 60).allowed
    assert windows.hit("other", "a", 1, 60).allowed


def test_keys_that_went_quiet_are_forgotten() -> None:
    ticks = Ticks()
    windows = MemoryWindows(ticks)
    for i in range(1000):
        windows.hit("r", f"key-{i}", 5, 60)
    assert windows.keys("r") == 1000
    ticks.now += 61
    windows.hit("r", "late", 5, 60)
    assert windows.keys("r") == 1
    # a key still inside its window is kept, and so is its count
    ticks.now += 59
    windows.hit("r", "other", 5, 60)
    assert windows.keys("r") == 2


def test_decisions_match_a_plain_moving_window_model() -> None:
    rng = random.Random(7)
    ticks = Ticks()
    windows = MemoryWindows(ticks)
    amount, expiry = 4, 30.0
    counted: dict[str, list[float]] = {}
    for _ in range(5000):
        ticks.now += rng.choice([0.0, 0.5, 1.0, 3.0, 12.0])
        key = rng.choice("abc")
        inside = [t for t in counted.get(key, []) if t > ticks.now - expiry]
        expected = len(inside) < amount
        verdict = windows.hit("r", key, amount, expiry)
        assert verdict.allowed == expected
        if expected:
            inside.append(ticks.now)
        else:
            assert verdict.retry_after == min(inside) + expiry - ticks.now
        counted[key] = inside


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert retry_seconds(0.01) == 1
    assert retry_seconds(1.0) == 1
    assert retry_seconds(1.2) == 2
