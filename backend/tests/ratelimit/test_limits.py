"""Per-IP and per-account windows: attacked on SQLite and PostgreSQL, with counters in memory and in Redis."""

from __future__ import annotations

import uuid

import redis

from authgate.events.service import EventType
from tests.conftest import PASSWORD, FakeClock, signup
from tests.ratelimit.conftest import HashCounter, RedisServer, db_execute, limited_settings, login_body

RATE_LIMITED = {"detail": "Too many requests; try again later", "code": "RATE_LIMITED"}


def unknown_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:8]}@example.com"


async def test_31st_login_from_one_ip_in_a_minute_is_429_without_hashing(
    database_url: str, storage: str | None, clock: FakeClock, make_peers
) -> None:
    # the shipped default: 30 per minute per IP; every attempt on another address, so only the IP rule bites
    peers = make_peers(limited_settings(database_url, redis_url=storage), clock)
    http = peers.at("203.0.113.10")
    hashing = HashCounter(peers.gate)
    for _ in range(30):
        response = await http.post("/auth/login", json=login_body(unknown_email(), "Wrong-passw0rd"))
        assert response.status_code == 401
    assert len(hashing.calls) == 30
    hashing.reset()
    refused = await http.post("/auth/login", json=login_body(unknown_email(), "Wrong-passw0rd"))
    assert refused.status_code == 429
    assert refused.json() == RATE_LIMITED
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["cache-control"] == "no-store"
    assert hashing.calls == []
    # another address is not affected
    other = await peers.at("203.0.113.11").post("/auth/login", json=login_body(unknown_email(), "Wrong-passw0rd"))
    assert other.status_code == 401
    assert peers.gate.limiter.backend == ("redis" if storage else "memory")


async def test_per_account_window_holds_across_many_ips(
    database_url: str, storage: str | None, clock: FakeClock, make_peers
) -> None:
    # default 10/minute per account; the failure lockout is pushed out of the way to isolate the window
    settings = limited_settings(
        database_url, redis_url=storage, lockout_slowdown_after=90, lockout_reset_required_after=100
    )
    peers = make_peers(settings, clock)
    await signup(peers.at("192.0.2.1"), "target@example.com")
    hashing = HashCounter(peers.gate)
    for n in range(10):
        response = await peers.at(f"198.51.100.{n + 1}").post(
            "/auth/login", json=login_body("TARGET@example.com", f"Guess-{n}-passw0rd")
        )
        assert response.status_code == 401
    hashing.reset()
    # an eleventh address, even with the right password: the account's window is full
    refused = await peers.at("198.51.100.200").post("/auth/login", json=login_body("target@example.com", PASSWORD))
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    assert int(refused.headers["retry-after"]) >= 1
    assert hashing.calls == []
    assert peers.gate.limiter.backend == ("redis" if storage else "memory")


async def test_spoofed_forwarded_for_from_an_untrusted_peer_does_not_reset_the_counter(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(database_url, rate_limit_login_ip="3/minute", forwarded_allow_ips=["10.0.0.1"])
    peers = make_peers(settings, clock)
    http = peers.at("203.0.113.50")
    await signup(peers.at("192.0.2.1"), "spoof@example.com")
    for n in range(3):
        headers = {"x-forwarded-for": f"198.51.100.{n + 1}"}
        response = await http.post("/auth/login", json=login_body("spoof@example.com", PASSWORD), headers=headers)
        assert response.status_code == 200
    fourth = await http.post(
        "/auth/login", json=login_body("spoof@example.com", PASSWORD), headers={"x-forwarded-for": "198.51.100.99"}
    )
    assert fourth.status_code == 429
    # the address recorded for those sign-ins is the real peer, never the header's
    recorded = {row[0] for row in db_execute(database_url, "SELECT ip_address FROM refresh_tokens")}
    assert recorded == {"192.0.2.1", "203.0.113.50"}
    events = db_execute(
        database_url,
        "SELECT DISTINCT ip_address FROM security_events WHERE type = :t AND detail = :d",
        t=EventType.SIGN_IN_SUCCEEDED,
        d="method: password",
    )
    assert {row[0] for row in events} == {"203.0.113.50"}


async def test_behind_a_trusted_proxy_each_real_client_has_its_own_counter(
    database_url: str, storage: str | None, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(
        database_url, redis_url=storage, rate_limit_login_ip="3/minute", forwarded_allow_ips=["10.0.0.0/24"]
    )
    peers = make_peers(settings, clock)
    proxy = peers.at("10.0.0.1")
    await signup(peers.at("192.0.2.1"), "proxied@example.com")
    body = login_body("proxied@example.com", PASSWORD)
    for n in range(3):
        # the client makes up a left part each time; our proxy appended its real address on the right
        forwarded = {"x-forwarded-for": f"6.6.6.{n}, 198.51.100.1"}
        assert (await proxy.post("/auth/login", json=body, headers=forwarded)).status_code == 200
    limited = await proxy.post("/auth/login", json=body, headers={"x-forwarded-for": "6.6.6.9, 198.51.100.1"})
    assert limited.status_code == 429
    # another reader behind the same proxy still gets in
    other = await proxy.post("/auth/login", json=body, headers={"x-forwarded-for": "198.51.100.2"})
    assert other.status_code == 200
    recorded = {row[0] for row in db_execute(database_url, "SELECT ip_address FROM refresh_tokens")}
    assert recorded == {"192.0.2.1", "198.51.100.1", "198.51.100.2"}
    assert peers.gate.limiter.backend == ("redis" if storage else "memory")


async def test_signup_is_limited_per_ip_before_hashing(
    database_url: str, storage: str | None, clock: FakeClock, make_peers
) -> None:
    peers = make_peers(limited_settings(database_url, redis_url=storage), clock)  # 10/hour
    http = peers.at("203.0.113.20")
    for _ in range(10):
        await signup(http)
    hashing = HashCounter(peers.gate)
    refused = await http.post(
        "/auth/signup",
        json={
            "email": unknown_email(),
            "password": PASSWORD,
            "experience_level": "beginner",
            "professional_role": "student",
        },
    )
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    assert int(refused.headers["retry-after"]) > 60  # an hourly window
    assert hashing.calls == []


async def test_refresh_is_limited_per_ip(database_url: str, clock: FakeClock, make_peers) -> None:
    peers = make_peers(limited_settings(database_url, rate_limit_refresh_ip="2/minute"), clock)
    http = peers.at("203.0.113.30")
    for _ in range(2):
        response = await http.post("/auth/refresh", headers={"cookie": "refresh_token=not-a-real-token"})
        assert response.status_code == 401
    refused = await http.post("/auth/refresh", headers={"cookie": "refresh_token=not-a-real-token"})
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    assert "retry-after" in refused.headers


async def test_counters_are_shared_by_every_instance_through_redis(
    database_url: str, redis_server, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(database_url, redis_url=redis_server.url, rate_limit_login_ip="3/minute")
    first, second = make_peers(settings, clock), make_peers(settings, clock)
    body = login_body(unknown_email(), "Wrong-passw0rd")
    assert (await first.at("203.0.113.40").post("/auth/login", json=body)).status_code == 401
    assert (await second.at("203.0.113.40").post("/auth/login", json=body)).status_code == 401
    assert (await first.at("203.0.113.40").post("/auth/login", json=body)).status_code == 401
    assert (await second.at("203.0.113.40").post("/auth/login", json=body)).status_code == 429


async def test_redis_holds_no_client_address_and_no_email(
    database_url: str, redis_server: RedisServer, clock: FakeClock, make_peers
) -> None:
    # the attack pass: raw client IPs sat in Redis keys (docs/rate-limits.md says none do); every key is a keyed hash
    peers = make_peers(limited_settings(database_url, redis_url=redis_server.url), clock)
    http = peers.at("203.0.113.177")
    await signup(peers.at("203.0.113.177"), "keyed-reader@example.com")
    for password in ("Wrong-passw0rd-1", "Wrong-passw0rd-2"):
        await http.post("/auth/login", json=login_body("keyed-reader@example.com", password))
    await http.post("/auth/forgot-password", json={"email": "keyed-reader@example.com"})
    await http.post("/auth/login", json=login_body("nobody-here@example.com", "Wrong-passw0rd-3"))
    store = redis.Redis(port=redis_server.port)
    keys = store.keys("*")
    assert keys
    dump = b" ".join(keys + [repr(store.dump(key)).encode() for key in keys])
    for secret in (b"203.0.113.177", b"keyed-reader", b"nobody-here", b"example.com"):
        assert secret not in dump


async def test_loading_the_sign_in_page_does_not_use_up_the_sign_in_window(
    database_url: str, storage: str | None, clock: FakeClock, make_peers
) -> None:
    # the kit asks for passkey options on every sign-in page load (autofill): its own rule, not the sign-in window
    settings = limited_settings(
        database_url, redis_url=storage, rate_limit_login_ip="3/minute", rate_limit_passkey_options_ip="5/minute"
    )
    peers = make_peers(settings, clock)
    http = peers.at("203.0.113.30")
    for _ in range(5):
        assert (await http.post("/auth/passkeys/authenticate/options")).status_code == 200
    refused = await http.post("/auth/passkeys/authenticate/options")
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    # the three sign-in attempts of the window are all still there
    for _ in range(3):
        response = await http.post("/auth/login", json=login_body(unknown_email(), "Wrong-passw0rd"))
        assert response.status_code == 401
    assert (await http.post("/auth/login", json=login_body(unknown_email(), "Wrong-passw0rd"))).status_code == 429


async def test_one_ipv6_network_is_one_client_for_the_per_ip_window(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # attack pass: every IPv6 subscriber holds a /64 (2^64 addresses, RFC 6177); keyed on the whole address, the
    # per-IP window was a fresh one per request: ::1, ::2, ::3... signed in past RATE_LIMIT_LOGIN_IP without limit
    settings = limited_settings(database_url, rate_limit_login_ip="3/minute", forwarded_allow_ips=["10.0.0.1"])
    peers = make_peers(settings, clock)
    await signup(peers.at("192.0.2.1"), "v6@example.com")
    body = login_body("v6@example.com", PASSWORD)
    for n in range(3):
        assert (await peers.at(f"2001:db8:1:2::{n + 1}").post("/auth/login", json=body)).status_code == 200
    assert (await peers.at("2001:db8:1:2:ffff::9").post("/auth/login", json=body)).status_code == 429
    # the same through our proxy, and another network is another client
    proxy = peers.at("10.0.0.1")
    headers = {"x-forwarded-for": "2001:db8:1:2:aaaa::1"}
    assert (await proxy.post("/auth/login", json=body, headers=headers)).status_code == 429
    assert (await peers.at("2001:db8:1:3::1").post("/auth/login", json=body)).status_code == 200
    # the address recorded with a session stays the full one
    recorded = {row[0] for row in db_execute(database_url, "SELECT ip_address FROM refresh_tokens")}
    assert "2001:db8:1:2::1" in recorded
