from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from authgate.db import Base, UTCDateTime


class Identity(Base):
    """A provider's account connected to a reader: (provider, subject), never the email.

    An address changes and can be reused on a provider; the subject is the provider's stable id for the person.
    """

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_identities_provider_subject"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    # what the provider said last time, for the reader's list (never used to find the identity)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OAuthFlow(Base):
    """A provider sign-in in progress: single-use, short-lived, bound to the browser that started it.

    `state_hash` is the SHA-256 of the `state` sent to the provider; `browser_hash` that of a random value kept in an
    HttpOnly cookie of the browser that started the flow (a callback from another browser, or replayed, matches
    nothing). The PKCE verifier and the nonce never leave the server.
    """

    __tablename__ = "oauth_flows"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    next_path: Mapped[str] = mapped_column(String(512))
    # set when a signed-in reader connects a provider to their account
    connect_user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
