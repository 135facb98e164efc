"""Redis stopped mid-run: this process's own counters take over (never unlimited, never a 500), then Redis again."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
import redis

from authgate.ratelimit.limiter import REDIS_RETRY_SECONDS
from tests.conftest import FakeClock
from tests.ports import free_port
from tests.ratelimit.conftest import RedisServer, limited_settings, login_body
from tests.relay import TcpRelay

# seconds-bounded fault tests: `make test` runs them on their own, before the rest of the suite and the front end's
# browsers share the machine (a build beside them once held a 0.5 s Redis call past its timeout)
pytestmark = pytest.mark.faults


def wrong_login() -> dict[str, str]:
    return login_body(f"nobody-{uuid.uuid4().hex[:8]}@example.com", "Wrong-passw0rd")


async def test_redis_stopped_mid_run_falls_back_to_memory_and_comes_back(
    database_url: str, redis_server: RedisServer, clock: FakeClock, make_peers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="authgate")
    peers = make_peers(
        limited_settings(database_url, redis_url=redis_server.url, rate_limit_login_ip="4/minute"), clock
    )
    limiter = peers.gate.limiter
    http = peers.at("203.0.113.5")
    for _ in range(2):
        assert (await http.post("/auth/login", json=wrong_login())).status_code == 401
    assert limiter.backend == "redis"
    assert redis.Redis(port=redis_server.port).keys("*")

    redis_server.stop()
    # the two requests already seen are in this process's counters too: two more, then 429
    assert (await http.post("/auth/login", json=wrong_login())).status_code == 401
    assert limiter.backend == "memory (redis unreachable)"
    assert any("Redis unreachable" in record.getMessage() for record in caplog.records)
    assert (await http.post("/auth/login", json=wrong_login())).status_code == 401
    refused = await http.post("/auth/login", json=wrong_login())
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1

    redis_server.start()  # same port, empty (no persistence)
    # until the retry interval has passed, memory still decides (a dead Redis is not probed on every request)
    assert (await http.post("/auth/login", json=wrong_login())).status_code == 429
    assert limiter.backend == "memory (redis unreachable)"
    clock.advance(seconds=REDIS_RETRY_SECONDS)
    assert (await http.post("/auth/login", json=wrong_login())).status_code == 401
    assert limiter.backend == "redis"
    assert any("reachable again" in record.getMessage() for record in caplog.records)
    assert redis.Redis(port=redis_server.port).keys("*")


async def test_redis_unreachable_from_the_start_still_limits(database_url: str, clock: FakeClock, make_peers) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    peers = make_peers(limited_settings(database_url, redis_url=nowhere, rate_limit_login_ip="2/minute"), clock)
    http = peers.at("203.0.113.6")
    statuses = [(await http.post("/auth/login", json=wrong_login())).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


async def test_failure_state_survives_a_redis_outage_in_memory(
    database_url: str, redis_server: RedisServer, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(
        database_url,
        redis_url=redis_server.url,
        rate_limit_login_ip="10000/minute",
        rate_limit_login_account="10000/minute",
        lockout_slowdown_after=2,
    )
    peers = make_peers(settings, clock)
    http = peers.at("203.0.113.7")
    body = login_body("ghost-outage@example.com", "Wrong-passw0rd")
    assert (await http.post("/auth/login", json=body)).status_code == 401
    redis_server.stop()
    assert (await http.post("/auth/login", json=body)).status_code == 401
    slowed = await http.post("/auth/login", json=body)
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"


async def test_redis_that_stops_answering_costs_a_bounded_wait_then_memory_decides(
    database_url: str, redis_server: RedisServer, clock: FakeClock, make_peers
) -> None:
    # a partition between the API and Redis: connections accepted, nothing answered. Each request waits at most
    # REDIS_TIMEOUT_SECONDS once, then this process's own counters decide until Redis answers again
    hop = TcpRelay("127.0.0.1", redis_server.port)
    await hop.start()
    try:
        settings = limited_settings(
            database_url,
            redis_url=f"redis://127.0.0.1:{hop.port}/0",
            rate_limit_login_ip="3/minute",
            redis_timeout_seconds=0.5,
        )
        peers = make_peers(settings, clock)
        limiter = peers.gate.limiter
        http = peers.at("203.0.113.8")
        assert (await http.post("/auth/login", json=wrong_login())).status_code == 401
        assert limiter.backend == "redis"

        hop.silence()
        statuses = [
            (await asyncio.wait_for(http.post("/auth/login", json=wrong_login()), 20)).status_code for _ in range(3)
        ]
        # never unlimited: the request seen before the partition still counts in memory
        assert statuses == [401, 401, 429]
        assert limiter.backend == "memory (redis unreachable)"

        hop.restore()
        clock.advance(seconds=REDIS_RETRY_SECONDS)
        await asyncio.wait_for(http.post("/auth/login", json=wrong_login()), 20)
        assert limiter.backend == "redis"
    finally:
        await hop.close()
