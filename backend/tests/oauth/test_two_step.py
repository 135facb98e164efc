"""A provider is a first factor like a password: a reader with two-step sign-in on is challenged after it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import SITE, FakeClock
from tests.mfa.helpers import app_code, bearer, turn_on_totp
from tests.providers import sign_in_through


async def test_a_provider_sign_in_for_a_two_step_reader_is_challenged(api: httpx.AsyncClient, clock: FakeClock) -> None:
    await sign_in_through(api, "github")
    access = (await api.post("/auth/refresh")).json()["access_token"]
    # a reader who came through a provider has no password: a recent sign-in is their proof
    secret, _ = await turn_on_totp(api, access, clock, proof={})
    api.cookies.clear()

    back = await sign_in_through(api, "github", next_path="/docs/intro")
    assert back.status_code == 302
    landing = urlsplit(back.headers["location"])
    assert f"{landing.scheme}://{landing.netloc}{landing.path}" == f"{SITE}/auth/two-factor"
    assert parse_qs(landing.query) == {"next": ["/docs/intro"]}
    cookies = back.headers.get_list("set-cookie")
    assert any(c.startswith("authgate_challenge=") and "HttpOnly" in c for c in cookies)
    assert not any(c.startswith("refresh_token=") for c in cookies)
    # no session until the code: the cookie jar holds only the challenge
    assert (await api.post("/auth/refresh")).status_code == 401

    verified = await api.post("/auth/mfa/verify", json={"code": app_code(secret, clock)})
    assert verified.status_code == 200, verified.text
    me = await api.get("/auth/me", headers=bearer(verified.json()["access_token"]))
    assert me.json()["user"]["email"] == "octo@example.com"
    # the challenge cookie is spent and cleared with the sign-in
    assert any(
        c.startswith('authgate_challenge=""') or "Max-Age=0" in c
        for c in verified.headers.get_list("set-cookie")
        if c.startswith("authgate_challenge")
    )
