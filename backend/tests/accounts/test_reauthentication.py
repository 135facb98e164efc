"""Re-authentication is a sign-in attempt: the account's window and lockout hold whatever the source address.

The attack pass behind this: with a stolen session and 60 source addresses, the 60th guess of the current password
through POST /auth/change-password succeeded, the attacker set a new password and the reader's devices were signed
out. Here a real `authgate serve` is attacked by clients bound to 60 different loopback addresses.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import PASSWORD, TEST_REDIS_URL, flush_test_redis, signup_body
from tests.serving import cli_env, served

ATTACKER_ADDRESSES = [f"127.0.0.{n}" for n in range(2, 62)]
NEW_PASSWORD = "Attacker-chosen-passphrase-1"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    """One served instance per database for the module (the session's migrated database): each test signs up a
    reader of its own, whose account lockout it attacks from a clean start. PostgreSQL goes with Redis, as in
    production, emptied first; SQLite with the in-memory counters."""
    database_url: str = request.getfixturevalue(f"{request.param}_url")
    extra: dict[str, str] = {}
    if request.param == "postgresql":
        flush_test_redis()
        extra["REDIS_URL"] = TEST_REDIS_URL
    with served(cli_env(database_url, **extra)) as url:
        yield url


def client_at(address: str, base: str) -> httpx.Client:
    """A client whose connections leave from `address`: the server sees that peer, as it would a real one."""
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=address), timeout=30)


def guess(base: str, address: str, path: str, body: dict[str, str], **headers: str) -> httpx.Response:
    with client_at(address, base) as http:
        return http.request("DELETE" if path == "/auth/me" else "POST", path, json=body, headers=headers)


SENSITIVE = {
    "/auth/change-password": lambda password: {"current_password": password, "new_password": NEW_PASSWORD},
    "/auth/change-email": lambda password: {"new_email": "attacker@example.net", "password": password},
    "/auth/me": lambda password: {"password": password},
}


@pytest.mark.parametrize("path", list(SENSITIVE))
def test_guessing_the_password_from_many_addresses_is_stopped_by_the_account_lockout(base: str, path: str) -> None:
    with client_at("127.0.0.1", base) as home:
        signed_up = home.post("/auth/signup", json=signup_body())
    assert signed_up.status_code == 201
    email = signed_up.json()["user"]["email"]
    stolen = {"authorization": f"Bearer {signed_up.json()['access_token']}"}
    body = SENSITIVE[path]

    statuses = [
        guess(base, address, path, body(f"guess-{n}-Wrong"), **stolen).status_code
        for n, address in enumerate(ATTACKER_ADDRESSES)
    ]
    # five wrong guesses are answered as such; from then on the account is slowed down whatever the address:
    # one guess after 1 s, 2 s, 4 s … (a real clock here: the few waits that end during the run let one through)
    assert statuses[:5] == [401] * 5
    assert statuses.count(401) <= 5 + 6, statuses
    assert statuses.count(429) >= 45
    # so the right password, guessed from yet another address while the account waits, is not even checked
    while (extra := guess(base, "127.0.0.63", path, body("one-more-Wrong"), **stolen).status_code) != 429:
        statuses.append(extra)  # a wait ended just now: this guess used it; the next one waits again
    right = guess(base, "127.0.0.62", path, body(PASSWORD), **stolen)
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1

    # the reader at home is not locked out, and the account is theirs as before
    with client_at("127.0.0.1", base) as home:
        login = home.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        events = home.get("/auth/me/events", headers={"authorization": f"Bearer {login.json()['access_token']}"}).json()
    failures = [e for e in events if e["type"] == "reauthentication_failed"]
    # every checked wrong guess is a security event with the guesser's address, and nothing else is
    assert len(failures) == statuses.count(401)
    assert set(ATTACKER_ADDRESSES[:5]) <= {e["ip_address"] for e in failures}
    assert "sign_in_throttled" in {e["type"] for e in events}


def test_the_refresh_cookie_alone_cannot_re_authenticate(base: str) -> None:
    # a stolen 7-day cookie is no access token: every route that changes the account refuses it, even with the
    # right password, and no guess through it is even counted
    with client_at("127.0.0.1", base) as home:
        signed_up = home.post("/auth/signup", json=signup_body())
    cookie = {"cookie": f"refresh_token={signed_up.cookies['refresh_token']}"}
    for path, body in SENSITIVE.items():
        for n, address in enumerate(ATTACKER_ADDRESSES[:3]):
            refused = guess(base, address, path, body(PASSWORD if n == 2 else f"guess-{n}"), **cookie)
            assert refused.status_code == 401 and refused.json()["code"] == "NOT_AUTHENTICATED", path
    with client_at("127.0.0.1", base) as home:
        assert home.post("/auth/refresh", headers=cookie).status_code == 200
