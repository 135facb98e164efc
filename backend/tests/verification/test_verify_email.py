"""Email verification: the mailed link, single use, 24 h, newest only, stored hashed, bound to the address."""

from __future__ import annotations

import asyncio
import hashlib

import httpx

from tests.conftest import PASSWORD, FakeClock, app_client, signup
from tests.mail.smtp import Inbox, bearer, drain, events_of, execute, query, smtp_settings

VERIFY = "Verify your email address"


async def _signed_up(http: httpx.AsyncClient, inbox: Inbox, email: str) -> tuple[str, str]:
    """(access token, verification token) of a new reader."""
    response = await signup(http, email)
    await drain(http)
    return response.json()["access_token"], inbox.token(email, VERIFY)


async def test_the_mailed_link_verifies_the_address(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    access, token = await _signed_up(mail_client, inbox, "verify-me@example.com")
    me = await mail_client.get("/auth/me", headers=bearer(access))
    assert me.json()["user"]["is_verified"] is False
    response = await mail_client.post("/auth/verify-email", json={"token": token})
    assert response.status_code == 200
    assert response.json() == {"email": "verify-me@example.com", "is_verified": True}
    me = await mail_client.get("/auth/me", headers=bearer(access))
    assert me.json()["user"]["is_verified"] is True
    (row,) = query(database_url, "SELECT email_verified_at FROM users WHERE email = 'verify-me@example.com'")
    assert row[0] is not None
    assert {"email_verification_sent", "email_verified"} <= set(events_of(database_url, "verify-me@example.com"))


async def test_a_used_token_is_refused(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    _, token = await _signed_up(mail_client, inbox, "replay@example.com")
    assert (await mail_client.post("/auth/verify-email", json={"token": token})).status_code == 200
    replay = await mail_client.post("/auth/verify-email", json={"token": token})
    assert replay.status_code == 400
    assert replay.json() == {"detail": "This link is invalid or has expired", "code": "TOKEN_INVALID"}


async def test_concurrent_uses_of_one_token_succeed_once(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    _, token = await _signed_up(mail_client, inbox, "race@example.com")
    responses = await asyncio.gather(*(mail_client.post("/auth/verify-email", json={"token": token}) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400, 400]


async def test_the_token_expires_after_24_hours(mail_client: httpx.AsyncClient, inbox: Inbox, clock: FakeClock) -> None:
    _, late = await _signed_up(mail_client, inbox, "late@example.com")
    _, in_time = await _signed_up(mail_client, inbox, "in-time@example.com")
    clock.advance(hours=23, minutes=59)
    assert (await mail_client.post("/auth/verify-email", json={"token": in_time})).status_code == 200
    clock.advance(minutes=1)
    expired = await mail_client.post("/auth/verify-email", json={"token": late})
    assert expired.status_code == 400 and expired.json()["code"] == "TOKEN_INVALID"


async def test_the_lifetime_is_a_setting(database_url: str, inbox: Inbox, clock: FakeClock) -> None:
    settings = smtp_settings(database_url, inbox, verification_token_hours=1)
    async with app_client(settings, clock) as http:
        _, token = await _signed_up(http, inbox, "short@example.com")
        clock.advance(hours=1)
        assert (await http.post("/auth/verify-email", json={"token": token})).status_code == 400


async def test_resend_mails_a_new_link_and_the_old_one_stops_working(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    access, first = await _signed_up(mail_client, inbox, "again@example.com")
    response = await mail_client.post("/auth/verify-email/resend", headers=bearer(access))
    assert response.status_code == 202 and set(response.json()) == {"detail"}
    await drain(mail_client)
    assert len(inbox.to("again@example.com")) == 2
    second = inbox.token("again@example.com", VERIFY)
    assert second != first
    assert (await mail_client.post("/auth/verify-email", json={"token": first})).status_code == 400
    assert (await mail_client.post("/auth/verify-email", json={"token": second})).status_code == 200
    assert events_of(database_url, "again@example.com").count("email_verification_sent") == 2


async def test_resend_needs_the_access_token_not_the_cookie(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await _signed_up(mail_client, inbox, "cookie@example.com")
    # the client kept the refresh cookie from the sign-up; no bearer header: mail is sent on the reader's behalf
    # only with the access token
    response = await mail_client.post("/auth/verify-email/resend")
    assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED"
    await drain(mail_client)
    assert len(inbox.to("cookie@example.com")) == 1


async def test_resend_needs_a_signed_in_reader(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    response = await mail_client.post("/auth/verify-email/resend")
    assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED"
    await drain(mail_client)
    assert inbox.messages == []


async def test_resend_to_a_verified_reader_sends_nothing(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    access, token = await _signed_up(mail_client, inbox, "done@example.com")
    await mail_client.post("/auth/verify-email", json={"token": token})
    assert (await mail_client.post("/auth/verify-email/resend", headers=bearer(access))).status_code == 202
    await drain(mail_client)
    assert len(inbox.to("done@example.com")) == 1


async def test_only_the_hash_of_the_token_is_stored(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    _, token = await _signed_up(mail_client, inbox, "hashed@example.com")
    rows = query(database_url, "SELECT token_hash, email, purpose FROM one_time_tokens")
    assert len(rows) == 1
    assert tuple(rows[0]) == (hashlib.sha256(token.encode()).hexdigest(), "hashed@example.com", "verify_email")
    for table in ("one_time_tokens", "security_events", "users"):
        assert token not in str(query(database_url, f"SELECT * FROM {table}"))  # noqa: S608 - fixed names


async def test_a_token_is_bound_to_the_address_it_was_sent_to(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    _, token = await _signed_up(mail_client, inbox, "before@example.com")
    # the account's address changed after the link was mailed (the operator, or a completed email change)
    execute(database_url, "UPDATE users SET email = 'after@example.com' WHERE email = 'before@example.com'")
    refused = await mail_client.post("/auth/verify-email", json={"token": token})
    assert refused.status_code == 400 and refused.json()["code"] == "TOKEN_INVALID"
    (row,) = query(database_url, "SELECT is_verified FROM users WHERE email = 'after@example.com'")
    assert not row[0]


async def test_tokens_of_another_purpose_or_made_up_are_refused(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await signup(mail_client, "purpose@example.com")
    await mail_client.post("/auth/forgot-password", json={"email": "purpose@example.com"})
    await drain(mail_client)
    reset_token = inbox.token("purpose@example.com", "Reset your password")
    for token in (reset_token, "not-a-token", "A" * 43):
        response = await mail_client.post("/auth/verify-email", json={"token": token})
        assert response.status_code == 400 and response.json()["code"] == "TOKEN_INVALID", token
    too_long = await mail_client.post("/auth/verify-email", json={"token": "A" * 129})
    assert too_long.status_code == 422


async def test_unverified_readers_sign_in_by_default(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await signup(mail_client, "relaxed@example.com")
    login = await mail_client.post("/auth/login", json={"email": "relaxed@example.com", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["user"]["is_verified"] is False


async def test_require_verified_email_refuses_unverified_sign_in_only_after_the_password(
    database_url: str, inbox: Inbox, clock: FakeClock
) -> None:
    settings = smtp_settings(database_url, inbox, require_verified_email=True)
    async with app_client(settings, clock) as http:
        _, token = await _signed_up(http, inbox, "strict@example.com")
        wrong = await http.post("/auth/login", json={"email": "strict@example.com", "password": "Wrong-pass-123"})
        # without the password nothing about the account is revealed
        assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_CREDENTIALS"
        refused = await http.post("/auth/login", json={"email": "strict@example.com", "password": PASSWORD})
        assert refused.status_code == 403 and refused.json()["code"] == "EMAIL_NOT_VERIFIED"
        assert "set-cookie" not in refused.headers
        assert (await http.post("/auth/verify-email", json={"token": token})).status_code == 200
        allowed = await http.post("/auth/login", json={"email": "strict@example.com", "password": PASSWORD})
        assert allowed.status_code == 200


async def test_require_verified_email_stops_renewing_the_sign_up_session(
    database_url: str, inbox: Inbox, clock: FakeClock
) -> None:
    settings = smtp_settings(database_url, inbox, require_verified_email=True)
    async with app_client(settings, clock) as http:
        response = await signup(http, "renew@example.com")
        await drain(http)
        refresh = response.cookies["refresh_token"]
        http.cookies.clear()
        refused = await http.post("/auth/refresh", headers={"cookie": f"refresh_token={refresh}"})
        assert refused.status_code == 403 and refused.json()["code"] == "EMAIL_NOT_VERIFIED"
        # the sign-up access token still lets the reader ask for another link
        resend = await http.post("/auth/verify-email/resend", headers=bearer(response.json()["access_token"]))
        assert resend.status_code == 202
        await drain(http)
        assert (
            await http.post("/auth/verify-email", json={"token": inbox.token("renew@example.com", VERIFY)})
        ).status_code == 200
        renewed = await http.post("/auth/refresh", headers={"cookie": f"refresh_token={refresh}"})
        assert renewed.status_code == 200
