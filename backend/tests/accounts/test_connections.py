"""StatementConnections (accounts/connections.py) against the test PostgreSQL: reuse, the bound, every wait bounded,
interrupted connections closed, expiry, idle lifetime, and no connection lost to a caller that gave up."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from authgate.accounts.connections import StatementConnections


@pytest.fixture
def dsn(postgresql_url: str) -> str:
    return make_url(postgresql_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting_connect(dsn: str, opened: list[asyncpg.Connection]):
    async def connect() -> asyncpg.Connection:
        connection = await asyncpg.connect(dsn, timeout=5)
        opened.append(connection)
        return connection

    return connect


async def backend_pid(connection: asyncpg.Connection) -> int:
    return int(await connection.fetchval("SELECT pg_backend_pid()"))


async def test_a_released_connection_is_used_again(dsn: str) -> None:
    opened: list[asyncpg.Connection] = []
    connections = StatementConnections(counting_connect(dsn, opened), max_size=4)
    first = await connections.acquire(5)
    pid = await backend_pid(first)
    connections.release(first)
    again = await connections.acquire(5)
    assert again is first and await backend_pid(again) == pid
    assert len(opened) == 1 and connections.size == 1
    connections.release(again)
    await connections.close()
    assert first.is_closed()


async def test_no_more_than_max_size_and_the_wait_is_bounded(dsn: str) -> None:
    opened: list[asyncpg.Connection] = []
    connections = StatementConnections(counting_connect(dsn, opened), max_size=1)
    held = await connections.acquire(5)
    with pytest.raises(TimeoutError):
        await connections.acquire(0.2)
    # a waiter gets the connection the moment it is given back
    waiting = asyncio.create_task(connections.acquire(5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    connections.release(held)
    assert await asyncio.wait_for(waiting, 5) is held
    assert len(opened) == 1
    connections.release(held)
    await connections.close()


async def test_an_interrupted_connection_is_closed_and_replaced(dsn: str) -> None:
    opened: list[asyncpg.Connection] = []
    connections = StatementConnections(counting_connect(dsn, opened), max_size=1)
    first = await connections.acquire(5)
    connections.release(first, reusable=False)
    assert first.is_closed() and connections.size == 0
    second = await connections.acquire(5)
    assert second is not first and await second.fetchval("SELECT 1") == 1
    connections.release(second)
    await connections.close()


async def test_a_connection_in_a_transaction_is_not_handed_out_again(dsn: str) -> None:
    connections = StatementConnections(counting_connect(dsn, []), max_size=2)
    connection = await connections.acquire(5)
    await connection.execute("BEGIN")
    connections.release(connection)
    await asyncio.sleep(0.1)  # closed politely, in the background
    assert connection.is_closed()
    fresh = await connections.acquire(5)
    assert not fresh.is_in_transaction()
    connections.release(fresh)
    await connections.close()


async def test_a_connection_closed_by_the_server_while_idle_is_skipped(dsn: str, postgresql_url: str) -> None:
    connections = StatementConnections(counting_connect(dsn, []), max_size=2)
    connection = await connections.acquire(5)
    pid = await backend_pid(connection)
    connections.release(connection)
    admin = await asyncpg.connect(dsn)
    await admin.execute("SELECT pg_terminate_backend($1)", pid)
    await admin.close()
    for _ in range(50):  # the client notices the closed socket on its next loop turn
        if connection.is_closed():
            break
        await asyncio.sleep(0.02)
    fresh = await connections.acquire(5)
    assert fresh is not connection and await fresh.fetchval("SELECT 1") == 1
    connections.release(fresh)
    await connections.close()


async def test_expire_all_replaces_idle_connections_now_and_busy_ones_when_given_back(dsn: str) -> None:
    opened: list[asyncpg.Connection] = []
    connections = StatementConnections(counting_connect(dsn, opened), max_size=2)
    idle, busy = await connections.acquire(5), await connections.acquire(5)
    connections.release(idle)
    await connections.expire_all()
    assert idle.is_closed() and not busy.is_closed()
    connections.release(busy)
    await asyncio.sleep(0.1)  # the polite close runs in the background
    assert busy.is_closed()
    fresh = await connections.acquire(5)
    assert fresh not in (idle, busy)
    connections.release(fresh)
    await connections.close()


async def test_connections_idle_too_long_are_closed(dsn: str) -> None:
    clock = Clock()
    connections = StatementConnections(counting_connect(dsn, []), max_size=2, idle_lifetime=300, monotonic=clock)
    old = await connections.acquire(5)
    connections.release(old)
    clock.now += 301
    fresh = await connections.acquire(5)
    assert fresh is not old
    await asyncio.sleep(0.1)
    assert old.is_closed()
    connections.release(fresh)
    await connections.close()


async def test_a_caller_that_gives_up_does_not_take_the_connection_with_it(dsn: str) -> None:
    connections = StatementConnections(counting_connect(dsn, []), max_size=1)
    held = await connections.acquire(5)
    impatient = asyncio.create_task(connections.acquire(5))
    await asyncio.sleep(0.05)
    # handed the connection and cancelled in the same loop turn: it must come back, not vanish
    connections.release(held)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert await connections.acquire(1) is held
    connections.release(held)
    await connections.close()


async def test_a_failed_connect_frees_its_place(dsn: str) -> None:
    attempts = 0

    async def flaky_connect() -> asyncpg.Connection:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OSError("connection refused")
        return await asyncpg.connect(dsn, timeout=5)

    connections = StatementConnections(flaky_connect, max_size=1)
    with pytest.raises(OSError):
        await connections.acquire(5)
    assert connections.size == 0
    connection = await connections.acquire(5)
    assert await connection.fetchval("SELECT 1") == 1
    connections.release(connection)
    await connections.close()


async def test_after_close_nothing_is_handed_out(dsn: str) -> None:
    connections = StatementConnections(counting_connect(dsn, []), max_size=1)
    busy = await connections.acquire(5)
    waiting = asyncio.create_task(connections.acquire(5))
    await asyncio.sleep(0.05)
    await connections.close()
    with pytest.raises(asyncpg.InterfaceError):
        await waiting
    with pytest.raises(asyncpg.InterfaceError):
        await connections.acquire(5)
    connections.release(busy)
    assert busy.is_closed()
