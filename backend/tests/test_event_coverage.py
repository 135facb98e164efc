"""Every security event type a feature declares is recorded by some flow (`account_created` was once declared and never
recorded, and the lockout treated readers who had only signed up as strangers at home)."""

from __future__ import annotations

import httpx

from authgate.events.service import EventType
from authgate.mfa.service import reset_second_factors
from tests.conftest import PASSWORD, FakeClock, app_client
from tests.mail.smtp import PUBLIC_URL, Inbox, bearer, drain, inbox, query, smtp_settings  # noqa: F401 - the inbox fixture
from tests.mfa.helpers import SoftAuthenticator, add_passkey, app_code, passkey_options, password_step, turn_on_totp
from tests.providers import CLIENT_ID, CLIENT_SECRET, GitHubProvider, serving, sign_in_through

NEW_PASSWORD = "Another-long-passphrase-7"


async def every_flow(http: httpx.AsyncClient, mail: Inbox, clock: FakeClock) -> None:
    """Sign-up to data export: each reader-visible thing the service does, once."""
    signed_up = await http.post(
        "/auth/signup",
        json={
            "email": "all@example.com",
            "password": PASSWORD,
            "experience_level": "beginner",
            "professional_role": "student",
        },
    )
    assert signed_up.status_code == 201
    first_cookie = signed_up.cookies["refresh_token"]
    access = signed_up.json()["access_token"]
    await drain(http)
    assert (await http.post("/auth/verify-email", json={"token": mail.token("all@example.com")})).status_code == 200

    wrong = await http.post(
        "/auth/change-password",
        headers=bearer(access),
        json={"current_password": "Not-it-at-all-1", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401
    patched = await http.patch("/auth/me/profile", headers=bearer(access), json={"organization": "Lab"})
    assert patched.status_code == 200
    assert (await http.get("/auth/me/export", headers=bearer(access))).status_code == 200

    # a second sign-in, ended from the first; then a refresh token replayed
    http.cookies.clear()
    second = await http.post("/auth/login", json={"email": "all@example.com", "password": PASSWORD})
    assert second.status_code == 200
    second_cookie = {"cookie": f"refresh_token={second.cookies['refresh_token']}"}
    http.cookies.clear()
    listed = await http.get("/auth/sessions", headers=bearer(access) | second_cookie)
    other = next(s["id"] for s in listed.json() if s["current"])
    http.cookies.clear()
    assert (await http.delete(f"/auth/sessions/{other}", headers=bearer(access))).status_code == 204
    refreshed = await http.post("/auth/refresh", headers={"cookie": f"refresh_token={first_cookie}"})
    assert refreshed.status_code == 200
    clock.advance(minutes=1)
    http.cookies.clear()
    replayed = await http.post("/auth/refresh", headers={"cookie": f"refresh_token={first_cookie}"})
    assert replayed.json()["code"] == "REFRESH_TOKEN_REUSED"

    http.cookies.clear()
    third = await http.post("/auth/login", json={"email": "all@example.com", "password": PASSWORD})
    access = third.json()["access_token"]
    changed = await http.post(
        "/auth/change-password",
        headers=bearer(access),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200
    access = changed.json()["access_token"]
    assert (await http.post("/auth/forgot-password", json={"email": "all@example.com"})).status_code == 202
    await drain(http)
    reset = await http.post(
        "/auth/reset-password",
        json={"token": mail.token("all@example.com", "Reset your password"), "new_password": PASSWORD},
    )
    assert reset.status_code == 200
    clock.advance(seconds=1)  # a token issued in the very millisecond of a reset is refused with the older ones

    http.cookies.clear()
    fourth = await http.post("/auth/login", json={"email": "all@example.com", "password": PASSWORD})
    access = fourth.json()["access_token"]
    asked = await http.post(
        "/auth/change-email", headers=bearer(access), json={"new_email": "moved@example.com", "password": PASSWORD}
    )
    assert asked.status_code == 202
    await drain(http)
    token = mail.token("moved@example.com", "Confirm your new email address")
    assert (await http.post("/auth/verify-email", json={"token": token})).status_code == 200

    clock.advance(seconds=1)
    http.cookies.clear()
    fifth = await http.post("/auth/login", json={"email": "moved@example.com", "password": PASSWORD})
    assert (
        await http.post("/auth/logout", headers={"cookie": f"refresh_token={fifth.cookies['refresh_token']}"})
    ).status_code == 204
    clock.advance(seconds=1)
    http.cookies.clear()
    sixth = await http.post("/auth/login", json={"email": "moved@example.com", "password": PASSWORD})
    assert (await http.delete("/auth/sessions", headers=bearer(sixth.json()["access_token"]))).status_code == 204

    # failures, the slowdown and the lock on a second reader (cap 3)
    await http.post(
        "/auth/signup",
        json={
            "email": "locked@example.com",
            "password": PASSWORD,
            "experience_level": "beginner",
            "professional_role": "student",
        },
    )
    for n in range(3):
        clock.advance(minutes=20)
        failed = await http.post("/auth/login", json={"email": "locked@example.com", "password": f"Wrong-{n}-pw0rd"})
        assert failed.status_code == 401


async def provider_flows(http: httpx.AsyncClient) -> None:
    """A provider connected to an account, then disconnected."""
    http.cookies.clear()
    signed_in = await http.post("/auth/login", json={"email": "moved@example.com", "password": PASSWORD})
    bearer_header = bearer(signed_in.json()["access_token"])
    asked = await http.post("/auth/oauth/github/connect", json={"password": PASSWORD}, headers=bearer_header)
    await sign_in_through(http, "github", start=asked.json()["authorize_url"])
    identity = (await http.get("/auth/identities", headers=bearer_header)).json()[0]["id"]
    removed = await http.request(
        "DELETE", f"/auth/identities/{identity}", json={"password": PASSWORD}, headers=bearer_header
    )
    assert removed.status_code == 204


async def second_factor_flows(http: httpx.AsyncClient, clock: FakeClock) -> None:
    """An authenticator app on, new backup codes, a wrong code, a passkey added, cloned and removed, the app off, and
    support's reset."""
    email = "two-step@example.com"
    signed_up = await http.post(
        "/auth/signup",
        json={"email": email, "password": PASSWORD, "experience_level": "beginner", "professional_role": "student"},
    )
    access = signed_up.json()["access_token"]
    secret, _ = await turn_on_totp(http, access, clock)
    assert (
        await http.post("/auth/mfa/backup-codes", headers=bearer(access), json={"password": PASSWORD})
    ).status_code == 200
    challenge = await password_step(http, email)
    wrong = await http.post(
        "/auth/mfa/verify", json={"challenge_token": challenge["challenge_token"], "code": "000000"}
    )
    assert wrong.json()["code"] == "INVALID_CODE"
    device = SoftAuthenticator(origin=PUBLIC_URL)
    passkey = await add_passkey(http, access, device)
    used = device.get(await passkey_options(http), sign_count=5)
    assert (await http.post("/auth/passkeys/authenticate", json={"credential": used})).status_code == 200
    cloned = device.get(await passkey_options(http), sign_count=2)
    assert (await http.post("/auth/passkeys/authenticate", json={"credential": cloned})).status_code == 401
    removed = await http.request(
        "DELETE", f"/auth/passkeys/{passkey['id']}", headers=bearer(access), json={"password": PASSWORD}
    )
    assert removed.status_code == 204
    clock.advance(seconds=30)
    off = await http.request("DELETE", "/auth/mfa/totp", headers=bearer(access), json={"code": app_code(secret, clock)})
    assert off.status_code == 204
    await turn_on_totp(http, access, clock)
    assert await reset_second_factors(http.app.state.authgate, email)  # type: ignore[attr-defined]


async def test_every_declared_event_type_is_recorded_by_some_flow(
    database_url: str,
    inbox: Inbox,  # noqa: F811 - the fixture
    clock: FakeClock,
) -> None:
    with serving(GitHubProvider()) as github:
        settings = smtp_settings(
            database_url,
            inbox,
            lockout_slowdown_after=2,
            lockout_reset_required_after=3,
            oauth_github_client_id=CLIENT_ID,
            oauth_github_client_secret=CLIENT_SECRET,
            oauth_github_url=github.url,
            oauth_github_api_url=f"{github.url}/api",
        )
        async with app_client(settings, clock) as http:
            await every_flow(http, inbox, clock)
            clock.advance(seconds=1)
            await provider_flows(http)
            await second_factor_flows(http, clock)
    recorded = {row[0] for row in query(database_url, "SELECT DISTINCT type FROM security_events")}
    assert recorded == {event.value for event in EventType}
