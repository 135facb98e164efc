"""Many processes, one purge per interval: every worker and instance runs the schedule, and the `scheduled_runs`
row lets exactly one of them purge in each interval (SQLite and PostgreSQL; through PgBouncer in
tests/cluster). Each schedule here is a process of its own: its own engine, its own claimant name, its own sleep."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from authgate.cleanup import service
from authgate.cleanup.schedule import CleanupSchedule
from authgate.cleanup.service import PurgeCounts, claim_run, process_name, purge_if_due
from authgate.db import engine_for
from tests.cleanup.conftest import Ticks, wait_for_runs
from tests.conftest import FakeClock, make_settings
from tests.devices.conftest import run_sql

HOUR = timedelta(hours=1)


class Process:
    """One worker or instance: an engine of its own and a schedule whose sleeps the test ends."""

    def __init__(self, database_url: str, clock: FakeClock, name: str) -> None:
        self.name = name
        self.engine: AsyncEngine = engine_for(make_settings(database_url), pool_size=2)
        self.ticks = Ticks()
        self.purged_at: list[datetime] = []

        async def purge(now: datetime) -> PurgeCounts | None:
            counts = await purge_if_due(self.engine, now, every=HOUR, holder=name)
            if counts is not None:
                self.purged_at.append(now)
            return counts

        self.schedule = CleanupSchedule(purge, interval_minutes=60, clock=clock, sleep=self.ticks.sleep)

    async def next_run(self) -> None:
        runs = self.schedule.runs
        if runs == 0:
            self.schedule.ensure_started()
        else:
            self.ticks.tick()
        await wait_for_runs(self.schedule, runs + 1)

    async def close(self) -> None:
        await self.schedule.stop()
        await self.engine.dispose()


@pytest.fixture
async def processes(database_url: str, clock: FakeClock) -> AsyncIterator[list[Process]]:
    started = [Process(database_url, clock, f"host:{n}:test") for n in range(3)]
    try:
        yield started
    finally:
        for process in started:
            await process.close()


async def test_three_processes_started_together_purge_once_per_interval(
    processes: list[Process], clock: FakeClock, database_url: str
) -> None:
    start = clock()
    for _period in range(3):
        await asyncio.gather(*(process.next_run() for process in processes))
        clock.advance(hours=1)
    purges = sorted(at for process in processes for at in process.purged_at)
    assert purges == [start, start + HOUR, start + 2 * HOUR]
    assert sum(process.schedule.purges for process in processes) == 3
    assert all(process.schedule.runs == 3 for process in processes)
    rows = run_sql(database_url, "SELECT name, last_run_by FROM scheduled_runs")
    assert len(rows) == 1 and rows[0][0] == "purge_expired" and rows[0][1].startswith("host:")


async def test_processes_started_apart_skip_the_interval_another_one_purged(
    processes: list[Process], clock: FakeClock
) -> None:
    first, second, _ = processes
    start = clock()
    await first.next_run()  # 0:00 first purges
    clock.advance(minutes=30)
    await second.next_run()  # 0:30 second started later: skipped, the first purged half an hour ago
    clock.advance(minutes=30)
    await first.next_run()  # 1:00 first purges again
    clock.advance(minutes=30)
    await second.next_run()  # 1:30 skipped
    assert first.purged_at == [start, start + HOUR]
    assert second.purged_at == []
    assert (first.schedule.purges, second.schedule.purges) == (2, 0)


async def test_a_restart_within_the_interval_does_not_purge_again(processes: list[Process], clock: FakeClock) -> None:
    first, restarted, _ = processes
    await first.next_run()
    await first.close()
    clock.advance(minutes=5)
    await restarted.next_run()
    assert restarted.purged_at == []
    clock.advance(minutes=55)
    await restarted.next_run()
    assert restarted.purged_at == [clock()]


async def test_a_failed_purge_gives_its_interval_back(
    processes: list[Process], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, _ = processes
    real_purge = service.purge_expired

    async def database_hiccup(engine: AsyncEngine, now: datetime) -> PurgeCounts:
        if engine is first.engine:
            raise ConnectionError("lost the database mid-purge")
        return await real_purge(engine, now)

    monkeypatch.setattr(service, "purge_expired", database_hiccup)
    await first.next_run()  # claimed, failed, given back (logged, the schedule goes on)
    assert first.purged_at == [] and first.schedule.runs == 1
    clock.advance(minutes=10)
    await second.next_run()  # the interval was given back: the next process to try purges
    assert second.purged_at == [clock()]


async def test_of_many_claims_at_the_same_moment_exactly_one_wins(database_url: str, clock: FakeClock) -> None:
    engines = [engine_for(make_settings(database_url), pool_size=1) for _ in range(6)]
    try:
        now = clock()
        won = await asyncio.gather(
            *(claim_run(engine, "job", now, every=HOUR, holder=process_name()) for engine in engines)
        )
        assert sorted(won) == [False] * 5 + [True]
        # and again in the next interval, from the same claimants
        later = now + HOUR
        won = await asyncio.gather(
            *(claim_run(engine, "job", later, every=HOUR, holder=process_name()) for engine in engines)
        )
        assert sorted(won) == [False] * 5 + [True]
    finally:
        for engine in engines:
            await engine.dispose()


def test_claimants_are_named_by_host_and_process() -> None:
    import os
    import socket

    name = process_name()
    host, pid, suffix = name.split(":")
    assert (host, pid) == (socket.gethostname(), str(os.getpid())) and len(suffix) == 8
    assert process_name() != name
