"""Mail that is not lost: every mail is written to the outbox in the transaction that causes it, then sent by a
sender that retries until the SMTP server accepts it or the mail expires. Without SMTP_HOST, "sent" means logged."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlencode

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncEngine

from authgate.mail import outbox
from authgate.mail.outbox import Claimed, Db
from authgate.observability import MAIL_PENDING, MAIL_SENT
from authgate.security import Clock, derive_key, utc_now
from authgate.security.sealing import Unsealable, seal, unseal
from authgate.settings import Settings

logger = logging.getLogger("authgate.mail")

# each SMTP command is abandoned after this (aiosmtplib's own default is 60 s)
SMTP_TIMEOUT_SECONDS = 30
# one whole send (connect, TLS, AUTH, MAIL, RCPT, DATA) is abandoned after this: aiosmtplib's timeout is per command
SEND_DEADLINE_SECONDS = 60
# a claimed row is the sender's for this long: longer than any send, so it is taken again only from a sender that
# gave up on it or died (plus a margin for clocks that disagree between instances)
LEASE = timedelta(seconds=2 * SEND_DEADLINE_SECONDS)
# rows claimed, and SMTP connections open, at once per process (passes run one at a time)
MAX_CONCURRENT_SENDS = 4
# background jobs held at once (the forgot-password lookup): beyond this a flood is dropped and logged
MAX_PENDING = 1000
# how long close() lets the pass under way (and the background jobs) finish before cancelling them
DISPOSE_TIMEOUT_SECONDS = 10.0
# RFC 8314 §3: port 465 speaks TLS from the first byte ("implicit TLS"), not STARTTLS
IMPLICIT_TLS_PORT = 465
# what the sealing key is derived for (HMAC domain separation: no other key made from JWT_SECRET_KEY opens a body)
SEALING_PURPOSE = "authgate mail outbox"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    # how long the link in it works: the mail is never sent after that (None: a notice, no link)
    valid_for: timedelta | None = None


class Mailer:
    """The outbox's two ends: `queue()` writes a mail in the caller's transaction, the sender sends it.

    The sender is a background task of its own: woken by `wake()` after a commit that queued mail, and every
    MAIL_POLL_SECONDS anyway for retries and for mail queued by other instances. A pass gives up on expired mail,
    claims due rows (a lease, so one instance sends each), sends them and deletes each as soon as the server
    accepted it; a failure is retried with exponential backoff until the mail expires.

    Without SMTP_HOST (development) each mail is written to the log, link included, so `make run` works with no
    mail server. With SMTP_HOST set, bodies never reach the log: they carry single-use tokens (OWASP Logging
    cheat sheet: no session identifiers or access tokens in logs).
    """

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        *,
        clock: Clock = utc_now,
        jitter: Callable[[], float] = secrets.SystemRandom().random,
        admit_notice: Callable[[str, str], Awaitable[bool]] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        # [0, 1): spreads retries (outbox.retry_delay); tests fix it
        self.jitter = jitter
        # (address, subject) -> whether a notice may still go there (the gate's RATE_LIMIT_MAIL_ACCOUNT window)
        self.admit_notice = admit_notice
        self.poll_seconds = settings.mail_poll_seconds
        self.close_timeout = DISPOSE_TIMEOUT_SECONDS
        self._key = derive_key(settings.secret, SEALING_PURPOSE)
        self._jobs: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        # one pass at a time in this process: the loop's and drain()'s
        self._passing = asyncio.Lock()
        self._stopped = False
        self._failing = False

    @property
    def configured(self) -> bool:
        return self.settings.smtp_host is not None

    def link(self, path: str, token: str) -> str:
        """A link on the site: always PUBLIC_URL, never the request's Host header (OWASP Forgot Password cheat
        sheet: a Host header chosen by an attacker would mail the victim a link to the attacker's server)."""
        return f"{self.settings.public_url.rstrip('/')}{path}?{urlencode({'token': token})}"

    # ---------------------------------------------------------------- queueing

    async def queue(self, db: Db, mail: Mail, *, kind: str | None = None) -> None:
        """Write `mail` to the outbox inside the caller's transaction (a rolled-back request sends nothing); call
        `wake()` once that transaction has committed. `kind` ("reset_password:<user id>"): this mail replaces one of
        the same kind not sent yet (a newer link superseded the older one; during an SMTP outage the reader would
        otherwise get every dead link too)."""
        if mail.valid_for is None and kind is None and self.admit_notice is not None:
            # a notice (no link) goes to the account's own address, which an unverified account may have taken from
            # someone else: changing the password back and forth mailed that person one notice per change, 30 a
            # minute per IP (attack pass; mail bombing, OWASP ASVS 5.0 V2.4). The action goes on; beyond the first
            # few of one kind an hour the notice is not sent, so its owner still hears of every kind of change
            if not await self.admit_notice(mail.to, mail.subject):
                logger.warning("notice %r to %s not sent: too many of them this hour", mail.subject, _masked(mail.to))
                return
        now = self.clock()
        lifetime = timedelta(hours=self.settings.mail_retry_hours)
        if mail.valid_for is not None:
            # a link that no longer works is not worth sending: the mail expires with it
            lifetime = min(lifetime, mail.valid_for)
        row_id = uuid.uuid4()
        body = json.dumps({"text": mail.text, "html": mail.html})
        await outbox.insert_row(
            db,
            row_id=row_id,
            recipient=mail.to,
            subject=mail.subject,
            kind=kind,
            body_sealed=seal(self._key, body, context=_sealing_context(row_id, mail.to)),
            now=now,
            expires_at=now + lifetime,
        )

    def queue_only(self) -> None:
        """For a one-off process (the CLI): mail is queued for the service's senders, none is sent from here. A pass
        sends every reader's due mail, not only this process's: run where SMTP_HOST is unset it "sent" their links to
        the operator's terminal and deleted them, and under another JWT_SECRET_KEY it dropped them unopened."""
        self._stopped = True

    def wake(self) -> None:
        """After a commit that queued mail: send it now, not at the next poll."""
        self.ensure_started()
        self._wakeup.set()

    def run_later(self, job: Coroutine[Any, Any, None]) -> None:
        """Run `job` in the background, owned by the mailer: kept referenced, awaited by drain() and close()."""
        if len(self._jobs) >= MAX_PENDING:
            job.close()
            logger.error("mail queue full (%d jobs): a job was dropped", MAX_PENDING)
            return
        task = asyncio.get_running_loop().create_task(self._guarded(job))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    # ---------------------------------------------------------------- the sender

    def ensure_started(self) -> None:
        """Called on every request and by wake(): after the first call it is one attribute check."""
        if self._task is not None or self._stopped:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        # a context of its own: started by some request, it must not log under that request's id for good
        self._task = loop.create_task(self._loop(), name="authgate-mail", context=contextvars.Context())

    async def drain(self) -> None:
        """Until no background job is left and nothing in the outbox is due (by the injected clock): every mail
        that can be sent now has been tried. Mail waiting for a retry stays where it is. Tests use this."""
        while True:
            while self._jobs:
                await asyncio.gather(*list(self._jobs), return_exceptions=True)
            attempted = await self.send_due()
            if not attempted and not self._jobs:
                return

    async def close(self) -> None:
        """On shutdown: no new pass; the pass under way and the background jobs get `close_timeout` seconds to
        finish, then are cancelled. Nothing is lost: what is left stays in the outbox for the next start or another
        instance (a send cut off mid-way is taken again when its lease ends). No last pass either: with the database
        gone (a partition) it would only add its timeouts to the shutdown."""
        self._stopped = True
        # a loop waiting for its next poll ends at once
        self._wakeup.set()
        running = [*self._jobs, *([self._task] if self._task is not None else [])]
        if running:
            _, left = await asyncio.wait(running, timeout=self.close_timeout)
            if left:
                logger.error("mail still being sent at shutdown was left in the outbox")
        await self._cancel_background()

    async def send_due(self) -> int:
        """One pass: give up on expired mail, then send what is due, MAX_CONCURRENT_SENDS at a time, until nothing
        is due. Returns how many mails were attempted."""
        async with self._passing:
            now = self.clock()
            found = await outbox.census(self.engine, now)
            if found.expired:
                await outbox.expire(self.engine, now)
            attempted = 0
            while found.due:
                claim_id, rows = await outbox.claim(self.engine, now, limit=MAX_CONCURRENT_SENDS, lease=LEASE)
                if not rows:
                    break
                results = await asyncio.gather(*(self._attempt(row, claim_id) for row in rows), return_exceptions=True)
                failed = [result for result in results if isinstance(result, Exception)]
                if failed:
                    # the database failed under a send's bookkeeping: end the pass rather than claim more (each
                    # claimed row waits for its lease); the next pass tries again
                    raise failed[0]
                attempted += len(rows)
                now = self.clock()
            if attempted or found.expired:
                found = await outbox.census(self.engine, self.clock())
            MAIL_PENDING.set(found.total)
            return attempted

    async def _loop(self) -> None:
        while not self._stopped:
            self._wakeup.clear()
            try:
                await self.send_due()
                if self._failing:
                    logger.warning("mail sender: the outbox can be read again")
                self._failing = False
            except Exception as error:  # noqa: BLE001 - the database may be down: try again at the next poll
                if not self._failing:
                    logger.warning("mail sender: the outbox cannot be read (%s); trying again", type(error).__name__)
                self._failing = True
            # a wake during the pass is not lost: the event is still set, the wait ends at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)

    async def _attempt(self, row: Claimed, claim_id: uuid.UUID) -> None:
        try:
            mail = self._opened(row)
        except (Unsealable, ValueError, KeyError):
            await outbox.delete_row(self.engine, row.id, claim_id)
            MAIL_SENT.labels("dropped").inc()
            logger.error("mail %r cannot be opened (JWT_SECRET_KEY changed since it was queued): dropped", row.subject)
            return
        try:
            async with asyncio.timeout(SEND_DEADLINE_SECONDS):
                await self.deliver(mail, message_id=self._message_id(row.id), date=row.created_at)
        except Exception as error:  # noqa: BLE001 - any failure is retried until the mail expires
            await self._failed(row, claim_id, error)
            return
        # accepted: delete it at once. A crash (or the database failing) between the server's answer and this
        # line sends it again when the lease ends: the one at-least-once window
        MAIL_SENT.labels("sent").inc()
        try:
            await outbox.delete_row(self.engine, row.id)
        except Exception as error:
            logger.error("mail %r was sent, not marked sent (%s): may be sent again", row.subject, type(error).__name__)
            raise

    async def _failed(self, row: Claimed, claim_id: uuid.UUID, error: Exception) -> None:
        error_class = type(error).__name__
        MAIL_SENT.labels("failed").inc()
        retry_at = self.clock() + outbox.retry_delay(row.attempts, self.jitter())
        if retry_at >= row.expires_at:
            # the next attempt would come too late for the link in it
            await outbox.delete_row(self.engine, row.id, claim_id)
            outbox.log_given_up(row.subject, row.attempts, error_class)
            return
        await outbox.reschedule(self.engine, row.id, claim_id, at=retry_at, error_class=error_class)
        # the subject and the error class only: the body holds the token, and the error text may echo it
        logger.error(
            "mail %r to %s could not be sent: %s (attempt %d; tried again at %s)",
            row.subject,
            _masked(row.recipient),
            error_class,
            row.attempts,
            retry_at.isoformat(timespec="seconds"),
        )

    def _opened(self, row: Claimed) -> Mail:
        body = json.loads(unseal(self._key, row.body_sealed, context=_sealing_context(row.id, row.recipient)))
        return Mail(to=row.recipient, subject=row.subject, text=body["text"], html=body["html"])

    def _message_id(self, row_id: uuid.UUID) -> str:
        # the same on every attempt: should a mail ever arrive twice (the at-least-once window), mail clients see
        # one message
        return f"<{row_id}@{self._domain()}>"

    def _domain(self) -> str:
        return parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or "localhost"

    async def _cancel_background(self) -> None:
        left: list[asyncio.Task[None]] = list(self._jobs)
        task, self._task = self._task, None
        for running in [*left, *([task] if task is not None else [])]:
            running.cancel()
        await asyncio.gather(*left, *([task] if task is not None else []), return_exceptions=True)
        if left:
            logger.error("%d mail job(s) still running at shutdown were cancelled", len(left))

    async def _guarded(self, job: Coroutine[Any, Any, None]) -> None:
        try:
            await job
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a background job has nobody else to report to
            logger.error("background mail job failed: %s", type(error).__name__)

    # ---------------------------------------------------------------- the transport

    async def deliver(self, mail: Mail, *, message_id: str | None = None, date: datetime | None = None) -> None:
        """Hand one mail to the SMTP server now (or to the log without SMTP_HOST). Raises on SMTP failure."""
        if not self.configured:
            # development: the log is the mailbox (WARNING, so it shows without any logging configuration)
            logger.warning("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)
            return
        settings = self.settings
        implicit_tls = settings.smtp_port == IMPLICIT_TLS_PORT
        await aiosmtplib.send(
            self.message(mail, message_id=message_id, date=date),
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

    def message(self, mail: Mail, *, message_id: str | None = None, date: datetime | None = None) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        # RFC 5322 §3.6.1: when the mail was ready to leave, i.e. queued, not when a retry finally got through
        message["Date"] = format_datetime(date, usegmt=True) if date is not None else formatdate(usegmt=True)
        message["Message-ID"] = message_id or make_msgid(domain=self._domain())
        # text first, HTML as the preferred alternative (RFC 2046 §5.1.4: the last part is the richest)
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message


def _sealing_context(row_id: uuid.UUID, recipient: str) -> bytes:
    # a sealed body opens only on its own row and for its own recipient: one moved to another address does not
    return row_id.bytes + recipient.encode("utf-8")


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
