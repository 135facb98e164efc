"""The signed-in reader, kept for a moment: most protected requests then need no database round trip.

Every protected request re-reads the reader (suspension, sign-out everywhere, a password reset all end access
tokens early). Kept for at most `CURRENT_USER_CACHE_SECONDS` (below one second), a change made on another instance
is seen here within that time; a change this process writes to the reader's row or profile is seen at once, since
every such write empties the cache (an UPDATE, INSERT or DELETE on those tables, seen on the engine).

A load that overlaps such a write is not kept: it may have read the row as it was before the write committed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import UpdateBase

if TYPE_CHECKING:
    from authgate.accounts.lookup import CurrentUser

# the tables a CurrentUser is read from
WATCHED_TABLES = frozenset({"users", "user_profiles"})
# readers kept at once (each a few hundred bytes); the least recently loaded go first
MAX_ENTRIES = 10_000


class SnapshotCache:
    def __init__(
        self, seconds: float, *, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._clock = clock
        # user id -> (the reader, when it was loaded)
        self._entries: OrderedDict[uuid.UUID, tuple[CurrentUser | None, float]] = OrderedDict()
        # bumped by every write to a watched table: a load that began before it is not kept
        self._generation = 0
        self._loading: dict[uuid.UUID, asyncio.Future[CurrentUser | None]] = {}

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    async def get(
        self, user_id: uuid.UUID, load: Callable[[uuid.UUID], Awaitable[CurrentUser | None]]
    ) -> CurrentUser | None:
        if not self.enabled:
            return await load(user_id)
        now = self._clock()
        entry = self._entries.get(user_id)
        # loaded at most `seconds` ago; a clock that went back (the injected one is wall time) keeps nothing
        if entry is not None and 0 <= now - entry[1] < self.seconds:
            return entry[0]
        # single flight: when an entry expires under load, one request reloads it and the others wait for that
        # answer instead of each asking the database at the same moment
        flight = self._loading.get(user_id)
        if flight is None:
            flight = asyncio.ensure_future(self._load(user_id, load, now))
            self._loading[user_id] = flight
            flight.add_done_callback(lambda done: self._landed(user_id, done))
        # shielded: a caller that is cancelled (its client went away) does not cancel the others' answer
        return await asyncio.shield(flight)

    async def _load(
        self, user_id: uuid.UUID, load: Callable[[uuid.UUID], Awaitable[CurrentUser | None]], now: float
    ) -> CurrentUser | None:
        generation = self._generation
        user = await load(user_id)
        # a user that does not exist is not kept: a token for it is refused either way, and keeping it would let
        # forged-but-valid ids (a leaked signing key) fill the cache
        if user is not None and generation == self._generation:
            self._entries[user_id] = (user, now)
            self._entries.move_to_end(user_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return user

    def _landed(self, user_id: uuid.UUID, done: asyncio.Future[CurrentUser | None]) -> None:
        if self._loading.get(user_id) is done:
            del self._loading[user_id]
        if not done.cancelled():
            # retrieved here: a failure is each waiter's to raise, never a stray "exception never retrieved" log
            done.exception()

    def forget_all(self) -> None:
        self._generation += 1
        self._entries.clear()
        # a load in flight may hold the row as it was before the write: later callers start their own
        self._loading.clear()

    def watch(self, engine: AsyncEngine) -> None:
        """Empties the cache on every write this engine makes to a watched table (before and at its commit)."""
        if not self.enabled:
            return
        sync_engine = engine.sync_engine

        def after_execute(conn: Any, statement: Any, *_args: Any) -> None:
            if _writes_to_watched(statement):
                conn.info["authgate.users_written"] = True
                self.forget_all()

        def on_commit(conn: Any) -> None:
            # the write is visible to other connections from now on: loads that started since it ran may hold
            # the old row
            if conn.info.pop("authgate.users_written", False):
                self.forget_all()

        def on_rollback(conn: Any) -> None:
            conn.info.pop("authgate.users_written", None)

        event.listen(sync_engine, "after_execute", after_execute)
        event.listen(sync_engine, "commit", on_commit)
        event.listen(sync_engine, "rollback", on_rollback)


def _writes_to_watched(statement: Any) -> bool:
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        return getattr(table, "name", None) in WATCHED_TABLES
    # textual SQL: nothing of ours writes these tables that way, but a host app might
    text = getattr(statement, "text", None)
    if isinstance(text, str):
        lowered = text.lower()
        return any(name in lowered for name in WATCHED_TABLES) and not lowered.lstrip().startswith("select")
    return False
