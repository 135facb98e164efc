from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from authgate.cleanup.schedule import CleanupSchedule
from authgate.settings import Settings
from tests.conftest import FakeClock, app_client, make_settings


@pytest.fixture
def quiet_settings(database_url: str) -> Settings:
    # no background schedule: these tests run the purge themselves, at the clock times they choose
    return make_settings(database_url, session_cleanup_interval_minutes=0)


@pytest.fixture
async def quiet_client(quiet_settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(quiet_settings, clock) as http:
        yield http


GUARD = 30


class Ticks:
    """A sleep the test controls: each `tick()` ends one pending sleep."""

    def __init__(self) -> None:
        self.requested: list[float] = []
        self._wake: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        self.requested.append(seconds)
        await self._wake.get()

    def tick(self) -> None:
        self._wake.put_nowait(None)


async def wait_for_runs(schedule: CleanupSchedule, count: int) -> None:
    await asyncio.wait_for(schedule.wait_for_runs(count), GUARD)
