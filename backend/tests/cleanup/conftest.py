from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

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
