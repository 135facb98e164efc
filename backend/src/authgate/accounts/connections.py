"""A few asyncpg connections for single statements (UserLookup's fast path), taken and given back in plain code.

asyncpg's own Pool wraps every acquire in `wait_for` and every release in `shield`, a task each: for a one-row
statement that was as much CPU as the statement itself (measured here with uvloop: 90 µs a `fetchrow` on a
connection, 176 µs through the pool). These connections only ever run one statement at a time outside a transaction,
so there is nothing to reset between uses: a connection that is idle is ready, and one that was interrupted is closed.

Every wait is bounded (the caller's timeout covers waiting for a free connection and opening one); connections idle
longer than `idle_lifetime` are closed; `expire_all` replaces every connection (idle ones now, busy ones when they
come back), which is what a database restart calls for.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable

import asyncpg

Connect = Callable[[], Awaitable[asyncpg.Connection]]


class StatementConnections:
    def __init__(
        self,
        connect: Connect,
        *,
        max_size: int,
        idle_lifetime: float = 300.0,
        close_timeout: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._connect = connect
        self.max_size = max_size
        self._idle_lifetime = idle_lifetime
        # closing a connection politely (a Terminate message) is bounded too: a server that does not read it is left
        self._close_timeout = close_timeout
        self._monotonic = monotonic
        # (connection, idle since); the most recently used at the right, taken first (its socket is warm)
        self._idle: deque[tuple[asyncpg.Connection, float]] = deque()
        # every open connection, idle or in use, with the generation it was opened in
        self._generation_of: dict[asyncpg.Connection, int] = {}
        self._opening = 0
        self._generation = 0
        # callers waiting for a connection: handed one, or None when a place to open one came free
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def size(self) -> int:
        """Connections open or being opened."""
        return len(self._generation_of) + self._opening

    async def acquire(self, limit: float) -> asyncpg.Connection:
        """A connection within `limit` seconds (waiting for a free one and opening one included), or TimeoutError."""
        if self._closed:
            raise asyncpg.InterfaceError("the connections are closed")
        connection = self._take_idle()
        if connection is not None:
            return connection  # the usual case: no wait, no timer
        async with asyncio.timeout(limit):
            while True:
                if self.size < self.max_size:
                    return await self._open()
                waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                try:
                    handed = await waiter
                except BaseException:
                    self._give_up_waiting(waiter)
                    raise
                if handed is not None:
                    return handed
                connection = self._take_idle()
                if connection is not None:
                    return connection

    def release(self, connection: asyncpg.Connection, *, reusable: bool = True) -> None:
        """Give `connection` back. `reusable=False` (the statement was interrupted, the connection may be mid-way
        through a protocol exchange) closes it."""
        generation = self._generation_of.get(connection)
        if (
            not reusable
            or self._closed
            or generation != self._generation
            or connection.is_closed()
            or connection.is_in_transaction()
        ):
            # closed politely when it can still say goodbye and someone is left to wait for it
            self._discard(connection, polite=reusable and not self._closed and not connection.is_closed())
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append((connection, self._monotonic()))

    async def expire_all(self) -> None:
        """Replace every connection: the idle ones are closed now, the ones in use when they are given back."""
        self._generation += 1
        while self._idle:
            connection, _ = self._idle.popleft()
            self._discard(connection, polite=False)

    async def close(self) -> None:
        self._closed = True
        idle = [connection for connection, _ in self._idle]
        self._idle.clear()
        for connection in idle:
            self._generation_of.pop(connection, None)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(asyncpg.InterfaceError("the connections are closed"))
        self._waiters.clear()
        await asyncio.gather(*(self._close_politely(connection) for connection in idle), *self._closing)

    # ------------------------------------------------------------------ inside

    def _take_idle(self) -> asyncpg.Connection | None:
        now = self._monotonic()
        while self._idle and now - self._idle[0][1] > self._idle_lifetime:
            stale, _ = self._idle.popleft()
            self._discard(stale, polite=True)
        while self._idle:
            connection, _ = self._idle.pop()
            if connection.is_closed():  # the server closed it while it was idle
                self._discard(connection, polite=False)
                continue
            return connection
        return None

    async def _open(self) -> asyncpg.Connection:
        self._opening += 1
        try:
            connection = await self._connect()
        except BaseException:
            self._opening -= 1
            self._wake_one()
            raise
        self._opening -= 1
        self._generation_of[connection] = self._generation
        return connection

    def _discard(self, connection: asyncpg.Connection, *, polite: bool) -> None:
        if self._generation_of.pop(connection, None) is None:
            return  # not ours, or discarded already
        if polite:
            task = asyncio.get_running_loop().create_task(self._close_politely(connection))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        else:
            with contextlib.suppress(asyncpg.InterfaceError):
                connection.terminate()
        self._wake_one()

    async def _close_politely(self, connection: asyncpg.Connection) -> None:
        try:
            await connection.close(timeout=self._close_timeout)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            connection.terminate()

    def _wake_one(self) -> None:
        """A place to open a connection came free: the first waiter opens it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _give_up_waiting(self, waiter: asyncio.Future[asyncpg.Connection | None]) -> None:
        """The caller stopped waiting (timeout, cancellation): what it was handed meanwhile goes to the next one."""
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
        if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
            handed = waiter.result()
            if handed is not None:
                self.release(handed)
            else:
                self._wake_one()
