"""Faults, each a test: a database connection cut in the middle of a refresh or a sign-up (before COMMIT, or with the
COMMIT's answer lost), a partition one pool did not notice, shutting down in a partition, PostgreSQL lost under load,
Redis lost (refused and silent). Every route meeting an outage is in tests/test_database_down.py, Redis killed and
restarted in tests/ratelimit/test_redis_down.py; docs/configuration.md "Faults and what happens" sums them up."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import itertools
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event
from sqlalchemy.engine import make_url

from authgate.ratelimit.limiter import REDIS_RETRY_SECONDS
from authgate.security import hash_token, successor_token
from tests.conftest import (
    API,
    PASSWORD,
    TEST_REDIS_URL,
    FakeClock,
    app_client,
    flush_test_redis,
    make_settings,
    signup,
    signup_body,
)
from tests.ratelimit.conftest import Peers, limited_settings, login_body
from tests.relay import TcpRelay

# seconds-bounded fault tests: `make test` runs them on their own, before the rest of the suite and the front end's
# browsers share the machine (a build beside them once held a 0.5 s Redis call past its timeout)
pytestmark = pytest.mark.faults

# the timeouts the outage tests run with (as tests/test_database_down.py)
# every request reads the database here (CURRENT_USER_CACHE_SECONDS 0): these tests are about what it answers when
# the database does not; the reader kept in memory for half a second is tests/accounts/test_snapshots.py's
TIMEOUTS = {
    "db_connect_timeout_seconds": 1.0,
    "db_pool_timeout_seconds": 1.0,
    "db_statement_timeout_seconds": 1.0,
    "current_user_cache_seconds": 0,
}
# far above what the timeouts allow: a request still unanswered by then is hung, which is the failure
HUNG_AFTER_SECONDS = 20
# scheduling on a shared, loaded machine
SLACK_SECONDS = 1.5
# after an outage ends: a request may still meet a connection the outage killed, found out within the timeouts
RECOVERY_SECONDS = sum(TIMEOUTS.values()) + SLACK_SECONDS
# REDIS_TIMEOUT_SECONDS in the Redis tests
REDIS_TIMEOUT = 0.5
# a bucket of authgate_redis_seconds: a failed call to Redis must have ended by then
REDIS_CALL_BOUND = "2.0"
assert float(REDIS_CALL_BOUND) == REDIS_TIMEOUT + SLACK_SECONDS


async def answered(request: Any) -> httpx.Response:
    response: httpx.Response = await asyncio.wait_for(request, HUNG_AFTER_SECONDS)
    return response


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url.path, response.status_code, response.text)
    assert response.json() == {
        "detail": "The service is temporarily unavailable; try again shortly",
        "code": "SERVICE_UNAVAILABLE",
    }
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["cache-control"] == "no-store"


async def query(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Straight to PostgreSQL (not through the relay): what was really committed."""
    connection = await asyncpg.connect(make_url(database_url).render_as_string(hide_password=False))
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


# ---------------------------------------------------------------------------------------------------------------
# 1. a connection cut mid-transaction: refresh, sign-up


def local_port(connection: Any) -> int:
    """The client end of the TCP connection under a SQLAlchemy connection (asyncpg's transport)."""
    transport = connection.connection.driver_connection._transport
    return int(transport.get_extra_info("sockname")[1])


def on_statement(engine: Any, prefix: str, point: str, act: Callable[[int], None]) -> list[str]:
    """Call `act(local port)` once, on the connection that runs a statement starting with `prefix`: right after it
    ("after") or just before that transaction's COMMIT is sent ("commit"). Returns a list the listener appends `point`
    to when it fired."""
    fired: list[str] = []
    armed: set[int] = set()

    def after_execute(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if fired or not statement.startswith(prefix):
            return
        if point == "after":
            fired.append(point)
            act(local_port(connection))
        else:
            armed.add(id(connection))

    def before_commit(connection: Any) -> None:
        if not fired and id(connection) in armed:
            fired.append(point)
            act(local_port(connection))

    event.listen(engine, "after_cursor_execute", after_execute)
    event.listen(engine, "commit", before_commit)
    return fired


CONSUMING = "UPDATE refresh_tokens SET rotated_at"


@pytest.mark.parametrize("point", ["consumed", "commit"])
async def test_a_connection_cut_mid_refresh_rolls_back_and_the_old_cookie_works_once_more(
    relay: tuple[TcpRelay, str], postgresql_url: str, clock: FakeClock, point: str
) -> None:
    # the refresh token is consumed (rotated_at set, the successor inserted) and the connection is cut before COMMIT
    # reaches the server: the server rolls the transaction back, so the reader's cookie is still the live one
    hop, url = relay
    async with app_client(make_settings(url, **TIMEOUTS), clock) as http:
        signed_up = await signup(http)
        old = signed_up.cookies["refresh_token"]
        user_id = uuid.UUID(signed_up.json()["user"]["id"])
        http.cookies.clear()
        engine = http.app.state.authgate.engine.sync_engine  # type: ignore[attr-defined]
        fired = on_statement(engine, CONSUMING, "after" if point == "consumed" else "commit", hop.cut)

        cut = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert fired
        assert_unavailable(cut)
        assert "set-cookie" not in cut.headers  # the browser keeps its cookie: it is still the live one

        # nothing of the rotation was committed
        rows = await query(
            postgresql_url, "SELECT token_hash, rotated_at, revoked FROM refresh_tokens WHERE user_id = $1", user_id
        )
        assert [(row["token_hash"], row["rotated_at"], row["revoked"]) for row in rows] == [
            (hash_token(old), None, False)
        ]

        # the same cookie again (no restart): a normal rotation, not a reuse
        again = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert again.status_code == 200, again.text
        new = again.cookies["refresh_token"]
        events = await query(postgresql_url, "SELECT type FROM security_events WHERE user_id = $1", user_id)
        assert "refresh_token_reused" not in {row["type"] for row in events}
        revoked = await query(
            postgresql_url, "SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked", user_id
        )
        assert revoked[0][0] == 0
        bearer = {"Authorization": f"Bearer {again.json()['access_token']}"}
        assert len((await http.get("/auth/sessions", headers=bearer)).json()) == 1

        # once more only: the old cookie is now rotated for real (past the grace period it is a reuse)
        clock.advance(seconds=11)
        replayed = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert replayed.status_code == 401 and replayed.json()["code"] == "REFRESH_TOKEN_REUSED"
        assert (await http.post("/auth/refresh", headers={"cookie": f"refresh_token={new}"})).status_code == 401


async def test_a_refresh_whose_commit_answer_is_lost_gets_503_and_the_retry_gets_the_same_successor(
    relay: tuple[TcpRelay, str], postgresql_url: str, clock: FakeClock
) -> None:
    # the other side of a cut: COMMIT reaches the server and its answer never comes back. The service cannot know
    # whether the rotation happened: it answers 503 after the statement timeout; the client, retrying after
    # Retry-After (5 s, inside the 10 s grace period), gets the successor the lost answer carried, not a reuse alarm
    hop, url = relay
    async with app_client(make_settings(url, **TIMEOUTS), clock) as http:
        signed_up = await signup(http)
        old = signed_up.cookies["refresh_token"]
        user_id = uuid.UUID(signed_up.json()["user"]["id"])
        http.cookies.clear()
        gate = http.app.state.authgate  # type: ignore[attr-defined]
        fired = on_statement(gate.engine.sync_engine, CONSUMING, "commit", hop.drop_replies)

        lost = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert fired == ["commit"]
        assert_unavailable(lost)
        assert "set-cookie" not in lost.headers
        rotated = await query(
            postgresql_url, "SELECT rotated_at FROM refresh_tokens WHERE token_hash = $1", hash_token(old)
        )
        assert rotated[0]["rotated_at"] is not None  # it did commit

        clock.advance(seconds=gate.settings.db_unavailable_retry_after_seconds)
        retried = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={old}"}))
        assert retried.status_code == 200, retried.text
        assert retried.cookies["refresh_token"] == successor_token(gate.successor_key, old)
        events = await query(postgresql_url, "SELECT type FROM security_events WHERE user_id = $1", user_id)
        assert "refresh_token_reused" not in {row["type"] for row in events}
        revoked = await query(
            postgresql_url, "SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked", user_id
        )
        assert revoked[0][0] == 0


async def test_a_sign_up_cut_before_commit_leaves_nothing_and_its_retry_signs_up(
    relay: tuple[TcpRelay, str], postgresql_url: str, clock: FakeClock
) -> None:
    # the user and the profile are inserted, the connection is cut before COMMIT: nothing of the account stays, so the
    # client's retry is a sign-up (201), not "already registered"
    hop, url = relay
    async with app_client(make_settings(url, **TIMEOUTS), clock) as http:
        engine = http.app.state.authgate.engine.sync_engine  # type: ignore[attr-defined]
        fired = on_statement(engine, "INSERT INTO user_profiles", "after", hop.cut)
        body = signup_body()
        assert_unavailable(await answered(http.post("/auth/signup", json=body)))
        assert fired
        assert await query(postgresql_url, "SELECT id FROM users WHERE email = $1", body["email"]) == []
        retried = await answered(http.post("/auth/signup", json=body))
        assert retried.status_code == 201, retried.text


async def test_a_sign_up_whose_commit_answer_is_lost_is_an_account_its_reader_signs_in_to(
    relay: tuple[TcpRelay, str], postgresql_url: str, clock: FakeClock
) -> None:
    # the other side: COMMIT applied, its answer lost. The account exists whole; the retry answers 409 (the address is
    # taken: by this very reader), and the reader's own password signs in
    hop, url = relay
    async with app_client(make_settings(url, **TIMEOUTS), clock) as http:
        engine = http.app.state.authgate.engine.sync_engine  # type: ignore[attr-defined]
        fired = on_statement(engine, "INSERT INTO user_profiles", "commit", hop.drop_replies)
        body = signup_body()
        assert_unavailable(await answered(http.post("/auth/signup", json=body)))
        assert fired
        rows = await query(
            postgresql_url,
            "SELECT (SELECT count(*) FROM user_profiles p WHERE p.user_id = u.id) FROM users u WHERE u.email = $1",
            body["email"],
        )
        assert [row[0] for row in rows] == [1]
        assert (await answered(http.post("/auth/signup", json=body))).status_code == 409
        login = await answered(http.post("/auth/login", json={"email": body["email"], "password": PASSWORD}))
        assert login.status_code == 200, login.text


# ---------------------------------------------------------------------------------------------------------------
# a partition heals, a partition at shutdown


@pytest.mark.parametrize("seen_by", ["user lookup", "sessions"])
async def test_after_a_partition_heals_no_request_gets_a_connection_lost_in_it(
    relay: tuple[TcpRelay, str], clock: FakeClock, seen_by: str
) -> None:
    # two pools reach the database: SQLAlchemy's (every transaction) and the user lookup's (the bearer check). A
    # partition that only one of them noticed (only /auth/me called meanwhile, or only /auth/refresh) left the other's
    # connections dead in it, each found out by the next request that took it: 503 after the statement timeout, after
    # the database was back. A loss either pool sees now renews both.
    hop, url = relay
    async with app_client(make_settings(url, **TIMEOUTS, db_pool_size=4), clock) as http:
        readers = [await signup(http) for _ in range(4)]
        http.cookies.clear()
        bearers = [{"Authorization": f"Bearer {reader.json()['access_token']}"} for reader in readers]
        cookies = [reader.cookies["refresh_token"] for reader in readers]

        async def me(index: int) -> httpx.Response:
            return await answered(http.get("/auth/me", headers=bearers[index]))

        async def refresh(index: int) -> httpx.Response:
            response = await answered(http.post("/auth/refresh", headers={"cookie": f"refresh_token={cookies[index]}"}))
            http.cookies.clear()
            if response.status_code == 200:
                cookies[index] = response.cookies["refresh_token"]
            return response

        # both pools hold open connections
        warm = await asyncio.gather(*(me(index) for index in range(4)), *(refresh(index) for index in range(4)))
        assert [response.status_code for response in warm] == [200] * 8

        hop.silence()
        during = await asyncio.gather(*((me if seen_by == "user lookup" else refresh)(index) for index in range(2)))
        for response in during:
            assert_unavailable(response)
        hop.restore()

        after = await asyncio.gather(*(me(index) for index in range(4)), *(refresh(index) for index in range(4)))
        assert [response.status_code for response in after] == [200] * 8


async def test_shutting_down_while_the_database_is_partitioned_takes_at_most_the_statement_timeout(
    relay: tuple[TcpRelay, str], clock: FakeClock
) -> None:
    # closing the pools says goodbye to the server: a partitioned one never answers. The user lookup's pool raised
    # TimeoutError out of dispose() (the engine and Redis were left open) and the engine closed its idle connections
    # one after the other, each waiting the statement timeout (20 × 5 s with the defaults)
    hop, url = relay
    client = app_client(make_settings(url, **TIMEOUTS, db_pool_size=6), clock)
    http = await client.__aenter__()
    try:
        signed_up = await signup(http)
        bearer = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
        # both pools hold several open connections
        warm = await asyncio.gather(
            *(http.get("/auth/me", headers=bearer) for _ in range(3)),
            *(http.post("/auth/signup", json=signup_body()) for _ in range(6)),
        )
        assert {response.status_code for response in warm} == {200, 201}
        hop.silence()
    finally:
        started = time.monotonic()
        await answered(client.__aexit__(None, None, None))
    assert time.monotonic() - started < TIMEOUTS["db_statement_timeout_seconds"] + SLACK_SECONDS


# ---------------------------------------------------------------------------------------------------------------
# 2. PostgreSQL lost under load

# the argon2 time of the request being sent (queue and hashing): CPU, not a wait on the database
HASHING: contextvars.ContextVar[list[float]] = contextvars.ContextVar("hashing")


def time_hashing(gate: Any) -> None:
    """Adds each request's time in the hashing pool to its HASHING list."""
    pool = gate.hashing
    for name in ("hash", "verify_and_update", "dummy_verify"):

        def timed(original: Any) -> Any:
            async def run(*args: Any) -> Any:
                started = time.monotonic()
                try:
                    return await original(*args)
                finally:
                    HASHING.get().append(time.monotonic() - started)

            return run

        setattr(pool, name, timed(getattr(pool, name)))


@dataclass
class Outcome:
    kind: str  # "signup" or "login"
    email: str
    response: httpx.Response
    started: float  # time.monotonic() when sent
    seconds: float  # until answered
    hashing: float  # of which in the hashing pool


async def drive(app: Any, kind: str, emails: Callable[[], str], stop: asyncio.Event, out: list[Outcome]) -> None:
    """One client sending sign-ups (a new address each time) or sign-ins, one after another until `stop`."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=API) as http:
        while not stop.is_set():
            email = emails()
            body = signup_body(email) if kind == "signup" else {"email": email, "password": PASSWORD}
            hashing: list[float] = []
            HASHING.set(hashing)
            started = time.monotonic()
            response = await answered(http.post(f"/auth/{kind}", json=body))
            out.append(Outcome(kind, email, response, started, time.monotonic() - started, sum(hashing)))
            http.cookies.clear()
            if response.status_code == 503:
                await asyncio.sleep(0.1)  # a client that ignores Retry-After, but not a busy loop


async def test_postgresql_lost_under_load_answers_every_request_in_bounded_time_and_writes_nothing_half(
    relay: tuple[TcpRelay, str], postgresql_url: str, clock: FakeClock
) -> None:
    # 12 clients signing up and 12 signing in, back to back, while PostgreSQL is partitioned (accepted, never
    # answered) for 2.5 s and, 2.5 s after it heals, refused for 2 s: every answer is 200/201, or 503 with
    # Retry-After; none waits longer than the timeouts allow; the service recovers each time without a restart; the
    # database holds every sign-up answered 201 and no half of any other
    hop, url = relay
    settings = make_settings(url, **TIMEOUTS, db_pool_size=8, db_idle_in_transaction_timeout_seconds=2.0)
    async with app_client(settings, clock) as http:
        app = http.app  # type: ignore[attr-defined]
        time_hashing(app.state.authgate)
        run = uuid.uuid4().hex[:8]  # in every address of this test
        readers = [f"load-{index}-{run}@example.com" for index in range(12)]
        for email in readers:
            HASHING.set([])
            await signup(http, email)
        fresh = (f"new-{index}-{run}@example.com" for index in itertools.count())
        outcomes: list[Outcome] = []
        stop = asyncio.Event()
        clients = [
            *(drive(app, "signup", fresh.__next__, stop, outcomes) for _ in range(12)),
            *(drive(app, "login", functools.partial(str, email), stop, outcomes) for email in readers),
        ]
        load = asyncio.gather(*clients)
        await asyncio.sleep(1.0)
        hop.silence()  # a partition: open connections and new ones accepted, nothing answered
        await asyncio.sleep(2.5)
        hop.restore()
        healed = time.monotonic()
        # a pooled connection that sat idle through the partition is still dead (its packets are gone): the first
        # request to use it finds out within the timeouts, and both pools are renewed; so "recovered" counts from
        # one bound after the outage ended
        # long enough, after that bound, for requests queued behind 24 clients' hashes to start and finish (2.5 s
        # was too short once on a machine that hashes at half the speed of the one this test was written on)
        await asyncio.sleep(RECOVERY_SECONDS + 4.0)
        refused = time.monotonic()
        await hop.stop()  # refused: the port closed, every open connection reset
        await asyncio.sleep(2.0)
        await hop.start()
        restarted = time.monotonic()
        await asyncio.sleep(RECOVERY_SECONDS + 3.0)
        stop.set()
        await load

        statuses = Counter((outcome.kind, outcome.response.status_code) for outcome in outcomes)
        assert set(statuses) <= {("signup", 201), ("signup", 503), ("login", 200), ("login", 503)}, statuses
        assert statuses["signup", 503] + statuses["login", 503] >= 24  # the outage was seen
        for outcome in outcomes:
            if outcome.response.status_code == 503:
                assert_unavailable(outcome.response)
                assert "set-cookie" not in outcome.response.headers
        # bounded: a request waits for a pool slot, a connection and one statement at most, then gives up (the rest
        # of its time is argon2, queued behind the other clients' hashes)
        bound = sum(TIMEOUTS.values()) + SLACK_SECONDS
        waits = sorted(outcome.seconds - outcome.hashing for outcome in outcomes)
        assert waits[-1] < bound, waits[-10:]

        # recovered each time, no restart: every request sent once the outage had ended and the connections it
        # killed had been found out (and answered before the next outage) went through, and so does a burst at the end
        recovered = [
            outcome
            for outcome in outcomes
            if (healed + RECOVERY_SECONDS <= outcome.started and outcome.started + outcome.seconds < refused)
            or outcome.started >= restarted + RECOVERY_SECONDS
        ]
        timeline = sorted((round(o.started - healed, 2), round(o.seconds, 2), o.response.status_code) for o in outcomes)
        assert len({outcome.started < refused for outcome in recovered}) == 2, (
            f"healed at 0, refused at {refused - healed:.2f}, restarted at {restarted - healed:.2f}: {timeline}"
        )
        assert {outcome.response.status_code for outcome in recovered} <= {200, 201}, statuses
        burst = await asyncio.gather(
            *(
                answered(http.post("/auth/signup", json=signup_body(f"after-{index}-{run}@example.com")))
                for index in range(6)
            ),
            *(answered(http.post("/auth/login", json={"email": email, "password": PASSWORD})) for email in readers),
        )
        assert [response.status_code for response in burst] == [201] * 6 + [200] * len(readers)

        # every 201 and 200 is in the database with its session; a 503 left nothing, or (its COMMIT's answer lost in
        # the partition) everything: never a user without its profile, event or session
        signed_up = [outcome for outcome in outcomes if outcome.kind == "signup"]
        rows = await query(
            postgresql_url,
            """SELECT u.email,
                      (SELECT count(*) FROM user_profiles p WHERE p.user_id = u.id) AS profiles,
                      (SELECT count(*) FROM security_events e WHERE e.user_id = u.id AND e.type = 'account_created')
                          AS created,
                      (SELECT count(*) FROM refresh_tokens t WHERE t.user_id = u.id) AS sessions
               FROM users u WHERE u.email LIKE $1""",
            f"%-{run}@example.com",
        )
        users = {row["email"]: (row["profiles"], row["created"], row["sessions"]) for row in rows}
        assert all(counts[:2] == (1, 1) and counts[2] >= 1 for counts in users.values()), users
        for outcome in signed_up:
            if outcome.response.status_code == 201:
                assert outcome.email in users
        answered_201 = {outcome.email for outcome in signed_up if outcome.response.status_code == 201}
        unanswered = {outcome.email for outcome in signed_up if outcome.response.status_code == 503}
        lost_commits = unanswered & set(users)
        # only a COMMIT already sent when an outage began: one per connection in use, at each of the two
        assert len(lost_commits) <= 2 * settings.db_pool_size, lost_commits
        after = {f"after-{index}-{run}@example.com" for index in range(6)}
        assert set(users) == answered_201 | lost_commits | set(readers) | after
        issued = [
            hash_token(outcome.response.cookies["refresh_token"])
            for outcome in outcomes
            if outcome.response.status_code in (200, 201)
        ]
        stored = await query(postgresql_url, "SELECT token_hash FROM refresh_tokens WHERE token_hash = ANY($1)", issued)
        assert len(stored) == len(issued)


# ---------------------------------------------------------------------------------------------------------------
# 3. Redis lost: refused, and silent

HOME = "192.0.2.10"


@pytest.fixture
async def redis_relay() -> AsyncIterator[tuple[TcpRelay, str]]:
    """A relay in front of the test Redis (its database of the test run): REDIS_URL through it."""
    parsed = urlsplit(TEST_REDIS_URL)
    hop = TcpRelay(parsed.hostname or "127.0.0.1", parsed.port or 6379)
    await hop.start()
    yield hop, f"redis://127.0.0.1:{hop.port}{parsed.path}"
    await hop.close()


@pytest.mark.parametrize("fault", ["refused", "silent"])
async def test_redis_lost_falls_back_to_memory_and_the_database_then_comes_back(
    database_url: str,
    redis_relay: tuple[TcpRelay, str],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    # docs/rate-limits.md: with Redis unreachable each process decides with its own in-memory counters,
    # kept up to date all along (never unlimited, never a 500, one warning); the failure state of every address is in
    # the database; revocation is in the database too (nothing of it in Redis); each request waits at most
    # REDIS_TIMEOUT_SECONDS, once; Redis is tried again REDIS_RETRY_SECONDS later and used as soon as it answers
    caplog.set_level(logging.WARNING, logger="authgate")
    flush_test_redis()  # the SQLite runs too: their counters go to Redis here
    hop, redis_url = redis_relay
    settings = limited_settings(
        database_url,
        redis_url=redis_url,
        redis_timeout_seconds=REDIS_TIMEOUT,
        rate_limit_login_ip="4/minute",
        rate_limit_login_account="10000/minute",
        lockout_slowdown_after=3,
    )
    peers = Peers(settings, clock)
    limiter = peers.gate.limiter
    try:
        # the connection through the relay is opened here, outside the 0.5 s that each request below may wait for
        # Redis (on a loaded CI machine, opening it once took longer and the limiter fell back before the fault)
        for _ in range(40):
            if await limiter.redis_ready():
                break
            await asyncio.sleep(0.25)
        home = peers.at(HOME)
        email = f"reader-{uuid.uuid4().hex[:8]}@example.com"
        signed_up = await signup(home, email)
        home.cookies.clear()
        bearer = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
        prober = peers.at("203.0.113.20")  # unknown addresses from one IP: its window
        attacker = peers.at("203.0.113.21")  # wrong passwords for the reader: the account's failure count
        for _ in range(2):
            assert (await prober.post("/auth/login", json=nobody())).status_code == 401
            assert (await attacker.post("/auth/login", json=login_body(email, "Wrong-passw0rd"))).status_code == 401
        assert limiter.backend == "redis"

        if fault == "refused":
            await hop.stop()
        else:
            hop.silence()

        asked: list[RedisCalls] = []  # the limiter's calls to Redis, request by request

        async def call(request: Any) -> httpx.Response:
            before = RedisCalls.so_far()
            response = await answered(request)
            calls = RedisCalls.so_far() - before
            # at most one wait for Redis per request, bounded by REDIS_TIMEOUT_SECONDS; then memory decides without
            # asking (counted, not timed: the request around it may be slow on a loaded machine, the wait may not)
            assert calls.failed <= 1 and calls.failed_late == 0, (response.request.url, calls)
            assert calls.ok == 0 or calls.failed == 0, (response.request.url, calls)
            asked.append(calls)
            assert response.status_code < 500 or response.request.url.path == "/readyz", response.text
            return response

        # the IP window goes on from what this process counted: two more, then 429
        assert (await call(prober.post("/auth/login", json=nobody()))).status_code == 401
        assert limiter.backend == "memory (redis unreachable)"
        assert (await call(prober.post("/auth/login", json=nobody()))).status_code == 401
        limited = await call(prober.post("/auth/login", json=nobody()))
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1

        # the account's failure count is in the database: the third failure slows the account down, right password
        # or not, as it would with Redis
        assert (await call(attacker.post("/auth/login", json=login_body(email, "Wrong-passw0rd")))).status_code == 401
        slowed = await call(attacker.post("/auth/login", json=login_body(email, PASSWORD)))
        assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
        # the reader at home (a known address: signed up there) still gets in: their bucket is in memory now
        at_home = await call(home.post("/auth/login", json=login_body(email, PASSWORD)))
        assert at_home.status_code == 200, at_home.text
        cookie = {"cookie": f"refresh_token={at_home.cookies['refresh_token']}"}
        home.cookies.clear()
        refreshed = await call(home.post("/auth/refresh", headers=cookie))
        assert refreshed.status_code == 200
        home.cookies.clear()
        cookie = {"cookie": f"refresh_token={refreshed.cookies['refresh_token']}"}

        # revocation does not depend on Redis: signing out ends the session and every earlier access token at once
        assert (await call(home.post("/auth/logout", headers=cookie))).status_code == 204
        assert (await call(home.get("/auth/me", headers=bearer))).status_code == 401
        assert (await call(home.post("/auth/refresh", headers=cookie))).status_code == 401

        # ready, degraded: every instance can still serve, so none is taken out of rotation for it
        ready = await call(home.get("/readyz"))
        assert ready.status_code == 200
        assert ready.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}

        # through the whole outage Redis was asked once, by the first request, and never answered
        assert sum(asked, RedisCalls()) == RedisCalls(failed=1)
        assert asked[0] == RedisCalls(failed=1)

        if fault == "refused":
            await hop.start()
        else:
            hop.restore()
        # not asked again before REDIS_RETRY_SECONDS: memory still decides
        assert (await call(prober.post("/auth/login", json=nobody()))).status_code == 429
        assert limiter.backend == "memory (redis unreachable)"
        assert asked[-1] == RedisCalls()
        clock.advance(seconds=REDIS_RETRY_SECONDS)
        newcomer = peers.at("203.0.113.22")
        assert (await call(newcomer.post("/auth/login", json=nobody()))).status_code == 401
        assert limiter.backend == "redis"
        assert asked[-1].ok >= 1 and asked[-1].failed == 0
        assert (await call(home.get("/readyz"))).json() == {"status": "ok", "database": "ok", "redis": "ok"}

        # shared again: another instance sees this one's counts
        other = Peers(settings, clock)
        try:
            for _ in range(3):
                assert (await newcomer.post("/auth/login", json=nobody())).status_code == 401
            there = await other.at("203.0.113.22").post("/auth/login", json=nobody())
            assert there.status_code == 429
        finally:
            await other.close()

        messages = [record.getMessage() for record in caplog.records if record.name == "authgate"]
        assert sum("Redis unreachable" in message for message in messages) == 1
        assert sum("Redis reachable again" in message for message in messages) == 1
    finally:
        await peers.close()


@dataclass(frozen=True)
class RedisCalls:
    """The rate limiter's calls to Redis (authgate_redis_seconds): answered, failed, and failed after
    REDIS_CALL_BOUND seconds."""

    ok: float = 0
    failed: float = 0
    failed_late: float = 0

    @staticmethod
    def so_far() -> RedisCalls:
        def sample(name: str, **labels: str) -> float:
            return REGISTRY.get_sample_value(f"authgate_redis_seconds_{name}", labels) or 0.0

        failed = sample("count", outcome="failed")
        return RedisCalls(
            ok=sample("count", outcome="ok"),
            failed=failed,
            failed_late=failed - sample("bucket", outcome="failed", le=REDIS_CALL_BOUND),
        )

    def __sub__(self, other: RedisCalls) -> RedisCalls:
        return RedisCalls(self.ok - other.ok, self.failed - other.failed, self.failed_late - other.failed_late)

    def __add__(self, other: RedisCalls) -> RedisCalls:
        return RedisCalls(self.ok + other.ok, self.failed + other.failed, self.failed_late + other.failed_late)


def nobody() -> dict[str, str]:
    return login_body(f"nobody-{uuid.uuid4().hex[:8]}@example.com", "Wrong-passw0rd")
