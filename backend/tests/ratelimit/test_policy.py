"""The lockout policy on its own: when a failure slows the account down, and when a reset is required."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from authgate.security.lockout_policy import MAX_DELAY_SECONDS, Failures, after_failure, delay_seconds, verdict

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def test_delays_double_after_the_threshold_and_are_capped() -> None:
    assert [delay_seconds(n, 5) for n in range(4, 10)] == [0, 1, 2, 4, 8, 16]
    assert delay_seconds(40, 5) == delay_seconds(10_000, 5) == MAX_DELAY_SECONDS


def test_verdict_counts_from_the_last_failure() -> None:
    failures = Failures(count=7, last_failed_at=NOW)  # 4 s wait
    assert verdict(failures, NOW + timedelta(seconds=1), slowdown_after=5, reset_required_after=50).retry_after == 3
    assert verdict(failures, NOW + timedelta(seconds=4), slowdown_after=5, reset_required_after=50).allowed


def test_the_cap_and_the_flag_require_a_reset() -> None:
    at_cap = Failures(count=50, last_failed_at=NOW - timedelta(days=365))
    assert verdict(at_cap, NOW, slowdown_after=5, reset_required_after=50).reset_required
    flagged = Failures(count=0, reset_required=True)
    assert verdict(flagged, NOW, slowdown_after=5, reset_required_after=50).reset_required


def test_after_failure_sets_the_flag_at_the_cap() -> None:
    state = Failures(count=48)
    state = after_failure(state, NOW, reset_required_after=50)
    assert (state.count, state.reset_required) == (49, False)
    state = after_failure(state, NOW, reset_required_after=50)
    assert (state.count, state.reset_required, state.last_failed_at) == (50, True, NOW)
