"""The database goes away and comes back: 503 with Retry-After meanwhile, recovery without a restart."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import FakeClock, app_client, make_settings, signup


class TcpRelay:
    """A real TCP hop in front of PostgreSQL that the test can cut and restore."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()
        self.writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self.writers.discard(writer)


@pytest.fixture
async def relay(postgresql_url: str) -> AsyncIterator[tuple[TcpRelay, str]]:
    parsed = make_url(postgresql_url)
    hop = TcpRelay(parsed.host or "127.0.0.1", parsed.port or 5432)
    await hop.start()
    yield hop, parsed.set(port=hop.port).render_as_string(hide_password=False)
    if hop.server is not None and hop.server.is_serving():
        await hop.stop()


async def test_database_down_is_503_with_retry_after_then_recovers(
    relay: tuple[TcpRelay, str], clock: FakeClock
) -> None:
    # PostgreSQL only: SQLite has no server to lose
    hop, url = relay
    email = f"outage-{uuid.uuid4().hex[:8]}@example.com"
    async with app_client(make_settings(url), clock) as http:
        token = (await signup(http, email)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert (await http.get("/auth/me", headers=auth)).status_code == 200

        await hop.stop()
        for request in (
            http.get("/auth/me", headers=auth),
            http.post("/auth/login", json={"email": email, "password": "SecureP@ssw0rd"}),
            http.post("/auth/refresh", headers={"cookie": "refresh_token=abc"}),
        ):
            response = await request
            assert response.status_code == 503
            assert response.json()["code"] == "SERVICE_UNAVAILABLE"
            assert int(response.headers["retry-after"]) > 0

        await hop.start()
        assert (await http.get("/auth/me", headers=auth)).status_code == 200
        login = await http.post("/auth/login", json={"email": email, "password": "SecureP@ssw0rd"})
        assert login.status_code == 200
