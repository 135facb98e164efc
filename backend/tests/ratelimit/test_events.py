"""Sign-in and refresh-reuse security events: who, from where; never a password or a token."""

from __future__ import annotations

from authgate.events.service import EventType
from tests.conftest import PASSWORD, FakeClock, cookie_of, make_settings, refresh_with, signup
from tests.ratelimit.conftest import db_execute, login_body


def all_events(database_url: str) -> list[tuple[str, str | None, str | None, str | None]]:
    rows = db_execute(
        database_url, "SELECT type, ip_address, user_agent, detail FROM security_events ORDER BY created_at"
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_sign_in_events_name_the_address_and_never_the_password(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    peers = make_peers(make_settings(database_url), clock)
    http = peers.at("198.51.100.4")
    await signup(http, "events@example.com")
    headers = {"user-agent": "TestBrowser/1.0"}
    await http.post("/auth/login", json=login_body("events@example.com", "Wrong-secret-1"), headers=headers)
    clock.advance(seconds=1)
    await http.post("/auth/login", json=login_body("events@example.com", PASSWORD), headers=headers)
    await http.post("/auth/login", json=login_body("unknown-person@example.com", "Wrong-secret-2"), headers=headers)
    sign_ins = [e for e in all_events(database_url) if e[0].startswith("sign_in")]
    # every way in ends in one complete_sign_in, which names the method: sign-up is the first sign-in
    assert [(e[0], e[1], e[2], e[3]) for e in sign_ins] == [
        (EventType.SIGN_IN_SUCCEEDED.value, "198.51.100.4", "python-httpx/0.28.1", "method: signup"),
        (EventType.SIGN_IN_FAILED.value, "198.51.100.4", "TestBrowser/1.0", None),
        (EventType.SIGN_IN_SUCCEEDED.value, "198.51.100.4", "TestBrowser/1.0", "method: password"),
    ]
    dumped = repr(all_events(database_url))
    for secret in (PASSWORD, "Wrong-secret-1", "Wrong-secret-2", "unknown-person"):
        assert secret not in dumped


async def test_lockout_events_are_recorded_once_each(database_url: str, clock: FakeClock, make_peers) -> None:
    settings = make_settings(database_url, lockout_slowdown_after=2, lockout_reset_required_after=4)
    peers = make_peers(settings, clock)
    http = peers.at("198.51.100.5")
    await signup(http, "locked@example.com")
    for n in range(6):
        response = await http.post("/auth/login", json=login_body("locked@example.com", f"Wrong-{n}-passw0rd"))
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["retry-after"]))
    types = [e[0] for e in all_events(database_url)]
    assert types.count(EventType.SIGN_IN_FAILED.value) == 4
    assert types.count(EventType.SIGN_IN_THROTTLED.value) == 1
    assert types.count(EventType.ACCOUNT_LOCKED.value) == 1


async def test_refresh_token_reuse_is_recorded(database_url: str, clock: FakeClock, make_peers) -> None:
    peers = make_peers(make_settings(database_url, refresh_reuse_grace_seconds=0), clock)
    http = peers.at("198.51.100.6")
    first = cookie_of(await signup(http, "reuse@example.com"))
    assert (await refresh_with(http, first)).status_code == 200
    replay = await refresh_with(http, first)
    assert replay.json()["code"] == "REFRESH_TOKEN_REUSED"
    reused = [e for e in all_events(database_url) if e[0] == EventType.REFRESH_TOKEN_REUSED.value]
    assert len(reused) == 1 and reused[0][1] == "198.51.100.6"
    assert first not in repr(all_events(database_url))
