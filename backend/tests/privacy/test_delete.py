"""DELETE /auth/me {password}: the password is required, and then nothing of the reader remains anywhere."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from authgate.sessions import service as sessions_service
from tests.conftest import PASSWORD, SITE, FakeClock, app_client, assert_cookie_cleared, make_settings
from tests.devices.conftest import add_one_time_token, call, login, rows_of, signed_up


async def reader_with_data_everywhere(http: httpx.AsyncClient, database_url: str, clock: FakeClock, email: str):  # type: ignore[no-untyped-def]
    reader = await signed_up(http, email)
    await login(http, email, agent="second device")
    assert (await call(http, "GET", "/auth/me/export", bearer=reader.access)).status_code == 200  # an event
    add_one_time_token(database_url, reader.user_id, email, created_at=clock())
    counts = rows_of(database_url, reader.user_id, email)
    assert all(counts.values()), counts  # something of the reader in every table
    return reader


async def test_wrong_password_is_401_and_deletes_nothing(
    client: httpx.AsyncClient, database_url: str, clock: FakeClock
) -> None:
    reader = await reader_with_data_everywhere(client, database_url, clock, "keeper@example.com")
    before = rows_of(database_url, reader.user_id, reader.email)
    clock.advance(seconds=1)
    for wrong in ("wrong-password", PASSWORD.upper(), "x" * 1000):
        response = await call(client, "DELETE", "/auth/me", bearer=reader.access, json={"password": wrong})
        assert response.status_code == 401
        assert response.json() == {"detail": "The current password is not correct", "code": "INVALID_PASSWORD"}
        assert "set-cookie" not in response.headers
    after = rows_of(database_url, reader.user_id, reader.email)
    # the only new rows: the failed attempts, recorded as events
    assert after == {**before, "security_events": before["security_events"] + 3}
    events = (await call(client, "GET", "/auth/me/events", bearer=reader.access)).json()
    assert [e["type"] for e in events[:3]] == ["reauthentication_failed"] * 3
    assert events[0]["detail"] == "wrong password when asked to delete the account"
    assert (await call(client, "POST", "/auth/refresh", cookie=reader.cookie)).status_code == 200


async def test_delete_removes_every_row_of_the_reader_and_nobody_elses(
    client: httpx.AsyncClient, database_url: str, clock: FakeClock
) -> None:
    reader = await reader_with_data_everywhere(client, database_url, clock, "leaver@example.com")
    bystander = await reader_with_data_everywhere(client, database_url, clock, "stayer@example.com")
    bystander_rows = rows_of(database_url, bystander.user_id, bystander.email)

    response = await call(
        client,
        "DELETE",
        "/auth/me",
        bearer=reader.access,
        cookie=reader.cookie,
        json={"password": PASSWORD},
        headers={"origin": SITE},
    )
    assert response.status_code == 204, response.text
    assert_cookie_cleared(response)

    assert rows_of(database_url, reader.user_id, reader.email) == {
        "users": 0,
        "user_profiles": 0,
        "refresh_tokens": 0,
        "one_time_tokens": 0,
        "security_events": 0,
    }
    assert rows_of(database_url, bystander.user_id, bystander.email) == bystander_rows

    # every credential of the deleted reader is dead at once
    assert (await call(client, "GET", "/auth/me", bearer=reader.access)).status_code == 401
    assert (await call(client, "POST", "/auth/refresh", cookie=reader.cookie)).status_code == 401
    relogin = await call(client, "POST", "/auth/login", json={"email": reader.email, "password": PASSWORD})
    assert relogin.status_code == 401 and relogin.json()["code"] == "INVALID_CREDENTIALS"
    # the address is free again
    assert (await signed_up(client, reader.email)).user_id != reader.user_id


async def test_delete_needs_a_signed_in_reader(client: httpx.AsyncClient, database_url: str) -> None:
    reader = await signed_up(client)
    assert (await call(client, "DELETE", "/auth/me", json={"password": PASSWORD})).status_code == 401
    response = await call(client, "DELETE", "/auth/me", cookie="made-up", json={"password": PASSWORD})
    assert response.status_code == 401
    # a stolen refresh cookie, even with the password, is not an access token
    response = await call(client, "DELETE", "/auth/me", cookie=reader.cookie, json={"password": PASSWORD})
    assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED"
    assert rows_of(database_url, reader.user_id, reader.email)["users"] == 1


async def test_request_guards_apply_to_the_delete_body(client: httpx.AsyncClient, database_url: str) -> None:
    reader = await signed_up(client)
    body = {"password": PASSWORD}
    refused = [
        # a cross-site page cannot erase the account with the reader's cookie
        (
            403,
            "ORIGIN_NOT_ALLOWED",
            {"cookie": reader.cookie, "json": body, "headers": {"origin": "https://evil.example"}},
        ),
        (
            403,
            "ORIGIN_NOT_ALLOWED",
            {"cookie": reader.cookie, "json": body, "headers": {"sec-fetch-site": "cross-site"}},
        ),
        # a form post (no CORS preflight) is not JSON
        (
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            {
                "cookie": reader.cookie,
                "content": f"password={PASSWORD}",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
        ),
        (413, "PAYLOAD_TOO_LARGE", {"bearer": reader.access, "json": {"password": PASSWORD, "pad": "x" * 20000}}),
        (422, "VALIDATION_ERROR", {"bearer": reader.access}),
        (422, "VALIDATION_ERROR", {"bearer": reader.access, "json": {"password": ""}}),
    ]
    for status, code, kwargs in refused:
        response = await call(client, "DELETE", "/auth/me", **kwargs)  # type: ignore[arg-type]
        assert (response.status_code, response.json()["code"]) == (status, code), kwargs
    assert rows_of(database_url, reader.user_id, reader.email)["users"] == 1


async def test_password_guesses_count_in_the_login_limit_of_the_ip(database_url: str, clock: FakeClock) -> None:
    settings = make_settings(database_url, rate_limit_login_ip="3/minute")
    async with app_client(settings, clock) as http:
        reader = await signed_up(http)
        assert (
            await call(http, "POST", "/auth/login", json={"email": reader.email, "password": "x-wrong"})
        ).status_code == 401
        for _ in range(2):
            guess = await call(http, "DELETE", "/auth/me", bearer=reader.access, json={"password": "guess"})
            assert guess.status_code == 401
        # the fourth attempt from this IP in the minute, whichever route: refused before the (right) password is checked
        over = await call(http, "DELETE", "/auth/me", bearer=reader.access, json={"password": PASSWORD})
        assert over.status_code == 429 and over.json()["code"] == "RATE_LIMITED" and "retry-after" in over.headers
        assert rows_of(database_url, reader.user_id, reader.email)["users"] == 1


async def test_deleting_while_a_slowed_refresh_runs_neither_deadlocks_nor_half_applies(
    client: httpx.AsyncClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the attack pass: DELETE /auth/me racing POST /auth/refresh deadlocked in PostgreSQL (the refresh held the token
    # row and wanted the users row, the deletion the other way round): a plain-text 500, and the account stayed
    reader = await signed_up(client)
    inside, release = asyncio.Event(), asyncio.Event()
    original = sessions_service._active_user

    async def slowed(db: Any, user_id: Any) -> Any:
        # the refresh pauses in the middle of its transaction, after its first write
        inside.set()
        await release.wait()
        return await original(db, user_id)

    monkeypatch.setattr(sessions_service, "_active_user", slowed)
    refresh = asyncio.create_task(call(client, "POST", "/auth/refresh", cookie=reader.cookie))
    await asyncio.wait_for(inside.wait(), 10)
    deletion = asyncio.create_task(
        call(client, "DELETE", "/auth/me", bearer=reader.access, json={"password": PASSWORD})
    )
    await asyncio.sleep(0.5)  # let the deletion reach the rows the refresh holds
    release.set()
    refreshed, deleted = await asyncio.wait_for(asyncio.gather(refresh, deletion), 30)

    assert deleted.status_code == 204, deleted.text
    assert refreshed.status_code in (200, 401), refreshed.text
    assert set(rows_of(database_url, reader.user_id, reader.email).values()) == {0}
    assert (await call(client, "POST", "/auth/refresh", cookie=reader.cookie)).status_code == 401


async def test_a_stolen_cookie_alone_cannot_erase_the_account_even_minutes_after_a_sign_in(
    client: httpx.AsyncClient, database_url: str, clock: FakeClock
) -> None:
    # attack pass: privacy/service.py promises that erasure needs the password "so a stolen cookie alone cannot erase
    # the account" (and docs/sessions-and-data.md documents DELETE /auth/me {password}). A refresh cookie stolen
    # within RECENT_SIGN_IN_MINUTES of the reader's sign-in is exchanged for an access token whose auth_time is that
    # sign-in, and DELETE /auth/me with an empty body erased the account: irreversible, with nothing to undo it.
    reader = await signed_up(client, "erasable@example.com")
    clock.advance(minutes=2)
    stolen = await call(client, "POST", "/auth/refresh", cookie=reader.cookie)
    assert stolen.status_code == 200, stolen.text
    erased = await call(client, "DELETE", "/auth/me", bearer=stolen.json()["access_token"], json={})
    assert erased.status_code == 403, erased.text
    assert erased.json()["code"] == "RECENT_SIGN_IN_REQUIRED"
    assert rows_of(database_url, reader.user_id, reader.email)["users"] == 1


async def test_mail_still_waiting_for_the_reader_leaves_with_the_account(database_url: str, clock: FakeClock) -> None:
    # attack pass: "nothing of the reader remains in any table" did not hold for the outbox. With the mail server
    # refusing for a while (an outage), the reader's sign-up verification and change-of-address mails wait in
    # mail_outbox, their address in clear; erasure left them there for up to MAIL_RETRY_HOURS, and once the server
    # came back they went out, to a mailbox whose account no longer exists (GDPR art. 17: erased without delay).
    from tests.mail.smtp import Inbox, drain, outbox_of, serving, smtp_settings

    with serving(Inbox()) as inbox:
        assert isinstance(inbox, Inbox)
        inbox.refuse_in_data = 1000
        async with app_client(smtp_settings(database_url, inbox), clock) as http:
            bystander = await signed_up(http, "stays@example.com")
            reader = await signed_up(http, "erased@example.com")
            asked = await call(
                http,
                "POST",
                "/auth/change-email",
                bearer=reader.access,
                json={"new_email": "erased-new@example.com", "password": PASSWORD},
            )
            assert asked.status_code == 202, asked.text
            await drain(http)
            waiting = {row.recipient for row in outbox_of(database_url)}
            assert {"erased@example.com", "erased-new@example.com", "stays@example.com"} <= waiting
            erased = await call(http, "DELETE", "/auth/me", bearer=reader.access, json={"password": PASSWORD})
            assert erased.status_code == 204, erased.text
            assert {row.recipient for row in outbox_of(database_url)} == {bystander.email}
            # the server is back: nothing goes to the erased reader
            inbox.refuse_in_data = 0
            clock.advance(hours=2)
            await drain(http)
            assert inbox.to("erased@example.com") == [] and inbox.to("erased-new@example.com") == []
            assert len(inbox.to("stays@example.com")) == 1
