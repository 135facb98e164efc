"""Consecutive failures on one account: slowed down, then a password reset required; the reader never locked out."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from authgate.events.service import EventType
from authgate.onetime.service import Purpose, issue
from tests.conftest import PASSWORD, FakeClock, signup
from tests.ports import free_port
from tests.ratelimit.conftest import HashCounter, comparable, db_execute, limited_settings, login_body

RESET_REQUIRED = {
    "detail": "Too many failed sign-ins; reset your password to continue",
    "code": "PASSWORD_RESET_REQUIRED",
}
# the per-IP and per-account windows are real-time; these tests move the injected clock instead
OPEN_WINDOWS = {"rate_limit_login_ip": "10000/minute", "rate_limit_login_account": "10000/minute"}
HOME = "192.0.2.10"


def events(database_url: str, event: EventType) -> list[tuple[str | None]]:
    rows = db_execute(database_url, "SELECT ip_address FROM security_events WHERE type = :t", t=event.value)
    return [tuple(row) for row in rows]


def failure_columns(database_url: str, email: str) -> tuple[int, bool]:
    rows = db_execute(
        database_url, "SELECT failed_login_count, password_reset_required FROM users WHERE email = :e", e=email
    )
    return int(rows[0][0]), bool(rows[0][1])


async def fail_until_refused(http: httpx.AsyncClient, email: str, clock: FakeClock, attempts: int) -> list[int]:
    """`attempts` wrong passwords, each as soon as the server allows it (the clock skips the Retry-After)."""
    statuses = []
    for n in range(attempts):
        response = await http.post("/auth/login", json=login_body(email, f"Wrong-{n}-passw0rd"))
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["retry-after"]))
            response = await http.post("/auth/login", json=login_body(email, f"Wrong-{n}-passw0rd"))
        statuses.append(response.status_code)
    return statuses


async def guesses_at_once(peers, email: str, addresses: list[str], label: str) -> list[int]:
    """One wrong password from each address, all sent at once: their statuses."""
    responses = await asyncio.gather(
        *(
            peers.at(address).post("/auth/login", json=login_body(email, f"{label}-{n}-passw0rd"))
            for n, address in enumerate(addresses)
        )
    )
    return [response.status_code for response in responses]


def assert_judged_one_at_a_time(statuses: list[int], settings, hashing: HashCounter) -> None:
    """A burst got no more passwords checked than the policy allows before the first wait."""
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= settings.lockout_slowdown_after, statuses
    # a refused guess was never hashed
    assert len(hashing.calls) == statuses.count(401)


async def test_failures_slow_the_account_down_without_hashing(database_url: str, clock: FakeClock, make_peers) -> None:
    peers = make_peers(limited_settings(database_url, **OPEN_WINDOWS), clock)
    await signup(peers.at(HOME), "slow@example.com")
    attacker = peers.at("203.0.113.66")
    for n in range(5):
        assert (
            await attacker.post("/auth/login", json=login_body("slow@example.com", f"x-{n}-Passw0rd"))
        ).status_code == 401
    hashing = HashCounter(peers.gate)
    for expected_wait in (1, 2, 4, 8):
        # even the right password waits: the answer must not depend on it
        early = await attacker.post("/auth/login", json=login_body("slow@example.com", PASSWORD))
        assert early.status_code == 429
        assert early.json() == {"detail": "Too many requests; try again later", "code": "RATE_LIMITED"}
        assert early.headers["retry-after"] == str(expected_wait)
        assert hashing.calls == []
        clock.advance(seconds=expected_wait)
        assert (
            await attacker.post("/auth/login", json=login_body("slow@example.com", "Wrong-passw0rd"))
        ).status_code == 401
        hashing.reset()
    assert failure_columns(database_url, "slow@example.com") == (9, False)
    assert len(events(database_url, EventType.SIGN_IN_FAILED)) == 9
    assert events(database_url, EventType.SIGN_IN_THROTTLED) == [("203.0.113.66",)]


async def test_a_successful_sign_in_resets_the_count(database_url: str, clock: FakeClock, make_peers) -> None:
    peers = make_peers(limited_settings(database_url, **OPEN_WINDOWS), clock)
    http = peers.at("203.0.113.67")
    await signup(http, "reset-count@example.com")
    assert await fail_until_refused(http, "reset-count@example.com", clock, 4) == [401] * 4
    assert (await http.post("/auth/login", json=login_body("reset-count@example.com", PASSWORD))).status_code == 200
    assert failure_columns(database_url, "reset-count@example.com") == (0, False)
    # four more in a row are still under the threshold: no wait
    for n in range(4):
        response = await http.post("/auth/login", json=login_body("reset-count@example.com", f"w-{n}-Passw0rd"))
        assert response.status_code == 401


async def test_at_the_cap_the_password_alone_no_longer_signs_in(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    peers = make_peers(limited_settings(database_url, **OPEN_WINDOWS), clock)  # cap: 50
    await signup(peers.at(HOME), "capped@example.com")
    attacker = peers.at("203.0.113.70")
    assert await fail_until_refused(attacker, "capped@example.com", clock, 50) == [401] * 50
    assert failure_columns(database_url, "capped@example.com") == (50, True)
    assert len(events(database_url, EventType.ACCOUNT_LOCKED)) == 1
    hashing = HashCounter(peers.gate)
    clock.advance(days=30)
    for password in (PASSWORD, "Wrong-passw0rd"):
        # the right password and a wrong one get the same answer: it reveals nothing about the password
        refused = await peers.at("198.51.100.7").post("/auth/login", json=login_body("capped@example.com", password))
        assert refused.status_code == 403 and refused.json() == RESET_REQUIRED
    assert hashing.calls == []


async def test_the_reader_at_a_known_address_gets_in_after_the_attackers_100_failures(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    peers = make_peers(limited_settings(database_url, **OPEN_WINDOWS), clock)
    home = peers.at(HOME)
    await signup(home, "victim@example.com")
    assert (await home.post("/auth/login", json=login_body("victim@example.com", PASSWORD))).status_code == 200
    statuses = []
    for n in range(100):
        attacker = peers.at(f"198.51.100.{n + 1}")
        response = await attacker.post("/auth/login", json=login_body("victim@example.com", f"Guess-{n}-passw0rd"))
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["retry-after"]))
            response = await attacker.post("/auth/login", json=login_body("victim@example.com", f"Guess-{n}-pw0rd"))
        statuses.append(response.status_code)
    assert statuses == [401] * 50 + [403] * 50
    # the reader, from where they signed in before, with the right password
    welcome = await home.post("/auth/login", json=login_body("victim@example.com", PASSWORD))
    assert welcome.status_code == 200
    # the count restarts, the reset requirement stays for everyone else
    assert failure_columns(database_url, "victim@example.com") == (0, True)
    stranger = await peers.at("198.51.100.250").post("/auth/login", json=login_body("victim@example.com", PASSWORD))
    assert stranger.status_code == 403


async def test_the_reader_at_a_known_address_gets_in_while_the_account_window_is_full(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # shipped defaults: 10/minute per account; the attacker fills it from 100 addresses
    peers = make_peers(limited_settings(database_url), clock)
    home = peers.at(HOME)
    await signup(home, "window@example.com")
    assert (await home.post("/auth/login", json=login_body("window@example.com", PASSWORD))).status_code == 200
    statuses = set()
    for n in range(100):
        response = await peers.at(f"198.51.100.{n + 1}").post(
            "/auth/login", json=login_body("window@example.com", f"Guess-{n}-passw0rd")
        )
        statuses.add(response.status_code)
    assert statuses == {401, 429}
    assert (await home.post("/auth/login", json=login_body("window@example.com", PASSWORD))).status_code == 200


async def test_an_attacker_sharing_the_readers_address_is_still_slowed_down(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    peers = make_peers(limited_settings(database_url, **OPEN_WINDOWS), clock)
    home = peers.at(HOME)
    await signup(home, "nat@example.com")
    assert (await home.post("/auth/login", json=login_body("nat@example.com", PASSWORD))).status_code == 200
    neighbour = peers.at(HOME)  # same NAT address, not the reader
    for n in range(5):
        assert (
            await neighbour.post("/auth/login", json=login_body("nat@example.com", f"n-{n}-Passw0rd"))
        ).status_code == 401
    slowed = await neighbour.post("/auth/login", json=login_body("nat@example.com", "Another-passw0rd"))
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
    # and the known-address bucket reaches the cap too
    await fail_until_refused(neighbour, "nat@example.com", clock, 45)
    capped = await neighbour.post("/auth/login", json=login_body("nat@example.com", PASSWORD))
    assert capped.status_code == 403


async def test_after_a_password_reset_the_reader_signs_in_anywhere(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(database_url, lockout_slowdown_after=3, lockout_reset_required_after=6, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "forgetful@example.com")
    attacker = peers.at("203.0.113.90")
    await fail_until_refused(attacker, "forgetful@example.com", clock, 6)
    new_place = peers.at("198.51.100.33")
    assert (await new_place.post("/auth/login", json=login_body("forgetful@example.com", PASSWORD))).status_code == 403
    # what the reset flow does to these columns (it also changes the password; the old one serves here)
    db_execute(
        database_url,
        "UPDATE users SET failed_login_count = 0, password_reset_required = false, last_failed_login_at = NULL "
        "WHERE email = :e",
        e="forgetful@example.com",
    )
    assert (await new_place.post("/auth/login", json=login_body("forgetful@example.com", PASSWORD))).status_code == 200


async def test_known_and_unknown_emails_are_indistinguishable_under_throttling(
    database_url: str, storage: str | None, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(
        database_url, redis_url=storage, lockout_slowdown_after=3, lockout_reset_required_after=7, **OPEN_WINDOWS
    )
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "exists@example.com")
    attacker = peers.at("203.0.113.99")
    trace: dict[str, list[tuple[int, bytes, dict[str, str]]]] = {"exists@example.com": [], "ghost@example.com": []}
    for step in range(30):
        for email, seen in trace.items():
            response = await attacker.post("/auth/login", json=login_body(email, f"Wrong-{step}-passw0rd"))
            seen.append(comparable(response))
        clock.advance(seconds=1)
    known, unknown = trace.values()
    assert known == unknown
    statuses = [status for status, _, _ in known]
    assert {401, 429, 403} <= set(statuses), statuses
    assert statuses[-1] == 403
    # from any other address too, with any password
    fresh = peers.at("198.51.100.77")
    other = await fresh.post("/auth/login", json=login_body("ghost@example.com", PASSWORD))
    mirror = await fresh.post("/auth/login", json=login_body("exists@example.com", PASSWORD))
    assert comparable(other) == comparable(mirror)
    assert peers.gate.limiter.backend == ("redis" if storage else "memory")


async def test_the_reset_endpoint_lifts_the_requirement_and_starts_the_known_address_bucket_afresh(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(database_url, lockout_slowdown_after=3, lockout_reset_required_after=6, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    home = peers.at(HOME)
    await signup(home, "resetter@example.com")
    assert (await home.post("/auth/login", json=login_body("resetter@example.com", PASSWORD))).status_code == 200
    # someone at the reader's own address exhausts that address's bucket too
    await fail_until_refused(home, "resetter@example.com", clock, 6)
    assert (await home.post("/auth/login", json=login_body("resetter@example.com", PASSWORD))).status_code == 403
    user_id = uuid.UUID(str(db_execute(database_url, "SELECT id FROM users")[0][0]))
    gate = peers.gate
    async with gate.sessions.begin() as db:
        token = await issue(db, user_id, Purpose.RESET_PASSWORD, "resetter@example.com", timedelta(hours=1), gate.now())
    new_password = "Brand-new-passw0rd!"
    reset = await peers.at("198.51.100.44").post(
        "/auth/reset-password", json={"token": token, "new_password": new_password}
    )
    assert reset.status_code == 200, reset.text
    assert failure_columns(database_url, "resetter@example.com") == (0, False)
    for place in (home, peers.at("198.51.100.45")):
        response = await place.post("/auth/login", json=login_body("resetter@example.com", new_password))
        assert response.status_code == 200


async def test_a_reader_who_only_signed_up_is_known_at_their_own_address(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # the attack pass: `account_created` was never recorded, so a reader who had only signed up got 429 at home
    # while an attacker filled the account's failure window, then 403 after 50 failures
    peers = make_peers(limited_settings(database_url, **OPEN_WINDOWS), clock)
    home = peers.at(HOME)
    await signup(home, "newcomer@example.com")
    statuses = []
    for n in range(60):
        response = await peers.at(f"198.51.100.{n + 1}").post(
            "/auth/login", json=login_body("newcomer@example.com", f"Guess-{n}-passw0rd")
        )
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["retry-after"]))
            response = await peers.at(f"198.51.100.{n + 1}").post(
                "/auth/login", json=login_body("newcomer@example.com", f"Guess-{n}-passw0rd")
            )
        statuses.append(response.status_code)
    assert statuses == [401] * 50 + [403] * 10
    assert (await home.post("/auth/login", json=login_body("newcomer@example.com", PASSWORD))).status_code == 200
    assert events(database_url, EventType.ACCOUNT_CREATED) == [(HOME,)]


@pytest.mark.parametrize("counters", ["memory per process", "redis unreachable"])
async def test_known_and_unknown_emails_look_alike_on_another_process_without_shared_counters(
    database_url: str, clock: FakeClock, make_peers, counters: str
) -> None:
    # the attack pass: with per-process counters (several workers, no REDIS_URL, or Redis down), failures made on
    # one process left a known address throttled on the next (its count is in the database) and an unknown one
    # not (its count was in the first process's memory): an enumeration oracle
    redis_url = None if counters == "memory per process" else f"redis://127.0.0.1:{free_port()}/0"
    settings = limited_settings(
        database_url, redis_url=redis_url, lockout_slowdown_after=3, lockout_reset_required_after=7, **OPEN_WINDOWS
    )
    first, second = make_peers(settings, clock), make_peers(settings, clock)
    await signup(first.at(HOME), "exists@example.com")
    attacker = first.at("203.0.113.98")
    for email in ("exists@example.com", "ghost@example.com"):
        for n in range(3):
            assert (await attacker.post("/auth/login", json=login_body(email, f"Wrong-{n}-pw0rd!"))).status_code == 401
    elsewhere = second.at("203.0.113.97")
    known = await elsewhere.post("/auth/login", json=login_body("exists@example.com", "Wrong-again-pw0rd"))
    unknown = await elsewhere.post("/auth/login", json=login_body("ghost@example.com", "Wrong-again-pw0rd"))
    assert known.status_code == 429
    assert comparable(known) == comparable(unknown)


@pytest.mark.parametrize("who", ["known", "unknown"])
async def test_parallel_guesses_cannot_all_pass_on_one_count(
    database_url: str, clock: FakeClock, make_peers, who: str
) -> None:
    # the attack pass: guesses sent at once were all judged on the count read before any of them was hashed, so
    # a burst got 10 passwords checked where the policy allows 5 before the first wait
    settings = limited_settings(database_url, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "burst@example.com")
    email = "burst@example.com" if who == "known" else "nobody-burst@example.com"
    hashing = HashCounter(peers.gate)
    addresses = [f"198.51.100.{n + 1}" for n in range(30)]
    statuses = await guesses_at_once(peers, email, addresses, "Burst")
    assert_judged_one_at_a_time(statuses, settings, hashing)


async def test_parallel_re_authentication_guesses_are_one_at_a_time(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    settings = limited_settings(database_url, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    token = (await signup(peers.at(HOME), "burst-reauth@example.com")).json()["access_token"]
    bearer = {"authorization": f"Bearer {token}"}
    responses = await asyncio.gather(
        *(
            peers.at(f"198.51.100.{n + 1}").post(
                "/auth/change-password",
                headers=bearer,
                json={"current_password": f"Burst-{n}-passw0rd", "new_password": "Attacker-passphrase-9"},
            )
            for n in range(30)
        )
    )
    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {401, 429} and statuses.count(401) <= settings.lockout_slowdown_after


async def test_an_address_looks_the_same_before_and_after_an_account_is_made_or_deleted(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # the attack pass: an address locked while it had no account answered 403; once someone signed up with it,
    # 401. A periodic probe saw sign-ups (and deletions) happen
    settings = limited_settings(database_url, lockout_slowdown_after=2, lockout_reset_required_after=4, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    prober = peers.at("203.0.113.120")
    await fail_until_refused(prober, "later@example.com", clock, 4)
    before = await prober.post("/auth/login", json=login_body("later@example.com", "Probe-passw0rd"))
    assert before.status_code == 403
    signed_up = await signup(peers.at(HOME), "later@example.com")
    after = await prober.post("/auth/login", json=login_body("later@example.com", "Probe-passw0rd"))
    assert comparable(after) == comparable(before)
    # and the other way round: the account goes, the address stays as it was
    deleted = await peers.at(HOME).request(
        "DELETE",
        "/auth/me",
        json={"password": PASSWORD},
        headers={"authorization": f"Bearer {signed_up.json()['access_token']}"},
    )
    assert deleted.status_code == 204
    gone = await prober.post("/auth/login", json=login_body("later@example.com", "Probe-passw0rd"))
    assert comparable(gone) == comparable(before)


async def test_a_window_that_refuses_reserves_nothing(database_url: str, clock: FakeClock, make_peers) -> None:
    # the account's window is asked first, then (on PostgreSQL in the same statement) the account is read and the
    # attempt reserved: an attempt the window refuses leaves the failure columns as they were, and is not hashed
    settings = limited_settings(database_url, rate_limit_login_ip="10000/minute", rate_limit_login_account="2/minute")
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "window-first@example.com")
    for n in range(2):
        signed_in = await peers.at(f"203.0.113.{150 + n}").post(
            "/auth/login", json=login_body("window-first@example.com", PASSWORD)
        )
        assert signed_in.status_code == 200
    hashing = HashCounter(peers.gate)
    # from an address the account never signed in from (a known one has a window of its own)
    refused = await peers.at("203.0.113.140").post("/auth/login", json=login_body("window-first@example.com", PASSWORD))
    assert refused.status_code == 429
    assert hashing.calls == []
    rows = db_execute(
        database_url,
        "SELECT failed_login_count, last_failed_login_at FROM users WHERE email = :e",
        e="window-first@example.com",
    )
    assert [tuple(row) for row in rows] == [(0, None)]


async def sign_in_while_the_row_changes(
    database_url: str, http: httpx.AsyncClient, email: str, **columns: object
) -> httpx.Response:
    """A sign-in with the right password whose statement starts while another transaction holds the reader's row
    with `columns` changed, and gets the row once that transaction commits: the statement reads the row as it was
    and updates it as it is after."""
    connection = await asyncpg.connect(make_url(database_url).render_as_string(hide_password=False))
    try:
        transaction = connection.transaction()
        await transaction.start()
        assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(columns, start=2))
        await connection.execute(f"UPDATE users SET {assignments} WHERE email = $1", email, *columns.values())
        signing_in = asyncio.create_task(http.post("/auth/login", json=login_body(email, PASSWORD)))
        await wait_for_a_blocked_statement(database_url)
        await transaction.commit()
    finally:
        await connection.close()
    return await asyncio.wait_for(signing_in, 20)


async def wait_for_a_blocked_statement(database_url: str) -> None:
    """Until a statement on the test database waits for a row lock (asked every 10 ms, for at most 10 s)."""
    blocked = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    connection = await asyncpg.connect(make_url(database_url).render_as_string(hide_password=False))
    try:
        for _ in range(1000):
            if await connection.fetchval(blocked):
                return
            await asyncio.sleep(0.01)
    finally:
        await connection.close()
    raise AssertionError("no statement waited for the row lock within 10 s")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_password_changed_while_the_sign_in_waits_refuses_the_old_one(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # the statement that reserves the attempt reads the row as it was before (its snapshot) and reserves it as it
    # is after another transaction committed: here a password reset. The old password, checked against the hash
    # that was read, must not open a session on the account that now has another one
    settings = limited_settings(database_url, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "reset-meanwhile@example.com")
    new_hash = await peers.gate.hashing.hash("Another-passphrase-77")
    signed_in = await sign_in_while_the_row_changes(
        database_url, peers.at("203.0.113.141"), "reset-meanwhile@example.com", hashed_password=new_hash
    )
    assert signed_in.status_code == 401, signed_in.text
    assert "refresh_token" not in signed_in.cookies
    sessions = db_execute(
        database_url,
        "SELECT count(*) FROM refresh_tokens JOIN users ON users.id = refresh_tokens.user_id WHERE users.email = :e",
        e="reset-meanwhile@example.com",
    )
    assert sessions[0][0] == 1  # the one sign-up made
    # and the attempt counts as the failure it was
    assert failure_columns(database_url, "reset-meanwhile@example.com") == (1, False)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_guess_that_loses_the_reservation_to_a_parallel_one_is_refused_unhashed(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # the read shows no failures, but another guess reserved the row meanwhile: this one is not reserved by the
    # statement, and not on the count it read either; 429, before any hashing, and the count stays the other's
    settings = limited_settings(database_url, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "lost-race@example.com")
    hashing = HashCounter(peers.gate)
    guessed = await sign_in_while_the_row_changes(
        database_url,
        peers.at("203.0.113.142"),
        "lost-race@example.com",
        failed_login_count=1,
        last_failed_login_at=clock(),
    )
    assert guessed.status_code == 429 and guessed.headers["retry-after"] == "1"
    assert hashing.calls == []
    assert failure_columns(database_url, "lost-race@example.com") == (1, False)


def shed_every_hash(gate) -> None:
    """Every hash waits its whole queue timeout and is shed (503): no thread ever takes it, nothing is checked."""

    async def shed(*_args: object) -> None:
        raise gate._hashing_busy()

    gate.hashing.verify_and_update = shed
    gate.hashing.dummy_verify = shed


@pytest.mark.parametrize("who", ["known", "unknown"])
async def test_sign_ins_shed_before_their_hash_ran_are_not_left_counted_as_failures(
    database_url: str, clock: FakeClock, make_peers, who: str
) -> None:
    # the attempt is reserved (counted as a failure) before hashing; a hash shed with 503 never ran, so nothing was
    # learnt about the password. Left counted, a load spike turned the reader's own right password into a run of
    # failures: slowed down, then PASSWORD_RESET_REQUIRED, with no failure or lock event and the column still false
    settings = limited_settings(database_url, lockout_slowdown_after=10, lockout_reset_required_after=3, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "shed@example.com")
    email = "shed@example.com" if who == "known" else "nobody-shed@example.com"
    restore = (peers.gate.hashing.verify_and_update, peers.gate.hashing.dummy_verify)
    shed_every_hash(peers.gate)
    elsewhere = peers.at("203.0.113.160")
    for _ in range(3):
        assert (await elsewhere.post("/auth/login", json=login_body(email, PASSWORD))).status_code == 503
    peers.gate.hashing.verify_and_update, peers.gate.hashing.dummy_verify = restore
    after = await elsewhere.post("/auth/login", json=login_body(email, PASSWORD))
    assert after.status_code == (200 if who == "known" else 401), after.text
    if who == "known":
        assert failure_columns(database_url, email) == (0, False)
    assert events(database_url, EventType.ACCOUNT_LOCKED) == []


@pytest.mark.parametrize("refusal", ["unverified", "suspended"])
async def test_a_right_password_refused_for_another_reason_is_not_counted_as_a_failure(
    database_url: str, clock: FakeClock, make_peers, refusal: str
) -> None:
    # the attempt is reserved before hashing and a right password gives the reservation back by signing in; a right
    # password answered EMAIL_NOT_VERIFIED or ACCOUNT_SUSPENDED left it counted: a reader waiting for the mail, or a
    # suspended reader, locked themselves out with their own password (PASSWORD_RESET_REQUIRED once verified or
    # reinstated), with no failure event for any of it
    settings = limited_settings(
        database_url,
        lockout_slowdown_after=10,
        lockout_reset_required_after=3,
        require_verified_email=refusal == "unverified",
        **OPEN_WINDOWS,
    )
    peers = make_peers(settings, clock)
    await signup(peers.at(HOME), "refused@example.com")
    if refusal == "suspended":
        db_execute(database_url, "UPDATE users SET is_active = false WHERE email = :e", e="refused@example.com")
    expected = "EMAIL_NOT_VERIFIED" if refusal == "unverified" else "ACCOUNT_SUSPENDED"
    elsewhere = peers.at("203.0.113.161")
    for _ in range(4):
        refused = await elsewhere.post("/auth/login", json=login_body("refused@example.com", PASSWORD))
        assert (refused.status_code, refused.json()["code"]) == (403, expected)
    assert failure_columns(database_url, "refused@example.com") == (0, False)
    assert events(database_url, EventType.SIGN_IN_FAILED) == []


async def test_parallel_guesses_from_the_readers_address_cannot_all_pass_on_one_count(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # the account is locked by an attacker elsewhere; a neighbour behind the reader's NAT address then sends a
    # burst: the known-address bucket judged every guess on the failure count read before any was hashed, so the
    # whole burst was checked where the policy allows 5 before the first wait (and the bucket's cap overshot)
    settings = limited_settings(database_url, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    home = peers.at(HOME)
    await signup(home, "nat-burst@example.com")
    elsewhere = peers.at("198.51.100.200")
    await fail_until_refused(elsewhere, "nat-burst@example.com", clock, 50)
    assert failure_columns(database_url, "nat-burst@example.com") == (50, True)
    hashing = HashCounter(peers.gate)
    statuses = await guesses_at_once(peers, "nat-burst@example.com", [HOME] * 30, "Nat")
    assert_judged_one_at_a_time(statuses, settings, hashing)


async def test_a_right_password_at_the_readers_address_answered_with_a_challenge_is_not_counted_there(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # a guess at the reader's address is counted in its bucket before hashing; a right password that is answered
    # with a second-factor challenge gives that back, so the reader at home is never slowed by their own password
    from tests.mfa.helpers import enrolled_reader

    settings = limited_settings(database_url, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    home = peers.at(HOME)
    reader = await enrolled_reader(home, clock, "two-step-home@example.com")
    await fail_until_refused(peers.at("198.51.100.201"), reader.email, clock, 50)
    for _ in range(settings.lockout_slowdown_after + 2):
        home.cookies.clear()
        answered = await home.post("/auth/login", json=login_body(reader.email, PASSWORD))
        assert answered.status_code == 200 and answered.json()["mfa_required"] is True, answered.text


async def test_an_address_looks_the_same_before_and_after_an_account_moves_to_it_or_away(
    database_url: str, clock: FakeClock, make_peers
) -> None:
    # attack pass: the state moves with the address at sign-up and deletion (above), not at a change of address. A
    # prober who locked an address no account had saw it answer 403, then 401 once an account moved to it; an
    # address whose account was locked went from 403 to 401 once the account moved away. A periodic probe saw the
    # reader change address, and where to
    settings = limited_settings(database_url, lockout_slowdown_after=2, lockout_reset_required_after=4, **OPEN_WINDOWS)
    peers = make_peers(settings, clock)
    prober = peers.at("203.0.113.121")
    home = peers.at(HOME)
    arriving = await signup(home, "arriving-old@example.com")
    leaving = await signup(home, "leaving-old@example.com")
    watched = ["arriving-new@example.com", "leaving-old@example.com", "leaving-new@example.com"]
    # an address no account has, locked; an account's address, locked; a third left alone
    await fail_until_refused(prober, "arriving-new@example.com", clock, 4)
    await fail_until_refused(prober, "leaving-old@example.com", clock, 4)

    async def probe() -> dict[str, tuple[int, bytes, dict[str, str]]]:
        return {
            email: comparable(await prober.post("/auth/login", json=login_body(email, "Probe-passw0rd")))
            for email in watched
        }

    before = await probe()
    assert [before[email][0] for email in watched] == [403, 403, 401]
    gate = peers.gate
    for reader, new_email in ((arriving, "arriving-new@example.com"), (leaving, "leaving-new@example.com")):
        # the reader moves the account: the link mailed to the new address, used
        user_id = uuid.UUID(reader.json()["user"]["id"])
        async with gate.sessions.begin() as db:
            token = await issue(db, user_id, Purpose.CHANGE_EMAIL, new_email, timedelta(hours=1), gate.now())
        moved = await home.post("/auth/verify-email", json={"token": token})
        assert moved.status_code == 200, moved.text
    assert await probe() == before
