from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from authgate.db import Base, UTCDateTime


class OutboxMail(Base):
    """A mail waiting to leave: written in the transaction that causes it, deleted once the SMTP server accepted it
    or once it expired (mail/outbox.py).

    The body holds the raw link of a single-use token, so it is sealed (AES-GCM under a key derived from
    JWT_SECRET_KEY, bound to the row and its recipient): a copy of the database alone yields no working link, as
    the tokens themselves are stored hashed.
    """

    __tablename__ = "mail_outbox"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    # what the mail is for, per reader ("reset_password:<user id>"): a newer mail of the same kind replaces one not
    # sent yet, whose link the newer token superseded anyway. None: a notice, never replaced
    kind: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    # {"text": ..., "html": ...} as JSON, sealed (security/sealing.py)
    body_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the sender takes rows whose time has come; a failed attempt moves it on (exponential backoff)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # never sent after this: at most MAIL_RETRY_HOURS, and never later than the link it carries
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    # the class of the last failure (SMTPConnectError, TimeoutError...): never its text, which may echo the body
    last_error_class: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # a sender holds the row (its lease) until then; another takes it only once the lease ran out
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claim_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
