"""The background purge: started by the first request (or the host's lifespan), then every interval; 0 = off;
stopped by gate.dispose(). Intervals are driven by a fake sleep, never waited for."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI

from authgate.cleanup.schedule import CleanupSchedule
from authgate.observability import REQUEST_ID
from authgate.router import create_auth_router
from authgate.settings import Settings
from tests.cleanup.conftest import GUARD, Ticks, wait_for_runs
from tests.conftest import FakeClock, app_client, make_settings
from tests.devices.conftest import run_sql, signed_up


# a safety net against a hung test, not a timing assertion
async def test_runs_at_start_then_every_interval_and_survives_a_failed_run(clock: FakeClock) -> None:
    seen: list[datetime] = []
    ticks = Ticks()

    async def purge(now: datetime) -> None:
        seen.append(now)
        if len(seen) == 2:
            raise ConnectionError("database down for one run")

    schedule = CleanupSchedule(purge, interval_minutes=60, clock=clock, sleep=ticks.sleep)
    started = clock()
    schedule.ensure_started()
    schedule.ensure_started()  # every request calls it: one task only
    await wait_for_runs(schedule, 1)
    assert seen == [started]
    for expected_runs in (2, 3):
        clock.advance(hours=1)
        ticks.tick()
        await wait_for_runs(schedule, expected_runs)
    assert seen == [started, started + timedelta(hours=1), started + timedelta(hours=2)]
    assert ticks.requested[:2] == [3600, 3600]
    assert schedule.running

    await schedule.stop()
    assert not schedule.running
    schedule.ensure_started()  # stopped for good: a late request does not revive it
    assert not schedule.running


async def test_interval_zero_never_runs(clock: FakeClock) -> None:
    async def purge(now: datetime) -> None:
        raise AssertionError("must not run")

    schedule = CleanupSchedule(purge, interval_minutes=0, clock=clock)
    schedule.ensure_started()
    assert not schedule.running
    await schedule.stop()


async def test_the_first_request_starts_it_and_the_start_run_purges_what_expired(
    database_url: str, clock: FakeClock
) -> None:
    # an earlier process left an expired sign-in behind
    async with app_client(make_settings(database_url, session_cleanup_interval_minutes=0), clock) as old:
        await signed_up(old, "left-behind@example.com")
    clock.advance(days=8)

    async with app_client(make_settings(database_url), clock, cleanup_schedule=True) as http:
        gate = http.app.state.authgate  # type: ignore[attr-defined]
        assert not gate.cleanup.running  # nothing runs before the first request
        assert (await http.get("/auth/me")).status_code == 401
        assert gate.cleanup.running
        await wait_for_runs(gate.cleanup, 1)
        assert run_sql(database_url, "SELECT count(*) FROM refresh_tokens")[0][0] == 0
    # dispose() stopped it
    assert not gate.cleanup.running


async def test_a_mounting_apps_lifespan_starts_and_stops_it(database_url: str, clock: FakeClock) -> None:
    router = create_auth_router(make_settings(database_url), clock=clock)
    app = FastAPI()
    app.include_router(router)
    schedule = router.gate.cleanup
    try:
        async with app.router.lifespan_context(app):
            assert schedule.running
            await wait_for_runs(schedule, 1)
        assert not schedule.running
    finally:
        await router.gate.dispose()


@pytest.mark.parametrize("interval", [0, 60])
async def test_the_schedule_follows_the_setting(database_url: str, clock: FakeClock, interval: int) -> None:
    settings = make_settings(database_url, session_cleanup_interval_minutes=interval)
    async with app_client(settings, clock, cleanup_schedule=True) as http:
        await http.get("/auth/me")
        gate = http.app.state.authgate  # type: ignore[attr-defined]
        assert gate.cleanup.interval_minutes == interval
        assert gate.cleanup.running is (interval > 0)


async def test_requests_are_answered_while_the_purge_task_exists(settings: Settings, clock: FakeClock) -> None:
    async with app_client(settings, clock, cleanup_schedule=True) as client:
        reader = await signed_up(client)
        assert client.app.state.authgate.cleanup.running  # type: ignore[attr-defined]
        assert (await client.get("/auth/me", headers={"authorization": f"Bearer {reader.access}"})).status_code == 200


async def test_stop_lets_a_purge_under_way_finish_its_transaction(clock: FakeClock) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    finished: list[datetime] = []

    async def purge(now: datetime) -> None:
        entered.set()
        await release.wait()
        finished.append(now)

    schedule = CleanupSchedule(purge, interval_minutes=60, clock=clock)
    schedule.ensure_started()
    await asyncio.wait_for(entered.wait(), GUARD)
    stopping = asyncio.create_task(schedule.stop())
    await asyncio.sleep(0)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, GUARD)
    assert finished == [clock()] and not schedule.running


async def test_the_purge_does_not_carry_the_id_of_the_request_that_started_it(clock: FakeClock) -> None:
    seen: list[str | None] = []

    async def purge(_now: datetime) -> None:
        seen.append(REQUEST_ID.get())

    schedule = CleanupSchedule(purge, interval_minutes=60, clock=clock)
    token = REQUEST_ID.set("the-first-request")
    try:
        schedule.ensure_started()
    finally:
        REQUEST_ID.reset(token)
    await schedule.wait_for_runs(1)
    await schedule.stop()
    assert seen == [None]
