"""Sending mail off the request path: SMTP through aiosmtplib, or the log when no SMTP server is configured."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlencode

import aiosmtplib

from authgate.observability import MAIL_PENDING, MAIL_SENT
from authgate.settings import Settings

logger = logging.getLogger("authgate.mail")

# a send that takes longer than this is abandoned (aiosmtplib's own default is 60 s)
SMTP_TIMEOUT_SECONDS = 30
# SMTP connections open at once; the rest wait their turn
MAX_CONCURRENT_SENDS = 4
# background jobs held at once: beyond this a flood of requests is dropped (and logged) instead of growing memory
MAX_PENDING = 1000
# how long dispose() waits for mail still being sent before it gives up on it
DISPOSE_TIMEOUT_SECONDS = 10.0
# RFC 8314 §3: port 465 speaks TLS from the first byte ("implicit TLS"), not STARTTLS
IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


class Mailer:
    """Owns the background tasks that send mail, so a request never waits for an SMTP server.

    Without SMTP_HOST (development) each mail is written to the log, link included, so `make run` works with no
    mail server. With SMTP_HOST set, bodies never reach the log: they carry single-use tokens (OWASP Logging
    cheat sheet: no session identifiers or access tokens in logs).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pending: set[asyncio.Task[None]] = set()
        self._semaphore: asyncio.Semaphore | None = None
        self.close_timeout = DISPOSE_TIMEOUT_SECONDS

    @property
    def configured(self) -> bool:
        return self.settings.smtp_host is not None

    def link(self, path: str, token: str) -> str:
        """A link on the site: always PUBLIC_URL, never the request's Host header (OWASP Forgot Password cheat
        sheet: a Host header chosen by an attacker would mail the victim a link to the attacker's server)."""
        return f"{self.settings.public_url.rstrip('/')}{path}?{urlencode({'token': token})}"

    def send(self, mail: Mail) -> None:
        """Queue a mail; returns at once. Failures are logged, never raised to the caller."""
        self.run_later(self._deliver_logged(mail))

    def run_later(self, job: Coroutine[Any, Any, None]) -> None:
        """Run `job` in the background, owned by the mailer: kept referenced, awaited by drain() and close()."""
        if len(self._pending) >= MAX_PENDING:
            job.close()
            logger.error("mail queue full (%d jobs): a job was dropped", MAX_PENDING)
            return
        task = asyncio.get_running_loop().create_task(self._guarded(job))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait until every queued job, and whatever those jobs queued, has finished (tests use this)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        """On shutdown: give pending mail `close_timeout` seconds, then cancel what is left."""
        try:
            await asyncio.wait_for(self.drain(), self.close_timeout)
        except TimeoutError:
            left = list(self._pending)
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
            logger.error("%d mail job(s) still running at shutdown were cancelled", len(left))

    async def deliver(self, mail: Mail) -> None:
        """Send now (in the caller's task). Raises on SMTP failure."""
        if not self.configured:
            # development: the log is the mailbox (WARNING, so it shows without any logging configuration)
            logger.warning("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)
            return
        message = self.message(mail)
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_SENDS)
        settings = self.settings
        implicit_tls = settings.smtp_port == IMPLICIT_TLS_PORT
        async with self._semaphore:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                use_tls=implicit_tls,
                # True: STARTTLS is required (a server that does not offer it fails the send rather than receiving
                # the token in clear); False: never upgrade (a local relay or a test server)
                start_tls=False if implicit_tls else settings.smtp_starttls,
                timeout=SMTP_TIMEOUT_SECONDS,
            )

    def message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(usegmt=True)
        domain = parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        # text first, HTML as the preferred alternative (RFC 2046 §5.1.4: the last part is the richest)
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message

    async def _deliver_logged(self, mail: Mail) -> None:
        MAIL_PENDING.inc()
        try:
            await self.deliver(mail)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            MAIL_SENT.labels("failed").inc()
            # the subject and the error class only: the body holds the token, and the error text may echo it
            logger.error("mail %r to %s could not be sent: %s", mail.subject, _masked(mail.to), type(error).__name__)
        else:
            MAIL_SENT.labels("sent").inc()
        finally:
            MAIL_PENDING.dec()

    async def _guarded(self, job: Coroutine[Any, Any, None]) -> None:
        try:
            await job
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a background job has nobody else to report to
            logger.error("background mail job failed: %s", type(error).__name__)


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
