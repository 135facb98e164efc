"""Running the purge in the background: once when the service starts, then every interval.

Every worker and instance runs this schedule; the purge it is given claims each interval's run in the database
first (`purge_if_due`), so of all the processes sharing the database one purges per interval and the others skip.

The auth router can be mounted into any app, so the task is not tied to `create_app`: the gate starts it on its first
request (or from the router's lifespan, when the host runs lifespans) and stops it in `gate.dispose()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from authgate.security import Clock

logger = logging.getLogger("authgate")

Purge = Callable[[datetime], Awaitable[Any]]
Sleep = Callable[[float], Awaitable[Any]]
# how long stop() lets a purge that is under way finish before cancelling it
STOP_GRACE_SECONDS = 5


class CleanupSchedule:
    def __init__(self, purge: Purge, *, interval_minutes: int, clock: Clock, sleep: Sleep = asyncio.sleep) -> None:
        self._purge = purge
        self.interval_minutes = interval_minutes
        self._clock = clock
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._purging = False
        self.runs = 0
        # runs that purged (the others found the interval's run claimed by another process: cleanup/service.py)
        self.purges = 0
        # set, then replaced, after each run (successful or not): wait_for_runs() waits on it without polling
        self._progress = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def ensure_started(self) -> None:
        """Called on every request: after the first call it is one attribute check."""
        if self._task is not None or self._stopped or self.interval_minutes <= 0:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        # the start-up run purges what had expired when the service started; later runs use their own time
        # a context of its own: started by the first request, its log lines must not carry that request's id
        self._task = loop.create_task(self._loop(self._clock()), name="authgate-cleanup", context=contextvars.Context())

    async def _loop(self, first_run_at: datetime) -> None:
        now = first_run_at
        while True:
            self._purging = True
            try:
                counts = await self._purge(now)
                if counts is None:
                    # another worker or instance sharing the database purged within the interval
                    logger.info("cleanup: skipped, another process ran it within %d minutes", self.interval_minutes)
                else:
                    self.purges += 1
                    logger.info("cleanup: %s", counts)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - a failed run (database down) must not end the schedule
                logger.warning("cleanup failed: %s", type(error).__name__)
            finally:
                self._purging = False
            self.runs += 1
            progress, self._progress = self._progress, asyncio.Event()
            progress.set()
            if self._stopped:
                return
            await self._sleep(self.interval_minutes * 60)
            now = self._clock()

    async def wait_for_runs(self, count: int) -> None:
        """Until `count` runs have finished (tests and operators; the schedule itself never waits on this)."""
        while self.runs < count:
            await self._progress.wait()

    async def stop(self) -> None:
        """For good: a sleeping task is cancelled; a running purge may finish its transaction first."""
        self._stopped = True
        task, self._task = self._task, None
        if task is None:
            return
        if self._purging:
            await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
