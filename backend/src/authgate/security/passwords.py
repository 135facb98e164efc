"""Password hashing with argon2id (OWASP Password Storage cheat sheet).

``PasswordHasher`` is synchronous and pure; ``HashingPool`` runs it off the
event loop for async callers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import argon2.exceptions
from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

_T = TypeVar("_T")

# OWASP Password Storage cheat sheet: argon2id with at least m=19 MiB, t=2, p=1.
OWASP_MIN_MEMORY_COST_KIB = 19456
OWASP_MIN_TIME_COST = 2
OWASP_MIN_PARALLELISM = 1

# Verifying against this throwaway password costs exactly as much as a real
# verification; its value is irrelevant because nobody can log in with it.
_DUMMY_PASSWORD = "authgate-dummy-password-for-constant-time-login"  # noqa: S105


@dataclass(frozen=True)
class Argon2Params:
    """argon2id cost parameters; weaker than the OWASP minimum is refused."""

    time_cost: int = OWASP_MIN_TIME_COST
    memory_cost: int = OWASP_MIN_MEMORY_COST_KIB  # KiB
    parallelism: int = OWASP_MIN_PARALLELISM

    def __post_init__(self) -> None:
        _require_at_least("time_cost", self.time_cost, OWASP_MIN_TIME_COST)
        _require_at_least("memory_cost", self.memory_cost, OWASP_MIN_MEMORY_COST_KIB)
        _require_at_least("parallelism", self.parallelism, OWASP_MIN_PARALLELISM)


def _require_at_least(name: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise ValueError(
            f"Argon2 {name}={value} is below the OWASP minimum; set {name} to at least {minimum} "
            "(OWASP Password Storage cheat sheet: argon2id m=19456 KiB, t=2, p=1)"
        )


def normalize_password(password: str) -> str:
    """Apply Unicode NFKC so visually identical inputs hash identically.

    NIST SP 800-63B §5.1.1.2: verifiers SHOULD normalise passwords with NFKC
    before hashing, so e.g. a fullwidth "１" typed on one keyboard matches "1".
    """
    return unicodedata.normalize("NFKC", password)


@functools.lru_cache(maxsize=8)
def _dummy_hash(params: Argon2Params) -> str:
    """A hash made with the same parameters, so dummy_verify costs what a real
    verification costs (OWASP Authentication cheat sheet: identical response
    time whether or not the account exists). Made once per parameters in a
    process: every app built here (a test suite builds hundreds) shares it."""
    return _argon2id(params).hash(_DUMMY_PASSWORD)


def _argon2id(params: Argon2Params) -> PasswordHash:
    hasher = Argon2Hasher(time_cost=params.time_cost, memory_cost=params.memory_cost, parallelism=params.parallelism)
    return PasswordHash((hasher,))


class PasswordHasher:
    """argon2id hashing, verification and transparent re-hashing."""

    def __init__(self, params: Argon2Params | None = None) -> None:
        self.params = params or Argon2Params()
        self._hash = _argon2id(self.params)
        self.dummy_hash = _dummy_hash(self.params)

    def hash(self, password: str) -> str:
        return self._hash.hash(normalize_password(password))

    def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
        """Return (matches, new_hash_or_None).

        ``new_hash`` is set when ``hashed`` used other parameters than the
        current ones, so the caller stores it on successful login and stored
        hashes migrate as costs are raised. A malformed or unknown hash string
        yields (False, None) instead of raising: a corrupted row must look like
        a wrong password, not a server error.
        """
        try:
            return self._hash.verify_and_update(normalize_password(password), hashed)
        except (PwdlibError, argon2.exceptions.Argon2Error, ValueError, TypeError):
            return False, None

    def dummy_verify(self, password: str) -> None:
        """Spend one real verification, for logins with an unknown email."""
        self._hash.verify(normalize_password(password), self.dummy_hash)


def _lower_current_thread_priority(niceness: int) -> None:
    # On Linux, nice values are per thread: PRIO_PROCESS with a thread id
    # changes only that thread, so the event-loop thread keeps its priority.
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (OSError, AttributeError):
        pass  # Not Linux/Unix, or not permitted: hashing still works, just at normal priority.


class HashingBusy(Exception):
    """A hash waited its whole ``queue_timeout`` for a thread and was not run."""


class HashingPool:
    """Run a ``PasswordHasher`` off the event loop.

    Why a dedicated, bounded, low-priority pool:

    * Bounded memory: every argon2 hash holds ``memory_cost`` KiB (19 MiB by
      default) while it runs, so at most ``max_in_flight`` hashes in flight
      caps that memory at ``max_in_flight * memory_cost``; further requests
      queue instead of exhausting RAM under a login flood.
    * No CPU starvation: argon2-cffi releases the GIL while hashing, and each
      worker thread lowers its own nice value (Linux nice is per thread), so
      the kernel keeps scheduling the event-loop thread first and other
      requests stay responsive while hashes run.
    * The executor is created lazily, so building the pool at import or
      app-factory time starts no threads.
    * Bounded wait: a hash that has not started within ``queue_timeout``
      seconds is taken off the queue and ``busy()`` is raised instead (a 503
      with Retry-After). Low-priority threads on a host whose other processes
      keep the CPU busy may barely run; the reader is answered, not left
      waiting until a proxy or browser gives up. A hash that has started runs
      to its end.
    """

    def __init__(
        self,
        hasher: PasswordHasher,
        *,
        max_in_flight: int | None = None,
        niceness: int = 19,
        on_queue: Callable[[int], None] | None = None,
        on_timing: Callable[[float, float], None] | None = None,
        queue_timeout: float | None = None,
        busy: Callable[[], Exception] = lambda: HashingBusy(),
    ) -> None:
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if queue_timeout is not None and queue_timeout <= 0:
            raise ValueError("queue_timeout must be positive")
        self.hasher = hasher
        self._queue_timeout = queue_timeout
        self._busy = busy
        # observers (metrics): +1 / -1 as a hash is queued and done; seconds waited and seconds hashing
        self._on_queue = on_queue or (lambda _change: None)
        self._on_timing = on_timing or (lambda _waited, _ran: None)
        self._max_in_flight = max_in_flight or os.cpu_count() or 1
        self._niceness = niceness
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    @property
    def max_in_flight(self) -> int:
        return self._max_in_flight

    async def hash(self, password: str) -> str:
        return await self._run(self.hasher.hash, password)

    async def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
        return await self._run(self.hasher.verify_and_update, password, hashed)

    async def dummy_verify(self, password: str) -> None:
        await self._run(self.hasher.dummy_verify, password)

    def close(self) -> None:
        """Shut the worker threads down; a later call starts a fresh executor."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    async def _run(self, func: Callable[..., _T], *args: str) -> _T:
        loop = asyncio.get_running_loop()
        queued = time.perf_counter()

        def timed() -> _T:
            began = time.perf_counter()
            try:
                return func(*args)
            finally:
                self._on_timing(began - queued, time.perf_counter() - began)

        self._on_queue(1)
        try:
            job = self._get_executor().submit(timed)
            waiting = asyncio.wrap_future(job, loop=loop)
            try:
                if self._queue_timeout is not None:
                    await asyncio.wait({waiting}, timeout=self._queue_timeout)
                    # cancel() succeeds only for a job no thread has taken yet: it never runs, the caller is answered
                    if not waiting.done() and job.cancel():
                        raise self._busy()
                return await waiting
            except asyncio.CancelledError:
                # the caller went away (a client that hung up): its hash is not run if no thread has taken it yet
                waiting.cancel()
                raise
        finally:
            self._on_queue(-1)

    def _get_executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self._max_in_flight,
                    thread_name_prefix="authgate-hash",
                    initializer=_lower_current_thread_priority,
                    initargs=(self._niceness,),
                )
            return self._executor
