"""Counters behind the rate limits: `limits` moving windows, in process memory or shared in Redis.

`limits` is used directly (not through slowapi): its async storages and moving-window strategy work the same
on memory and Redis, and it needs no app-global state. slowapi wants one limiter on `app.state` and decorated
endpoints taking a `request` argument, which does not fit a router that is mounted into someone else's app.

Redis unreachable (REDIS_URL set): every decision falls back to this process's own in-memory counters, with one
logged warning — never unlimited, never a 500. The memory counters are kept up to date alongside Redis all
along, so a fail-over starts from what this process has seen rather than from zero. Redis is tried again
REDIS_RETRY_SECONDS after it failed, and used again as soon as it answers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Generic, TypeVar

from limits import RateLimitItem, parse

from authgate.observability import RATE_LIMITED, REDIS_SECONDS
from authgate.ratelimit.windows import MemoryWindows, retry_seconds
from authgate.security import Clock, derive_key
from authgate.security.lockout_policy import Failures
from authgate.settings import ConfigurationError, Settings
from authgate.transport import InvalidProxySetting, Network, trusted_networks

if TYPE_CHECKING:
    from authgate.ratelimit.shared import SharedRedis

logger = logging.getLogger("authgate")

_T = TypeVar("_T")
_V = TypeVar("_V")
RULE_PREFIX = "rate_limit_"
RULES = tuple(name.removeprefix(RULE_PREFIX) for name in Settings.model_fields if name.startswith(RULE_PREFIX))
REDIS_RETRY_SECONDS = 5
# failure state of addresses without an account (and of known-IP buckets): kept as long as a real account's
FAILURE_STATE_SECONDS = 30 * 24 * 3600
# in memory the failure state is bounded: the oldest entries go first
MEMORY_FAILURE_ENTRIES = 100_000


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # seconds until the window has room again


class RateLimiter:
    """One per AuthGate (`gate.limiter`): window counters per rule, and failure state for sign-in lockout."""

    def __init__(
        self,
        settings: Settings,
        *,
        secret: str,
        clock: Clock,
        redis_retry_seconds: float = REDIS_RETRY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self._key = derive_key(secret, "authgate rate-limit keys")
        try:
            self.trusted_proxies: tuple[Network, ...] = trusted_networks(tuple(settings.forwarded_allow_ips))
        except InvalidProxySetting as error:
            raise ConfigurationError(str(error)) from None
        self._limits: dict[str, RateLimitItem] = {}
        for rule in RULES:
            text = getattr(settings, RULE_PREFIX + rule)
            try:
                self._limits[rule] = parse(text)
            except ValueError:
                raise ConfigurationError(
                    f"{(RULE_PREFIX + rule).upper()} is not a rate limit such as '30/minute'"
                ) from None
        self._memory = MemoryWindows(monotonic)
        self._memory_failures: TtlCache[Failures] = TtlCache(MEMORY_FAILURE_ENTRIES)
        # (user, IP) -> whether the account signed in from there before; see accounts.lockout.known_address
        self.known_addresses: TtlCache[bool] = TtlCache(MEMORY_FAILURE_ENTRIES)
        self._redis_retry = timedelta(seconds=redis_retry_seconds)
        self._redis_down_since: datetime | None = None
        self._shared: SharedRedis | None = None
        if settings.redis_url:
            # imported only here: redis-py is a dozen megabytes of a process's memory that a deployment without
            # Redis (one instance, SQLite or PostgreSQL alone) has no use for
            from authgate.ratelimit.shared import connect_shared_redis

            self._shared = connect_shared_redis(settings)

    # ------------------------------------------------------------------ keys

    def digest(self, *parts: str) -> str:
        """A keyed hash for storage keys: no email or IP appears in Redis, and keys cannot be guessed offline."""
        return hmac.new(self._key, "\x00".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def account_key(self, email: str) -> str:
        """`email` must be canonical (authgate.identifiers): the key is the account lookup's, spelling for spelling."""
        return self.digest("account", email)

    # ------------------------------------------------------------------ windows

    def limit_for(self, rule: str) -> RateLimitItem:
        try:
            return self._limits[rule]
        except KeyError:
            raise ValueError(f"unknown rate-limit rule {rule!r}; known: {', '.join(sorted(self._limits))}") from None

    async def hit(self, rule: str, *identifiers: str) -> Decision:
        """Count one request against `rule` for `identifiers` (e.g. "ip", "203.0.113.9").

        The storage key is a keyed hash of the identifiers: no address, email or IP is ever written to Redis.
        """
        item = self.limit_for(rule)
        ids = (rule, self.digest(rule, *identifiers))
        # the local window is always counted, so a fail-over starts from this process's own counts
        local = self._memory.hit(rule, ids[1], item.amount, item.get_expiry())

        async def on_redis(redis: SharedRedis) -> bool:
            return await redis.windows.hit(item, *ids)

        shared = await self._with_redis(on_redis)
        if shared is None or self._shared is None:
            if local.allowed:
                return Decision(True)
            return self._refused(rule, local.retry_after)
        if shared:
            return Decision(True)
        try:
            stats = await self._shared.windows.get_window_stats(item, *ids)
            wait = stats.reset_time - time.time()
        except self._shared.errors:
            wait = item.get_expiry()
        return self._refused(rule, wait)

    async def hit_mail(self, purpose: str, email: str) -> Decision:
        """One mail to `email` (canonical) for `purpose`, under RATE_LIMIT_MAIL_ACCOUNT: a window per purpose."""
        return await self.hit("mail_account", "account", purpose, self.account_key(email))

    async def admits_notice(self, email: str, subject: str) -> bool:
        """Whether a notice (no link) with this subject may still go to `email` this window (mail/service.py)."""
        return (await self.hit_mail(f"notice:{subject}", email)).allowed

    @staticmethod
    def _refused(rule: str, wait: float) -> Decision:
        RATE_LIMITED.labels(rule).inc()
        return Decision(False, retry_seconds(wait))

    # ------------------------------------------------------------------ failure state

    async def failures(self, key: str) -> Failures:
        async def on_redis(redis: SharedRedis) -> str | None:
            value = await redis.client.get(_failure_key(key))
            return value.decode() if isinstance(value, bytes) else value

        shared = await self._with_redis(on_redis)
        if self._shared is not None and self._redis_down_since is None:
            return _decode(shared)
        return self._memory_failures.get(key, self.clock()) or Failures()

    async def store_failures(self, key: str, failures: Failures) -> None:
        expires = self.clock() + timedelta(seconds=FAILURE_STATE_SECONDS)
        self._memory_failures.put(key, failures, expires)

        async def on_redis(redis: SharedRedis) -> bool:
            await redis.client.set(_failure_key(key), _encode(failures), ex=FAILURE_STATE_SECONDS)
            return True

        await self._with_redis(on_redis)

    async def swap_failures(self, key: str, expected_count: int, failures: Failures) -> bool:
        """Compare-and-set: store `failures` only if the stored count is still `expected_count` (none stored: 0).

        The known-address bucket's reservation (accounts/lockout.py): of parallel guesses judged on one count,
        exactly one goes on, as the users row's compare-and-set does for the account."""
        now = self.clock()
        expires = now + timedelta(seconds=FAILURE_STATE_SECONDS)

        async def on_redis(redis: SharedRedis) -> bool:
            swapped = await redis.client.eval(
                _SWAP_FAILURES, 1, _failure_key(key), expected_count, _encode(failures), FAILURE_STATE_SECONDS
            )
            return bool(swapped)

        shared = await self._with_redis(on_redis)
        if self._shared is not None and self._redis_down_since is None:
            if shared:
                # kept up to date alongside Redis, for a fail-over
                self._memory_failures.put(key, failures, expires)
            return bool(shared)
        current = self._memory_failures.get(key, now) or Failures()
        if current.count != expected_count:
            return False
        self._memory_failures.put(key, failures, expires)
        return True

    async def clear_failures(self, key: str) -> None:
        self._memory_failures.delete(key)

        async def on_redis(redis: SharedRedis) -> bool:
            await redis.client.delete(_failure_key(key))
            return True

        await self._with_redis(on_redis)

    # ------------------------------------------------------------------ Redis, and what happens without it

    @property
    def backend(self) -> str:
        if self._shared is None:
            return "memory"
        return "redis" if self._redis_down_since is None else "memory (redis unreachable)"

    async def _with_redis(self, operation: Callable[[SharedRedis], Awaitable[_T]]) -> _T | None:
        """Run `operation` on Redis if it is configured and not known to be down; None means "use memory"."""
        if self._shared is None:
            return None
        now = self.clock()
        if self._redis_down_since is not None and now - self._redis_down_since < self._redis_retry:
            return None
        started = time.perf_counter()
        try:
            result = await operation(self._shared)
        except self._shared.errors as error:
            REDIS_SECONDS.labels("failed").observe(time.perf_counter() - started)
            if self._redis_down_since is None:
                logger.warning(
                    "rate limiter: Redis unreachable (%s); using this process's in-memory counters until it is back",
                    type(error).__name__,
                )
            self._redis_down_since = now
            return None
        REDIS_SECONDS.labels("ok").observe(time.perf_counter() - started)
        if self._redis_down_since is not None:
            logger.warning("rate limiter: Redis reachable again; counters are shared again")
            self._redis_down_since = None
        return result

    async def redis_ready(self) -> bool | None:
        """For /readyz: None without Redis; else whether it answers a PING within REDIS_TIMEOUT_SECONDS."""
        if self._shared is None:
            return None
        try:
            return bool(await self._shared.client.ping())
        except self._shared.errors:
            return False

    async def close(self) -> None:
        if self._shared is not None:
            await self._shared.pool.disconnect()


# KEYS[1]: the failure state; ARGV: the count expected, the new state (`_encode`), its lifetime in seconds
_SWAP_FAILURES = """
local current = redis.call('GET', KEYS[1])
local count = 0
if current then count = tonumber(string.match(current, '^(%d+):')) or 0 end
if count ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
"""


def _failure_key(key: str) -> str:
    return f"authgate:failures:{key}"


def _encode(failures: Failures) -> str:
    at = failures.last_failed_at.timestamp() if failures.last_failed_at else 0.0
    return f"{failures.count}:{at!r}:{int(failures.reset_required)}"


def _decode(value: str | None) -> Failures:
    if not value:
        return Failures()
    try:
        count, at, reset = value.split(":")
        moment = float(at)
        return Failures(int(count), datetime.fromtimestamp(moment, UTC) if moment else None, reset == "1")
    except ValueError:
        return Failures()


class TtlCache(Generic[_V]):
    """State in this process: bounded (least recently written go first) and expiring."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[_V, datetime]] = OrderedDict()

    def get(self, key: str, now: datetime) -> _V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self._entries[key]
            return None
        return entry[0]

    def put(self, key: str, value: _V, expires_at: datetime) -> None:
        self._entries[key] = (value, expires_at)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        self._entries.pop(key, None)
