"""Fixtures for the rate-limit tests: the shipped default limits, clients at chosen addresses, a hashing counter,
and a Redis server of our own (a subprocess on a free port that a test may stop and start again)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text

from authgate.app import create_app
from authgate.settings import Settings
from tests.conftest import API, FakeClock, make_settings, sync_url, unavailable
from tests.ports import free_port

# the defaults as shipped (tests/conftest relaxes them for the functional tests)
DEFAULT_LIMITS = {
    name: field.default for name, field in Settings.model_fields.items() if name.startswith("rate_limit_")
}
DROP_HEADERS = {"date", "content-length", "set-cookie", "x-request-id"}


def limited_settings(database_url: str, **overrides: object) -> Settings:
    return make_settings(database_url, **{**DEFAULT_LIMITS, **overrides})


class RedisServer:
    """redis-server with no persistence, on a port of its own: never the machine's Redis on 6379."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
            return
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    unavailable(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)  # waiting for a subprocess to listen, not a timed assertion
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str | None:
    """The REDIS_URL to use: None (counters in process memory) or a fresh Redis of our own."""
    if request.param == "memory":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


class Peers:
    """One app, many clients, each at its own TCP peer address."""

    def __init__(self, settings: Settings, clock: FakeClock) -> None:
        self.app = create_app(settings, clock=clock)
        self.gate = self.app.state.authgate
        self._clients: list[httpx.AsyncClient] = []

    def at(self, ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(ip, 50000))
        http = httpx.AsyncClient(transport=transport, base_url=API)
        self._clients.append(http)
        return http

    async def close(self) -> None:
        for http in self._clients:
            await http.aclose()
        await self.gate.dispose()


@pytest.fixture
async def make_peers() -> AsyncIterator[Any]:
    made: list[Peers] = []

    def factory(settings: Settings, clock: FakeClock) -> Peers:
        peers = Peers(settings, clock)
        made.append(peers)
        return peers

    yield factory
    for peers in made:
        await peers.close()


class HashCounter:
    """Counts every argon2 call the gate's hashing pool makes."""

    def __init__(self, gate: Any) -> None:
        self.calls: list[str] = []
        pool = gate.hashing
        for name in ("hash", "verify_and_update", "dummy_verify"):
            original = getattr(pool, name)
            setattr(pool, name, self._counting(name, original))

    def _counting(self, name: str, original: Any) -> Any:
        async def counted(*args: Any) -> Any:
            self.calls.append(name)
            return await original(*args)

        return counted

    def reset(self) -> None:
        self.calls.clear()


def comparable(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k.lower() not in DROP_HEADERS}
    return response.status_code, response.content, headers


def db_execute(database_url: str, sql: str, **params: object) -> list[Any]:
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        result = connection.execute(text(sql), params)
        rows = list(result) if result.returns_rows else []
    engine.dispose()
    return rows


def login_body(email: str, password: str) -> dict[str, str]:
    return {"email": email, "password": password}
