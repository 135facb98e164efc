"""The reader kept for a moment per process: a revocation on another instance is seen within
CURRENT_USER_CACHE_SECONDS, one made here at once, and nothing outlives its time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import create_engine, text

from authgate.accounts.lookup import CurrentUser
from authgate.accounts.snapshots import SnapshotCache
from tests.conftest import PASSWORD, FakeClock, app_client, make_settings, signup, sync_url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def signed_up(http: httpx.AsyncClient) -> str:
    return str((await signup(http)).json()["access_token"])


def write_elsewhere(database_url: str, sql: str) -> None:
    """A write by another instance: another engine, nothing this process's engine sees."""
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(text(sql))
    engine.dispose()


async def test_sign_out_everywhere_on_one_instance_is_refused_on_another_within_the_cache_time(
    database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(database_url, current_user_cache_seconds=0.5)
    async with app_client(settings, clock) as one, app_client(settings, clock) as other:
        token = await signed_up(one)
        assert (await other.get("/auth/me", headers=bearer(token))).status_code == 200
        ended = await one.request("DELETE", "/auth/sessions", headers=bearer(token), json={"password": PASSWORD})
        assert ended.status_code == 204
        # refused at once where it happened
        assert (await one.get("/auth/me", headers=bearer(token))).status_code == 401
        # the other instance still holds the reader it loaded: the documented window, no longer
        assert (await other.get("/auth/me", headers=bearer(token))).status_code == 200
        clock.advance(seconds=0.5)
        assert (await other.get("/auth/me", headers=bearer(token))).status_code == 401


async def test_a_suspension_written_by_another_instance_is_refused_within_the_cache_time(
    database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(database_url, current_user_cache_seconds=0.5)
    async with app_client(settings, clock) as http:
        token = await signed_up(http)
        assert (await http.get("/auth/me", headers=bearer(token))).status_code == 200
        write_elsewhere(database_url, "UPDATE users SET is_active = false")
        clock.advance(seconds=0.49)
        assert (await http.get("/auth/me", headers=bearer(token))).status_code == 200
        clock.advance(seconds=0.01)
        refused = await http.get("/auth/me", headers=bearer(token))
        assert refused.status_code == 403 and refused.json()["code"] == "ACCOUNT_SUSPENDED"


async def test_with_the_cache_off_another_instances_write_is_seen_on_the_next_request(
    database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(database_url, current_user_cache_seconds=0)
    async with app_client(settings, clock) as http:
        token = await signed_up(http)
        assert (await http.get("/auth/me", headers=bearer(token))).status_code == 200
        write_elsewhere(database_url, "UPDATE users SET is_active = false")
        assert (await http.get("/auth/me", headers=bearer(token))).status_code == 403


async def test_a_profile_change_here_is_seen_at_once(database_url: str, clock: FakeClock) -> None:
    settings = make_settings(database_url, current_user_cache_seconds=1)
    async with app_client(settings, clock) as http:
        token = await signed_up(http)
        before = await http.get("/auth/me", headers=bearer(token))
        assert before.json()["profile"]["experience_level"] == "intermediate"
        changed = await http.patch("/auth/me/profile", headers=bearer(token), json={"experience_level": "advanced"})
        assert changed.status_code == 200
        after = await http.get("/auth/me", headers=bearer(token))
        assert after.json()["profile"]["experience_level"] == "advanced"


async def test_a_clock_that_goes_back_keeps_nothing(database_url: str, clock: FakeClock) -> None:
    settings = make_settings(database_url, current_user_cache_seconds=1)
    async with app_client(settings, clock) as http:
        token = await signed_up(http)
        assert (await http.get("/auth/me", headers=bearer(token))).status_code == 200
        write_elsewhere(database_url, "UPDATE users SET is_active = false")
        # wall time stepped back an hour (NTP): the entry is not treated as an hour younger
        clock.advance(hours=-1)
        assert (await http.get("/auth/me", headers=bearer(token))).status_code == 403


def reader(user_id: uuid.UUID) -> CurrentUser:
    return CurrentUser(
        id=user_id,
        email=f"{user_id.hex[:8]}@example.com",
        is_active=True,
        is_verified=False,
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
        last_login_at=None,
        tokens_valid_after=None,
        profile=None,
    )


class Loads:
    """A load function that counts its calls, and can run something while it is loading."""

    def __init__(self) -> None:
        self.calls = 0
        self.during: list[object] = []

    async def __call__(self, user_id: uuid.UUID) -> CurrentUser | None:
        self.calls += 1
        for action in self.during:
            action()  # type: ignore[operator]
        self.during.clear()
        return reader(user_id)


async def test_a_load_that_overlaps_a_write_is_not_kept() -> None:
    now = [100.0]
    cache = SnapshotCache(0.5, clock=lambda: now[0])
    loads = Loads()
    user_id = uuid.uuid4()
    # a write to the users table lands while the row is being read: that read may be the old row
    loads.during.append(cache.forget_all)
    await cache.get(user_id, loads)
    await cache.get(user_id, loads)
    assert loads.calls == 2
    # without a write in between, the second read is served from memory
    await cache.get(user_id, loads)
    assert loads.calls == 2


async def test_the_cache_holds_at_most_its_bound_and_never_an_unknown_user() -> None:
    now = [100.0]
    cache = SnapshotCache(0.5, max_entries=2, clock=lambda: now[0])
    loads = Loads()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for user_id in (first, second, third):
        await cache.get(user_id, loads)
    assert loads.calls == 3
    await cache.get(third, loads)
    assert loads.calls == 3
    # the oldest went first
    await cache.get(first, loads)
    assert loads.calls == 4

    async def nobody(_user_id: uuid.UUID) -> CurrentUser | None:
        return None

    missing = uuid.uuid4()
    assert await cache.get(missing, nobody) is None
    assert missing not in cache._entries


async def test_many_requests_for_an_expired_reader_make_one_load() -> None:
    now = [100.0]
    cache = SnapshotCache(0.5, clock=lambda: now[0])
    release = asyncio.Event()
    calls = []

    async def slow_load(user_id: uuid.UUID) -> CurrentUser | None:
        calls.append(user_id)
        await release.wait()
        return reader(user_id)

    user_id = uuid.uuid4()
    waiting = [asyncio.create_task(cache.get(user_id, slow_load)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    answers = await asyncio.gather(*waiting)
    assert len(calls) == 1
    assert {answer.id for answer in answers if answer is not None} == {user_id}


async def test_a_failed_load_fails_every_waiter_and_is_not_kept() -> None:
    cache = SnapshotCache(0.5, clock=lambda: 100.0)
    calls = 0

    async def down(_user_id: uuid.UUID) -> CurrentUser | None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        raise ConnectionError("database down")

    user_id = uuid.uuid4()
    results = await asyncio.gather(*(cache.get(user_id, down) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results) and calls == 1
    # the next request asks again
    with pytest.raises(ConnectionError):
        await cache.get(user_id, down)
    assert calls == 2
