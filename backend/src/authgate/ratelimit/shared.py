"""The rate limiter's Redis side: counters and failure state shared by every instance.

A module of its own so that redis-py is imported only when REDIS_URL is set (`RateLimiter` imports this on demand):
a single instance without Redis does not carry it in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio
import redis.exceptions
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from authgate.settings import Settings

# what a Redis that is down, slow or failing over raises through redis-py and `limits`
REDIS_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, StorageError, OSError, TimeoutError)


@dataclass(frozen=True)
class SharedRedis:
    pool: redis.asyncio.ConnectionPool
    client: redis.asyncio.Redis
    windows: MovingWindowRateLimiter
    errors: tuple[type[BaseException], ...] = REDIS_ERRORS


def connect_shared_redis(settings: Settings) -> SharedRedis:
    """One connection pool for the windows and the failure state. A Redis that stops answering costs a request at
    most REDIS_TIMEOUT_SECONDS: connecting and every command are bounded (and the limiter then leaves Redis alone
    for REDIS_RETRY_SECONDS)."""
    assert settings.redis_url
    pool = redis.asyncio.ConnectionPool.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.redis_timeout_seconds,
        socket_timeout=settings.redis_timeout_seconds,
    )
    storage = RedisStorage(
        "async+" + settings.redis_url,
        implementation="redispy",
        key_prefix="authgate",
        connection_pool=pool,  # type: ignore[arg-type]
    )
    return SharedRedis(pool, redis.asyncio.Redis(connection_pool=pool), MovingWindowRateLimiter(storage))
