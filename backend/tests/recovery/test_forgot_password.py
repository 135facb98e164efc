"""Forgot password: one answer for every address, a mailed link for real accounts only."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import signup
from tests.mail.smtp import PUBLIC_URL, Inbox, drain, events_of, execute, html_part, query

RESET = "Reset your password"


async def test_known_and_unknown_addresses_get_the_same_answer(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    await signup(mail_client, "known@example.com")
    await drain(mail_client)
    mail_client.cookies.clear()
    known = await mail_client.post("/auth/forgot-password", json={"email": "known@example.com"})
    unknown = await mail_client.post("/auth/forgot-password", json={"email": "unknown@example.com"})
    # account enumeration (OWASP Forgot Password cheat sheet): status, body and every header alike
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json() == {"detail": "If an account uses this address, a link to reset its password is on its way."}
    # every header but the request id, which is each request's own
    assert sorted(known.headers.items()) != [] and [
        item for item in sorted(known.headers.items()) if item[0] != "x-request-id"
    ] == [item for item in sorted(unknown.headers.items()) if item[0] != "x-request-id"]
    await drain(mail_client)
    assert len(inbox.to("known@example.com")) == 2 and inbox.to("unknown@example.com") == []
    assert "password_reset_requested" in events_of(database_url, "known@example.com")
    assert query(database_url, "SELECT count(*) FROM security_events WHERE user_id IS NULL")[0][0] == 0


async def test_the_link_is_built_from_public_url(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    await signup(mail_client, "Mixed@Example.com")
    await mail_client.post(
        "/auth/forgot-password", json={"email": " MIXED@example.COM "}, headers={"Host": "evil.example"}
    )
    await drain(mail_client)
    message = inbox.last_to("mixed@example.com", RESET)
    link = inbox.link("mixed@example.com", RESET)
    assert link.startswith(f"{PUBLIC_URL}/auth/reset-password?token=") and link in html_part(message)
    assert "1 hour" in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_suspended_account_gets_no_link(
    mail_client: httpx.AsyncClient, inbox: Inbox, database_url: str
) -> None:
    await signup(mail_client, "suspended@example.com")
    execute(database_url, "UPDATE users SET is_active = false WHERE email = 'suspended@example.com'")
    response = await mail_client.post("/auth/forgot-password", json={"email": "suspended@example.com"})
    assert response.status_code == 202
    await drain(mail_client)
    assert [m["Subject"] for m in inbox.to("suspended@example.com")] == ["Verify your email address"]


async def test_the_answer_does_not_wait_for_the_database(
    mail_client: httpx.AsyncClient, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    # the lookup and the mail run after the response, so the answer is the same (and as fast) even with the
    # database gone: nothing in the request path depends on whether the account exists
    caplog.set_level(logging.ERROR, logger="authgate.mail")
    await mail_client.app.state.authgate.engine.dispose()  # type: ignore[attr-defined]
    gate = mail_client.app.state.authgate  # type: ignore[attr-defined]
    # a session maker bound to a database that refuses every connection
    from sqlalchemy.ext.asyncio import create_async_engine

    from authgate.db import create_sessionmaker

    broken = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    gate.sessions = create_sessionmaker(broken)
    response = await mail_client.post("/auth/forgot-password", json={"email": "anyone@example.com"})
    assert response.status_code == 202
    await drain(mail_client)
    await broken.dispose()
    assert any("background mail job failed" in r.getMessage() for r in caplog.records)
    assert inbox.messages == []
