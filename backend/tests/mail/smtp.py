"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and an app that mails to it."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from authgate.gate import AuthGate
from authgate.mail.models import OutboxMail
from authgate.settings import Settings
from tests.conftest import FakeClock, app_client, make_settings, sync_url
from tests.ports import free_port

PUBLIC_URL = "https://docs.example.org"
MAIL_FROM = "Textbook <no-reply@docs.example.org>"
LINK = re.compile(r"https?://[^\s\"<>]+")


class Inbox:
    """Every message the server accepted, in order, as parsed email messages.

    `cut_in_data` (the next N messages: the connection is dropped once the body arrived, before any answer) and
    `refuse_in_data` (answered 451, try again later) make a server that fails mid-send; `slow_seconds` holds each
    answer back, so sends from several senders overlap.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self.port = 0
        self.cut_in_data = 0
        self.refuse_in_data = 0
        self.slow_seconds = 0.0

    def _failure(self) -> str | None:
        with self._lock:
            if self.cut_in_data:
                self.cut_in_data -= 1
                return "cut"
            if self.refuse_in_data:
                self.refuse_in_data -= 1
                return "451 4.3.0 Try again later"
        return None

    # aiosmtpd handler hook; runs on the server's own thread
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.slow_seconds:
            await asyncio.sleep(self.slow_seconds)
        failure = self._failure()
        if failure == "cut":
            # the body arrived, the answer never does: the client cannot know whether the mail was taken
            server.transport.abort()
            return "421 closing"
        if failure is not None:
            return failure
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    async def wait_for(self, count: int, within_seconds: float = 10.0) -> None:
        """Until `count` messages arrived (the sender runs on its own): a bound on the wait, not a pause."""
        deadline = asyncio.get_running_loop().time() + within_seconds
        while len(self.messages) < count:
            assert asyncio.get_running_loop().time() < deadline, f"{len(self.messages)} of {count} messages arrived"
            await asyncio.sleep(0.01)

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str, subject: str | None = None) -> EmailMessage:
        found = [m for m in self.to(address) if subject is None or m["Subject"] == subject]
        assert found, f"no mail to {address} ({subject}); got {[(m['To'], m['Subject']) for m in self.messages]}"
        return found[-1]

    def link(self, address: str, subject: str | None = None) -> str:
        links = links_in(text_part(self.last_to(address, subject)))
        assert len(links) == 1, links
        return links[0]

    def token(self, address: str, subject: str | None = None) -> str:
        return token_of(self.link(address, subject))


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def links_in(body: str) -> list[str]:
    return LINK.findall(body)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


@contextmanager
def serving(box: Inbox) -> Iterator[Inbox]:
    """The SMTP server of `box`, up on its port while the block runs (a test can start it late, or stop it)."""
    if not box.port:
        box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with serving(Inbox()) as box:
        yield box


def smtp_settings(database_url: str, inbox: Inbox, **overrides: object) -> Settings:
    """Settings that mail to the test server (plain SMTP on loopback) with links on PUBLIC_URL."""
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": inbox.port,
        "smtp_starttls": False,
        "public_url": PUBLIC_URL,
        "mail_from": MAIL_FROM,
    }
    values.update(overrides)
    return make_settings(database_url, **values)


@pytest.fixture
def mail_settings(database_url: str, inbox: Inbox) -> Settings:
    return smtp_settings(database_url, inbox)


@pytest.fixture
async def mail_client(mail_settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(mail_settings, clock) as http:
        yield http


def gate_of(http: httpx.AsyncClient) -> AuthGate:
    gate = http.app.state.authgate  # type: ignore[attr-defined]
    assert isinstance(gate, AuthGate)
    return gate


async def drain(http: httpx.AsyncClient) -> None:
    """Wait for the mail the app queued (the sends run in background tasks on this loop)."""
    await gate_of(http).mailer.drain()


def outbox_of(database_url: str) -> list[OutboxMail]:
    """The outbox's rows, oldest first, as the models (timestamps in UTC on both databases)."""
    engine = create_engine(sync_url(database_url))
    try:
        with Session(engine, expire_on_commit=False) as db:
            return list(db.scalars(select(OutboxMail).order_by(OutboxMail.created_at, OutboxMail.id)))
    finally:
        engine.dispose()


def query(database_url: str, sql: str, **params: object) -> list[Any]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        engine.dispose()


def execute(database_url: str, sql: str, **params: object) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def events_of(database_url: str, email: str) -> list[str]:
    rows = query(
        database_url,
        "SELECT e.type FROM security_events e JOIN users u ON u.id = e.user_id WHERE u.email = :email "
        "ORDER BY e.created_at, e.type",
        email=email,
    )
    return [row[0] for row in rows]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
