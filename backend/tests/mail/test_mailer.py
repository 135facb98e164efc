"""Mail: a real SMTP server receives it, links come from PUBLIC_URL, nothing secret reaches the log."""

from __future__ import annotations

import logging

import aiosmtplib
import httpx
import pytest

from authgate.db import engine_for
from authgate.mail import templates
from authgate.mail.service import Mail, Mailer
from authgate.settings import Settings
from tests.conftest import FakeClock, app_client, make_settings, signup
from tests.mail.smtp import (
    MAIL_FROM,
    PUBLIC_URL,
    Inbox,
    drain,
    free_port,
    html_part,
    links_in,
    text_part,
    token_of,
)

VERIFY_SUBJECT = "Verify your email address"


async def test_signup_mails_a_verification_link_with_text_and_html(
    mail_client: httpx.AsyncClient, inbox: Inbox
) -> None:
    await signup(mail_client, "new-reader@example.com")
    await drain(mail_client)
    message = inbox.last_to("new-reader@example.com", VERIFY_SUBJECT)
    assert message["From"] == MAIL_FROM and message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_part(message), html_part(message)
    link = inbox.link("new-reader@example.com", VERIFY_SUBJECT)
    assert link.startswith(f"{PUBLIC_URL}/auth/verify-email?token=")
    assert link in text and link in html and "24 hours" in text
    assert inbox.envelopes[-1] == ("no-reply@docs.example.org", ["new-reader@example.com"])


async def test_links_ignore_the_host_header(mail_client: httpx.AsyncClient, inbox: Inbox) -> None:
    # Host-header poisoning: the victim's reset link must not point at the attacker's server
    spoofed = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    response = await mail_client.post("/auth/signup", json=_body("victim@example.com"), headers=spoofed)
    assert response.status_code == 201
    forgot = await mail_client.post("/auth/forgot-password", json={"email": "victim@example.com"}, headers=spoofed)
    assert forgot.status_code == 202
    await drain(mail_client)
    assert len(inbox.to("victim@example.com")) == 2
    for message in inbox.to("victim@example.com"):
        for body in (text_part(message), html_part(message)):
            assert "evil.example" not in body
            assert all(link.startswith(f"{PUBLIC_URL}/auth/") for link in links_in(body))


async def test_no_token_or_link_in_the_log_when_smtp_is_configured(
    mail_client: httpx.AsyncClient, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await signup(mail_client, "quiet@example.com")
    await mail_client.post("/auth/forgot-password", json={"email": "quiet@example.com"})
    await drain(mail_client)
    tokens = [token_of(link) for m in inbox.to("quiet@example.com") for link in links_in(text_part(m))]
    assert len(tokens) == 2
    # every logger of the app and its libraries; not the test SMTP server's own ("mail.log"), which is the mailbox
    app_records = [r for r in caplog.records if not r.name.startswith("mail.log")]
    for record in app_records:
        message = record.getMessage()
        assert "token=" not in message and PUBLIC_URL not in message
        assert all(token not in message for token in tokens)


async def test_without_smtp_the_mail_goes_to_the_log(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # development (`make run`): the link in the log is how the reader verifies
    caplog.set_level(logging.INFO, logger="authgate.mail")
    settings = make_settings(database_url, public_url=PUBLIC_URL)
    async with app_client(settings, clock) as http:
        await signup(http, "dev@example.com")
        await drain(http)
        logged = [r.getMessage() for r in caplog.records if r.name == "authgate.mail"]
        assert len(logged) == 1 and logged[0].startswith(f"mail to dev@example.com: {VERIFY_SUBJECT}")
        (link,) = links_in(logged[0])
        assert link.startswith(f"{PUBLIC_URL}/auth/verify-email?token=")
        verified = await http.post("/auth/verify-email", json={"token": token_of(link)})
        assert verified.status_code == 200 and verified.json()["is_verified"] is True


async def test_an_smtp_failure_is_logged_without_the_link_and_the_request_still_succeeds(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    nobody_listens = free_port()
    settings = make_settings(database_url, smtp_host="127.0.0.1", smtp_port=nobody_listens, smtp_starttls=False)
    async with app_client(settings, clock) as http:
        response = await http.post("/auth/signup", json=_body("unlucky@example.com"))
        assert response.status_code == 201
        await drain(http)
    failures = [r.getMessage() for r in caplog.records if r.name == "authgate.mail"]
    assert len(failures) == 1 and "could not be sent" in failures[0]
    assert "unlucky@" not in failures[0] and "token" not in failures[0].lower()


async def test_starttls_required_means_no_mail_in_clear(inbox: Inbox, database_url: str) -> None:
    # SMTP_STARTTLS=true and a server that does not offer STARTTLS: the send fails instead of leaking the token
    settings = make_settings(database_url, smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_starttls=True)
    engine = engine_for(settings)
    try:
        with pytest.raises(aiosmtplib.SMTPException):
            await Mailer(settings, engine).deliver(Mail("a@example.com", "subject", "text", "<p>html</p>"))
    finally:
        await engine.dispose()
    assert inbox.messages == []


async def test_mail_queued_just_before_shutdown_leaves_after_it(
    mail_settings: Settings, clock: FakeClock, inbox: Inbox
) -> None:
    async with app_client(mail_settings, clock) as http:
        await signup(http, "late@example.com")
    # no drain: shutdown let the pass under way (if any) finish; whatever it did not send is in the outbox
    async with app_client(mail_settings, clock) as http:
        await drain(http)
    assert len(inbox.to("late@example.com")) == 1


def test_html_part_escapes_what_it_interpolates() -> None:
    mail = templates.email_change_notice("old@example.com", 'x"<b>@example.com')
    assert "<b>@" not in mail.html and "&lt;b&gt;" in mail.html
    link = templates.verification("a@example.com", "https://docs.example.org/auth/verify-email?token=a&b=<c>", 1440)
    assert 'href="https://docs.example.org/auth/verify-email?token=a&amp;b=&lt;c&gt;"' in link.html


def test_links_are_built_from_public_url(database_url: str) -> None:
    settings = make_settings(database_url, public_url="https://docs.example.org/")
    mailer = Mailer(settings, engine_for(settings))
    assert mailer.link("/auth/reset-password", "a b+c") == "https://docs.example.org/auth/reset-password?token=a+b%2Bc"


def _body(email: str) -> dict[str, object]:
    return {
        "email": email,
        "password": "SecureP@ssw0rd",
        "experience_level": "beginner",
        "professional_role": "student",
    }
