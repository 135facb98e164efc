"""The outbox: mail written with the write that causes it, sent once, retried until it expires, never lost.

A real SMTP server (aiosmtpd) that is down, cuts the connection or answers 451; real databases; the clock injected,
so retries and expiry are reached by moving it, never by sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest
from prometheus_client import REGISTRY

from authgate.cleanup.service import purge_expired
from authgate.events.service import EventType
from authgate.mail import outbox
from authgate.mail.service import LEASE, Mail
from authgate.observability import REQUEST_ID
from authgate.settings import Settings
from authgate.verification import service as verification_service
from tests.conftest import TEST_SECRET, FakeClock, app_client, signup, signup_body
from tests.mail.smtp import (
    PUBLIC_URL,
    Inbox,
    drain,
    free_port,
    gate_of,
    outbox_of,
    query,
    serving,
    smtp_settings,
)

VERIFY_SUBJECT = "Verify your email address"
RESET_SUBJECT = "Reset your password"


def no_jitter(http: httpx.AsyncClient) -> None:
    gate_of(http).mailer.jitter = lambda: 0.0


def mail_total(outcome: str) -> float:
    return REGISTRY.get_sample_value("authgate_mail_total", {"outcome": outcome}) or 0.0


def mail_pending() -> float | None:
    return REGISTRY.get_sample_value("authgate_mail_pending")


def down_inbox() -> Inbox:
    """An inbox whose server is not running yet: its port refuses connections."""
    box = Inbox()
    box.port = free_port()
    return box


async def test_mail_queued_while_smtp_is_down_arrives_once_it_is_back(database_url: str, clock: FakeClock) -> None:
    box = down_inbox()
    async with app_client(smtp_settings(database_url, box), clock) as http:
        no_jitter(http)
        await signup(http, "patient@example.com")
        await drain(http)
        (row,) = outbox_of(database_url)
        assert (row.recipient, row.subject, row.attempts) == ("patient@example.com", VERIFY_SUBJECT, 1)
        assert row.last_error_class == "SMTPConnectError"
        assert row.next_attempt_at == clock() + timedelta(seconds=30)
        # what waits in the table is sealed: a copy of the database holds no working link
        assert "token=" not in row.body_sealed and PUBLIC_URL not in row.body_sealed
        assert mail_pending() == 1
        with serving(box):
            await drain(http)
            assert box.messages == []  # not due yet: the retry waits for its time
            clock.advance(seconds=30)
            await drain(http)
            assert len(box.to("patient@example.com")) == 1
        assert outbox_of(database_url) == [] and mail_pending() == 0
        verified = await http.post("/auth/verify-email", json={"token": box.token("patient@example.com")})
        assert verified.status_code == 200 and verified.json()["is_verified"] is True


@pytest.mark.parametrize("failure", ["cut_in_data", "refuse_in_data"])
async def test_a_server_failing_in_the_middle_of_a_send_gets_the_mail_again(
    database_url: str, clock: FakeClock, inbox: Inbox, failure: str
) -> None:
    # cut: the connection drops after the body was sent and before the answer; refuse: 451 "try again later"
    setattr(inbox, failure, 1)
    async with app_client(smtp_settings(database_url, inbox), clock) as http:
        no_jitter(http)
        await signup(http, "retried@example.com")
        await drain(http)
        assert inbox.messages == []
        (row,) = outbox_of(database_url)
        assert row.attempts == 1 and row.last_error_class in ("SMTPServerDisconnected", "SMTPDataError")
        clock.advance(seconds=30)
        await drain(http)
        (message,) = inbox.to("retried@example.com")
        assert message["Message-ID"] == f"<{row.id}@docs.example.org>"
        assert outbox_of(database_url) == []
        verified = await http.post("/auth/verify-email", json={"token": inbox.token("retried@example.com")})
        assert verified.status_code == 200


async def test_two_instances_send_each_mail_exactly_once(
    database_url: str, clock: FakeClock, inbox: Inbox, mail_settings: Settings
) -> None:
    # two apps on one database, each with its own sender, racing for the same rows
    inbox.slow_seconds = 0.02
    readers = [f"twice-{n}@example.com" for n in range(12)]
    async with app_client(mail_settings, clock) as first, app_client(mail_settings, clock) as second:
        for number, email in enumerate(readers):
            await signup(first if number % 2 else second, email)
        await asyncio.gather(drain(first), drain(second), drain(first), drain(second))
    assert sorted(m["To"] for m in inbox.messages) == sorted(readers)
    assert len({m["Message-ID"] for m in inbox.messages}) == len(readers)
    assert outbox_of(database_url) == []


async def test_a_newer_link_replaces_the_unsent_mail_of_the_older_one(database_url: str, clock: FakeClock) -> None:
    # SMTP is down while the reader asks three times: when it is back they get the one link that works
    box = down_inbox()
    async with app_client(smtp_settings(database_url, box), clock) as http:
        no_jitter(http)
        await signup(http, "impatient@example.com")
        for _ in range(3):
            await http.post("/auth/forgot-password", json={"email": "impatient@example.com"})
            await drain(http)
            clock.advance(seconds=10)
        assert sorted(row.subject for row in outbox_of(database_url)) == [RESET_SUBJECT, VERIFY_SUBJECT]
        with serving(box):
            clock.advance(minutes=5)
            await drain(http)
        assert len(box.to("impatient@example.com")) == 2
        reset = await http.post(
            "/auth/reset-password",
            json={"token": box.token("impatient@example.com", RESET_SUBJECT), "new_password": "Fresh-passphrase-42"},
        )
        assert reset.status_code == 200


async def test_a_newer_email_change_replaces_the_unsent_confirmation_to_the_first_address(
    database_url: str, clock: FakeClock
) -> None:
    box = down_inbox()
    async with app_client(smtp_settings(database_url, box), clock) as http:
        access = (await signup(http, "moving@example.com")).json()["access_token"]
        for address in ("first-try@example.com", "second-try@example.com"):
            changed = await http.post(
                "/auth/change-email",
                json={"new_email": address, "password": "SecureP@ssw0rd"},
                headers={"Authorization": f"Bearer {access}"},
            )
            assert changed.status_code == 202, changed.text
        with serving(box):
            clock.advance(minutes=5)  # past any retry the sender scheduled meanwhile
            await drain(http)
    assert box.to("first-try@example.com") == []
    assert [m["Subject"] for m in box.to("second-try@example.com")] == ["Confirm your new email address"]
    # the notices to the old address are not replaced: each change was asked for
    assert len(box.to("moving@example.com")) == 3  # the verification link and two notices


async def test_concurrent_claims_never_take_the_same_row(database_url: str, clock: FakeClock, inbox: Inbox) -> None:
    settings = smtp_settings(database_url, inbox)
    async with app_client(settings, clock) as first, app_client(settings, clock) as second:
        gate = gate_of(first)
        async with gate.sessions.begin() as db:
            for n in range(20):
                await gate.mailer.queue(db, Mail(f"claimed-{n}@example.com", "subject", "text", "<p>html</p>"))
        engines = [gate.engine, gate_of(second).engine] * 8
        claims = await asyncio.gather(*(outbox.claim(e, clock(), limit=3, lease=LEASE) for e in engines))
    claimed = [row.id for _, rows in claims for row in rows]
    assert len(claimed) == len(set(claimed)) == 20


async def test_a_rolled_back_request_leaves_no_mail(
    database_url: str, clock: FakeClock, inbox: Inbox, mail_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the sign-up fails after its verification mail was queued: the mail goes with the rest of the transaction
    real_record_event = verification_service.record_event

    async def failing(*args: object, **kwargs: object) -> None:
        if kwargs.get("type") is EventType.EMAIL_VERIFICATION_SENT:
            raise RuntimeError("the database refused the event")
        await real_record_event(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(verification_service, "record_event", failing)
    async with app_client(mail_settings, clock) as http:
        response = await http.post("/auth/signup", json=signup_body("rolled-back@example.com"))
        assert response.status_code == 500
        await drain(http)
    assert outbox_of(database_url) == [] and inbox.messages == []
    assert query(database_url, "SELECT id FROM users WHERE email = 'rolled-back@example.com'") == []


async def test_mail_that_expired_unsent_is_given_up_and_logged_without_its_link(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    box = down_inbox()
    expired_before = mail_total("expired")
    async with app_client(smtp_settings(database_url, box), clock) as http:
        await signup(http, "too-late@example.com")
        await drain(http)
        (row,) = outbox_of(database_url)
        # the verification link lives 24 hours (VERIFICATION_TOKEN_HOURS): so does its mail
        assert row.expires_at == clock() + timedelta(hours=24)
        clock.advance(hours=24)
        with serving(box):
            await drain(http)
            assert box.messages == []
    assert outbox_of(database_url) == []
    assert mail_total("expired") == expired_before + 1
    given_up = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert given_up == [
        f"mail '{VERIFY_SUBJECT}' expired unsent after 1 attempt(s) (last error: SMTPConnectError): given up"
    ]
    for record in caplog.records:
        if record.name.startswith("authgate"):
            assert "token=" not in record.getMessage() and "too-late" not in record.getMessage()


async def test_a_mail_expires_with_its_link_or_after_mail_retry_hours(database_url: str, clock: FakeClock) -> None:
    box = down_inbox()
    settings = smtp_settings(database_url, box, mail_retry_hours=2, verification_token_hours=48)
    async with app_client(settings, clock) as http:
        signed_up = await signup(http, "expiry@example.com")
        await http.post("/auth/forgot-password", json={"email": "expiry@example.com"})
        token = signed_up.json()["access_token"]
        changed = await http.post(
            "/auth/change-password",
            json={"current_password": "SecureP@ssw0rd", "new_password": "An0ther-Passw0rd!"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert changed.status_code == 200, changed.text
        await drain(http)
    lives = {row.subject: row.expires_at - row.created_at for row in outbox_of(database_url)}
    assert lives == {
        VERIFY_SUBJECT: timedelta(hours=2),  # the link lives 48 h, MAIL_RETRY_HOURS is 2
        RESET_SUBJECT: timedelta(minutes=60),  # the link lives 60 min (RESET_TOKEN_MINUTES)
        "Your password was changed": timedelta(hours=2),  # a notice: MAIL_RETRY_HOURS
    }


async def test_the_backoff_doubles_from_the_injected_clock_up_to_an_hour(database_url: str, clock: FakeClock) -> None:
    async with app_client(smtp_settings(database_url, down_inbox()), clock) as http:
        no_jitter(http)
        await signup(http, "backoff@example.com")
        await drain(http)
        waits = []
        for attempt in range(1, 10):
            (row,) = outbox_of(database_url)
            assert row.attempts == attempt
            wait = row.next_attempt_at - clock()
            waits.append(int(wait.total_seconds()))
            clock.advance(seconds=wait.total_seconds() - 1)
            await drain(http)
            assert outbox_of(database_url)[0].attempts == attempt  # one second early: not tried
            clock.advance(seconds=1)
            await drain(http)
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_retry_delays_with_jitter() -> None:
    assert outbox.retry_delay(1, 0.0) == timedelta(seconds=30)
    assert outbox.retry_delay(2, 0.5) == timedelta(seconds=45)  # up to half taken off
    assert outbox.retry_delay(3, 0.999) > timedelta(seconds=60)
    assert outbox.retry_delay(500, 0.0) == timedelta(hours=1)


async def test_a_commit_wakes_the_sender_without_waiting_for_the_poll(
    database_url: str, clock: FakeClock, inbox: Inbox
) -> None:
    # no drain: the request's commit wakes the sender; the poll (5 minutes here) would be far too late
    settings = smtp_settings(database_url, inbox, mail_poll_seconds=300)
    async with app_client(settings, clock, mail_sender=True) as http:
        await signup(http, "prompt@example.com")
        await inbox.wait_for(1)
    assert inbox.to("prompt@example.com")


async def test_the_sender_does_not_log_under_the_id_of_the_request_that_started_it(
    database_url: str, clock: FakeClock, inbox: Inbox
) -> None:
    seen: list[str | None] = []
    async with app_client(smtp_settings(database_url, inbox), clock, mail_sender=True) as http:
        mailer = gate_of(http).mailer
        real_deliver = mailer.deliver

        async def noting(mail: Mail, **kwargs: object) -> None:
            seen.append(REQUEST_ID.get())
            await real_deliver(mail, **kwargs)  # type: ignore[arg-type]

        mailer.deliver = noting  # type: ignore[method-assign]
        await http.post("/auth/signup", json=signup_body("traced@example.com"), headers={"X-Request-ID": "req-1"})
        await inbox.wait_for(1)
    assert seen == [None]


async def test_the_poll_sends_mail_queued_by_another_instance(
    database_url: str, clock: FakeClock, inbox: Inbox
) -> None:
    queuing = smtp_settings(database_url, inbox)
    sending = smtp_settings(database_url, inbox, mail_poll_seconds=0.05)
    async with app_client(queuing, clock) as first, app_client(sending, clock, mail_sender=True) as second:
        gate_of(second).mailer.ensure_started()
        gate = gate_of(first)
        async with gate.sessions.begin() as db:
            await gate.mailer.queue(db, Mail("elsewhere@example.com", "From elsewhere", "text", "<p>html</p>"))
        # the first instance never wakes its own sender: the second one's poll finds the row
        await inbox.wait_for(1)
    assert inbox.to("elsewhere@example.com")


async def test_a_send_cut_off_at_shutdown_is_taken_again_when_its_lease_ends(
    database_url: str, clock: FakeClock, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    # a server that accepts the connection and never answers: shutdown must not hang on it, nor lose the mail
    connected = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    stuck = smtp_settings(database_url, inbox, smtp_port=server.sockets[0].getsockname()[1])
    try:
        async with app_client(stuck, clock, mail_sender=True) as http:
            gate_of(http).mailer.close_timeout = 0.2
            await signup(http, "interrupted@example.com")
            # the sender took the mail and is stuck sending it when the shutdown comes
            await asyncio.wait_for(connected.wait(), 10)
    finally:
        server.close()
        await server.wait_closed()
    assert any("left in the outbox" in r.getMessage() for r in caplog.records)
    (row,) = outbox_of(database_url)
    assert row.claimed_until == clock() + LEASE
    async with app_client(smtp_settings(database_url, inbox), clock) as http:
        await drain(http)
        assert inbox.messages == []  # the lease still holds: its sender may yet be sending
        clock.advance(seconds=LEASE.total_seconds())
        await drain(http)
    assert len(inbox.to("interrupted@example.com")) == 1 and outbox_of(database_url) == []


async def test_mail_sealed_under_another_secret_is_dropped_not_sent(
    database_url: str, clock: FakeClock, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    box = down_inbox()
    async with app_client(smtp_settings(database_url, box), clock) as http:
        await signup(http, "rotated@example.com")
    assert len(outbox_of(database_url)) == 1
    # JWT_SECRET_KEY changed since: the body cannot be opened (nor forged), so it is dropped and said so
    rotated = smtp_settings(database_url, inbox, jwt_secret_key=TEST_SECRET[::-1])
    async with app_client(rotated, clock) as http:
        clock.advance(seconds=30)
        await drain(http)
    assert inbox.messages == [] and outbox_of(database_url) == []
    assert any("cannot be opened" in r.getMessage() for r in caplog.records)


async def test_the_cleanup_job_gives_up_expired_mail_too(database_url: str, clock: FakeClock) -> None:
    async with app_client(smtp_settings(database_url, down_inbox()), clock) as http:
        await signup(http, "cleaned@example.com")
        await drain(http)
        assert len(outbox_of(database_url)) == 1
        clock.advance(hours=25)
        counts = await purge_expired(gate_of(http).engine, clock())
    assert counts.mail_expired == 1 and outbox_of(database_url) == []


async def test_without_smtp_the_log_is_the_mailbox_and_the_outbox_empties(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="authgate.mail")
    async with app_client(smtp_settings(database_url, Inbox(), smtp_host=None), clock) as http:
        await signup(http, "dev-outbox@example.com")
        await drain(http)
    assert outbox_of(database_url) == []
    (logged,) = [r.getMessage() for r in caplog.records if r.name == "authgate.mail"]
    assert logged.startswith(f"mail to dev-outbox@example.com: {VERIFY_SUBJECT}") and f"{PUBLIC_URL}/auth/" in logged
