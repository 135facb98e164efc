"""Change password: the current one first; other sessions and older access tokens end, this tab goes on."""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, FakeClock, cookie_of, refresh_with, signup
from tests.mail.smtp import Inbox, bearer, drain, events_of

NEW_PASSWORD = "Changed-passphrase-8"


async def _change(
    http: httpx.AsyncClient, access: str | None, current: str = PASSWORD, new: str = NEW_PASSWORD, **headers: str
) -> httpx.Response:
    if access is not None:
        headers.update(bearer(access))
    return await http.post(
        "/auth/change-password", json={"current_password": current, "new_password": new}, headers=headers
    )


async def test_change_password_keeps_this_session_and_ends_the_others(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str, clock: FakeClock
) -> None:
    here = await signup(mail_client, "changer@example.com")
    mail_client.cookies.clear()
    there = await mail_client.post("/auth/login", json={"email": "changer@example.com", "password": PASSWORD})
    mail_client.cookies.clear()
    here_cookie, there_cookie = cookie_of(here), cookie_of(there)
    response = await _change(mail_client, here.json()["access_token"], cookie=f"refresh_token={here_cookie}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"} and body["token_type"] == "bearer"
    # the new access token works at once; every older one, this tab's included, is dead
    assert (await mail_client.get("/auth/me", headers=bearer(body["access_token"]))).status_code == 200
    for old in (here.json()["access_token"], there.json()["access_token"]):
        assert (await mail_client.get("/auth/me", headers=bearer(old))).status_code == 401
    clock.advance(seconds=1)
    assert (await refresh_with(mail_client, there_cookie)).status_code == 401
    assert (await refresh_with(mail_client, here_cookie)).status_code == 200
    mail_client.cookies.clear()
    assert (
        await mail_client.post("/auth/login", json={"email": "changer@example.com", "password": PASSWORD})
    ).status_code == 401
    assert (
        await mail_client.post("/auth/login", json={"email": "changer@example.com", "password": NEW_PASSWORD})
    ).status_code == 200
    await drain(mail_client)
    assert len(inbox.to("changer@example.com")) == 2
    inbox.last_to("changer@example.com", "Your password was changed")
    assert "password_changed" in events_of(database_url, "changer@example.com")


async def test_with_a_bearer_token_alone_every_refresh_token_ends(mail_client: httpx.AsyncClient) -> None:
    signed_up = await signup(mail_client, "api-client@example.com")
    mail_client.cookies.clear()
    assert (await _change(mail_client, signed_up.json()["access_token"])).status_code == 200
    assert (await refresh_with(mail_client, cookie_of(signed_up))).status_code == 401


async def test_the_refresh_cookie_alone_is_refused(mail_client: httpx.AsyncClient) -> None:
    # a stolen 7-day cookie must not be enough to try passwords and take the account over: the access token is
    # required, and the cookie's session is kept only alongside it
    signed_up = await signup(mail_client, "cookie-only@example.com")
    cookie = cookie_of(signed_up)
    mail_client.cookies.clear()
    response = await _change(mail_client, None, cookie=f"refresh_token={cookie}")
    assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED"
    kept = await _change(mail_client, signed_up.json()["access_token"], cookie=f"refresh_token={cookie}")
    assert kept.status_code == 200
    assert (await refresh_with(mail_client, cookie)).status_code == 200


async def test_someone_elses_cookie_does_not_keep_their_session_alive_here(mail_client: httpx.AsyncClient) -> None:
    mine = await signup(mail_client, "mine@example.com")
    theirs = await signup(mail_client, "theirs@example.com")
    mail_client.cookies.clear()
    # bearer of one reader, cookie of another: the cookie names no session of the caller, so nothing is kept
    response = await _change(mail_client, mine.json()["access_token"], cookie=f"refresh_token={cookie_of(theirs)}")
    assert response.status_code == 200
    assert (await refresh_with(mail_client, cookie_of(mine))).status_code == 401
    assert (await refresh_with(mail_client, cookie_of(theirs))).status_code == 200


async def test_a_wrong_current_password_is_refused(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    signed_up = await signup(mail_client, "careful@example.com")
    response = await _change(mail_client, signed_up.json()["access_token"], current="Not-my-password-1")
    assert response.status_code == 401 and response.json()["code"] == "INVALID_PASSWORD"
    assert (await mail_client.get("/auth/me", headers=bearer(signed_up.json()["access_token"]))).status_code == 200
    await drain(mail_client)
    assert [m["Subject"] for m in inbox.to("careful@example.com")] == ["Verify your email address"]


async def test_the_new_password_follows_the_policy(mail_client: httpx.AsyncClient) -> None:
    signed_up = await signup(mail_client, "policy@example.com")
    for weak in ("short", "password123", "policy@example.com"):
        response = await _change(mail_client, signed_up.json()["access_token"], new=weak)
        assert response.status_code == 422 and response.json()["code"] == "PASSWORD_TOO_WEAK", weak


async def test_change_password_needs_a_signed_in_reader(mail_client: httpx.AsyncClient) -> None:
    mail_client.cookies.clear()
    assert (await _change(mail_client, None)).status_code == 401
    assert (await _change(mail_client, "not.a.jwt")).status_code == 401


async def test_a_pending_reset_link_dies_with_the_old_password(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    signed_up = await signup(mail_client, "pending@example.com")
    await mail_client.post("/auth/forgot-password", json={"email": "pending@example.com"})
    await drain(mail_client)
    token = inbox.token("pending@example.com", "Reset your password")
    assert (await _change(mail_client, signed_up.json()["access_token"])).status_code == 200
    reset = await mail_client.post("/auth/reset-password", json={"token": token, "new_password": "Sneaky-passphrase-3"})
    assert reset.status_code == 400
