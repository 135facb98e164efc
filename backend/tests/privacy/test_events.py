"""GET /auth/me/events and `authgate users events EMAIL`: the reader's security events, never a secret."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.conftest import PASSWORD, FakeClock, cookie_of
from tests.devices.conftest import HEX64, call, login, signed_up
from tests.serving import cli_env, run_cli

FIELDS = {"type", "created_at", "ip_address", "user_agent", "detail"}


async def eventful_reader(http: httpx.AsyncClient, clock: FakeClock, email: str):  # type: ignore[no-untyped-def]
    """A reader with one event per second of the clock: sign-up, failures, sign-ins, a refresh, an export."""
    reader = await signed_up(http, email, agent="signup-browser")
    clock.advance(seconds=1)
    failed = await call(http, "POST", "/auth/login", json={"email": email, "password": "not-my-password"})
    assert failed.status_code == 401
    clock.advance(seconds=1)
    second = await login(http, email, agent="second-browser")
    clock.advance(seconds=1)
    assert (await call(http, "GET", "/auth/me/export", bearer=second.access)).status_code == 200
    clock.advance(seconds=1)
    return reader, second


async def test_events_newest_first_with_exactly_the_public_fields(client: httpx.AsyncClient, clock: FakeClock) -> None:
    _, second = await eventful_reader(client, clock, "events@example.com")
    response = await call(client, "GET", "/auth/me/events", bearer=second.access)
    assert response.status_code == 200, response.text
    events = response.json()
    assert all(set(e) == FIELDS for e in events)
    types = [e["type"] for e in events]
    assert types[0] == "data_exported"
    assert {"sign_in_failed", "sign_in_succeeded"} <= set(types)
    stamps = [datetime.fromisoformat(e["created_at"]) for e in events]
    assert stamps == sorted(stamps, reverse=True)
    exported = events[0]
    assert exported["ip_address"] == "127.0.0.1" and exported["user_agent"] is not None


async def test_pagination_with_limit_and_before(client: httpx.AsyncClient, clock: FakeClock) -> None:
    _, second = await eventful_reader(client, clock, "pages@example.com")
    everything = (await call(client, "GET", "/auth/me/events?limit=200", bearer=second.access)).json()
    assert len(everything) >= 4

    first_page = (await call(client, "GET", "/auth/me/events?limit=2", bearer=second.access)).json()
    assert first_page == everything[:2]
    cursor = first_page[-1]["created_at"]
    next_page = await call(
        client, "GET", "/auth/me/events", bearer=second.access, params={"limit": 2, "before": cursor}
    )
    assert next_page.status_code == 200
    assert next_page.json() and all(e["created_at"] < cursor for e in next_page.json())
    assert next_page.json() == [e for e in everything if e["created_at"] < cursor][:2]

    # a timestamp without an offset is UTC; before everything there is nothing
    oldest = datetime.fromisoformat(everything[-1]["created_at"]).astimezone(UTC).replace(tzinfo=None)
    naive = await call(client, "GET", "/auth/me/events", bearer=second.access, params={"before": oldest.isoformat()})
    assert naive.status_code == 200 and naive.json() == []


async def test_limit_and_before_are_validated(client: httpx.AsyncClient) -> None:
    reader = await signed_up(client)
    for query in ("limit=0", "limit=201", "limit=many", "before=yesterday"):
        response = await call(client, "GET", f"/auth/me/events?{query}", bearer=reader.access)
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR", query
    assert (await call(client, "GET", "/auth/me/events?limit=200", bearer=reader.access)).status_code == 200


async def test_default_limit_is_50(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader = await signed_up(client, "busy@example.com")
    for _ in range(55):
        clock.advance(seconds=1)
        assert (await call(client, "GET", "/auth/me/export", bearer=reader.access)).status_code == 200
    assert len((await call(client, "GET", "/auth/me/events", bearer=reader.access)).json()) == 50


async def test_events_never_hold_a_password_or_a_token(client: httpx.AsyncClient, clock: FakeClock) -> None:
    reader, second = await eventful_reader(client, clock, "nosecrets@example.com")
    refreshed = await call(client, "POST", "/auth/refresh", cookie=second.cookie)
    clock.advance(seconds=1)
    # a replay after the grace period: refresh-token reuse, revoking the family
    clock.advance(minutes=5)
    assert (await call(client, "POST", "/auth/refresh", cookie=second.cookie)).status_code == 401
    await call(client, "DELETE", "/auth/me", bearer=reader.access, json={"password": "guess-" + PASSWORD})
    text = (await call(client, "GET", "/auth/me/events?limit=200", bearer=reader.access)).text
    secrets = [PASSWORD, "not-my-password", "guess-", reader.cookie, reader.access, second.cookie, second.access]
    secrets += [cookie_of(refreshed), refreshed.json()["access_token"]]
    for secret in secrets:
        assert secret not in text
    assert not HEX64.search(text)


async def test_another_readers_events_never_show(client: httpx.AsyncClient, clock: FakeClock) -> None:
    mine = await signed_up(client, agent="mine")
    await eventful_reader(client, clock, "other@example.com")
    events = (await call(client, "GET", "/auth/me/events", bearer=mine.access)).json()
    assert all(e["user_agent"] in ("mine", None) for e in events)
    assert (await call(client, "GET", "/auth/me/events")).status_code == 401


async def test_operator_reads_a_users_events_with_the_cli(
    client: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    await eventful_reader(client, clock, "Operated@Example.com")
    result = run_cli("users", "events", "OPERATED@example.com", env=cli_env(database_url))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and lines[0].split("\t")[1] == "data_exported"
    assert any("\tsign_in_failed\t127.0.0.1\t" in line for line in lines)
    assert PASSWORD not in result.stdout and "not-my-password" not in result.stdout
    assert not HEX64.search(result.stdout)

    limited = run_cli("users", "events", "operated@example.com", "--limit", "2", env=cli_env(database_url))
    assert limited.stdout.splitlines() == lines[:2]

    unknown = run_cli("users", "events", "ghost@example.com", env=cli_env(database_url))
    assert unknown.returncode == 1 and "no user" in unknown.stderr
