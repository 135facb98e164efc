"""GET /auth/sessions: one entry per sign-in, `current` right, only the caller's live sign-ins, no secrets."""

from __future__ import annotations

from datetime import datetime

import httpx

from tests.conftest import FakeClock, cookie_of
from tests.devices.conftest import HEX64, call, login, signed_up

FIELDS = {"id", "created_at", "last_used_at", "ip_address", "user_agent", "current"}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_one_entry_per_sign_in_newest_first_with_current(client: httpx.AsyncClient, clock: FakeClock) -> None:
    phone = await signed_up(client, "lister@example.com", agent="phone")
    started = clock()
    clock.advance(minutes=5)
    laptop = await login(client, "lister@example.com", agent="laptop")
    clock.advance(minutes=5)
    tablet = await login(client, "lister@example.com", agent="tablet")

    # the phone's session is refreshed twice, the second time from a new browser version: still ONE sign-in
    clock.advance(minutes=40)
    cookie = phone.cookie
    for agent in ("phone", "phone v2"):
        clock.advance(minutes=1)
        refreshed = await call(client, "POST", "/auth/refresh", cookie=cookie, headers={"user-agent": agent})
        assert refreshed.status_code == 200
        cookie = cookie_of(refreshed)
    last_refresh = clock()

    # an hour on, the laptop's access token has expired: it refreshes first (same sign-in, rotated cookie)
    laptop_now = await call(client, "POST", "/auth/refresh", cookie=laptop.cookie, headers={"user-agent": "laptop"})
    access = laptop_now.json()["access_token"]
    listed = await call(client, "GET", "/auth/sessions", bearer=access, cookie=cookie_of(laptop_now))
    assert listed.status_code == 200, listed.text
    sessions = listed.json()
    assert [s["user_agent"] for s in sessions] == ["tablet", "laptop", "phone v2"]
    assert all(set(s) == FIELDS for s in sessions)
    assert [s["current"] for s in sessions] == [False, True, False]
    assert len({s["id"] for s in sessions}) == 3
    phone_entry = sessions[2]
    # created = the sign-in, not the latest rotation; last used = the latest rotation
    assert at(phone_entry["created_at"]) == started
    assert at(phone_entry["last_used_at"]) == last_refresh
    assert phone_entry["ip_address"] == "127.0.0.1"
    assert tablet.cookie not in listed.text and tablet.access not in listed.text
    assert not HEX64.search(listed.text)

    # the rotated cookie of the phone marks the phone's entry as current
    from_phone = await call(client, "GET", "/auth/sessions", bearer=access, cookie=cookie)
    assert [s["current"] for s in from_phone.json()] == [False, False, True]


async def test_with_a_bearer_token_alone_no_entry_is_current(client: httpx.AsyncClient) -> None:
    reader = await signed_up(client)
    listed = await call(client, "GET", "/auth/sessions", bearer=reader.access)
    assert listed.status_code == 200
    assert [s["current"] for s in listed.json()] == [False]


async def test_a_cookie_of_another_reader_marks_nothing_current(client: httpx.AsyncClient) -> None:
    reader = await signed_up(client)
    other = await signed_up(client)
    listed = await call(client, "GET", "/auth/sessions", bearer=reader.access, cookie=other.cookie)
    assert listed.status_code == 200
    assert [s["current"] for s in listed.json()] == [False]


async def test_expired_and_ended_sign_ins_are_not_listed(client: httpx.AsyncClient, clock: FakeClock) -> None:
    await signed_up(client, "ageing@example.com", agent="old")
    clock.advance(days=4)
    await login(client, "ageing@example.com", agent="ended")
    live = await login(client, "ageing@example.com", agent="live")
    before = (await call(client, "GET", "/auth/sessions", bearer=live.access, cookie=live.cookie)).json()
    ended_id = next(s["id"] for s in before if s["user_agent"] == "ended")
    assert (
        await call(client, "DELETE", f"/auth/sessions/{ended_id}", bearer=live.access, cookie=live.cookie)
    ).status_code == 204
    clock.advance(days=3, seconds=1)  # the first sign-in is now past its 7 days
    fresh = await call(client, "POST", "/auth/refresh", cookie=live.cookie, headers={"user-agent": "live"})
    listed = await call(client, "GET", "/auth/sessions", bearer=fresh.json()["access_token"])
    assert [s["user_agent"] for s in listed.json()] == ["live"]


async def test_another_readers_sessions_never_show(client: httpx.AsyncClient) -> None:
    mine = await signed_up(client, agent="mine")
    theirs = await signed_up(client, agent="theirs")
    await login(client, theirs.email, agent="theirs again")
    listed = await call(client, "GET", "/auth/sessions", bearer=mine.access)
    assert [s["user_agent"] for s in listed.json()] == ["mine"]


async def test_listing_needs_a_signed_in_reader(client: httpx.AsyncClient) -> None:
    assert (await call(client, "GET", "/auth/sessions")).status_code == 401
    assert (await call(client, "GET", "/auth/sessions", cookie="made-up")).status_code == 401
    # a live refresh cookie alone is not enough either: it proves who is calling only on /auth/me, refresh, logout
    reader = await signed_up(client)
    alone = await call(client, "GET", "/auth/sessions", cookie=reader.cookie)
    assert alone.status_code == 401 and alone.json()["code"] == "NOT_AUTHENTICATED"
    assert (await call(client, "GET", "/auth/sessions", bearer="not.a.jwt")).status_code == 401
