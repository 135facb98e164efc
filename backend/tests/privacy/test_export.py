"""GET /auth/me/export: all of the reader's data, as a download, without a password hash or any token."""

from __future__ import annotations

import json

import httpx

from tests.conftest import PASSWORD, FakeClock
from tests.devices.conftest import HEX64, call, login, run_sql, signed_up
from tests.sessions.test_refresh import cookie_of


async def test_export_holds_user_profile_sessions_and_events(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await signed_up(client, "exporter@example.com", agent="first")
    clock.advance(minutes=1)
    second = await login(client, "exporter@example.com", agent="second")
    await call(client, "DELETE", "/auth/sessions", bearer=second.access)  # both sessions end
    clock.advance(seconds=1)
    third = await login(client, "exporter@example.com", agent="third")
    clock.advance(seconds=1)

    response = await call(client, "GET", "/auth/me/export", bearer=third.access, cookie=third.cookie)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="authgate-export.json"'
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert set(data) == {"user", "profile", "sessions", "events"}
    assert data["user"]["id"] == reader.user_id and data["user"]["email"] == "exporter@example.com"
    assert "hashed_password" not in data["user"]
    assert data["profile"]["experience_level"] == "intermediate"
    statuses = {s["user_agent"]: s["status"] for s in data["sessions"]}
    assert statuses == {"first": "ended", "second": "ended", "third": "active"}
    assert all("token" not in key for session in data["sessions"] for key in session)
    assert "signed_out_everywhere" in [e["type"] for e in data["events"]]

    # the export itself is recorded, for the next export and for /auth/me/events
    events = await call(client, "GET", "/auth/me/events", bearer=third.access)
    assert events.json()[0]["type"] == "data_exported"


async def test_export_contains_no_password_hash_or_token(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    reader = await signed_up(client, "secrets@example.com")
    clock.advance(minutes=1)
    refreshed = await call(client, "POST", "/auth/refresh", cookie=reader.cookie)
    cookie = cookie_of(refreshed)
    access = refreshed.json()["access_token"]

    response = await call(client, "GET", "/auth/me/export", bearer=access)
    assert response.status_code == 200
    text = response.text
    (stored_hash,) = run_sql(database_url, "SELECT hashed_password FROM users")[0]
    for secret in (PASSWORD, reader.cookie, cookie, reader.access, access, stored_hash, "$argon2"):
        assert secret not in text
    hashes = run_sql(database_url, "SELECT token_hash FROM refresh_tokens UNION SELECT token_hash FROM one_time_tokens")
    assert len(hashes) >= 2
    for (token_hash,) in hashes:
        assert token_hash not in text
    assert not HEX64.search(text)
    assert "hash" not in json.dumps(list(_keys(response.json())))


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_export_holds_nothing_of_another_reader(client: httpx.AsyncClient) -> None:
    mine = await signed_up(client, "mine@example.com", agent="mine")
    await signed_up(client, "theirs@example.com", agent="theirs", organization="Theirs Inc")
    response = await call(client, "GET", "/auth/me/export", bearer=mine.access)
    assert "theirs" not in response.text.lower()


async def test_export_needs_a_signed_in_reader(client: httpx.AsyncClient) -> None:
    assert (await call(client, "GET", "/auth/me/export")).status_code == 401
    assert (await call(client, "GET", "/auth/me/export", cookie="made-up")).status_code == 401
