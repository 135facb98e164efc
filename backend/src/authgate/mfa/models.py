from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from authgate.db import Base, UTCDateTime


class TotpFactor(Base):
    """A reader's authenticator app: the secret sealed (security/sealing.py), on once a first code confirmed it."""

    __tablename__ = "totp_factors"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_sealed: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # RFC 6238 §5.2: the last step a code was accepted for; a code of that step or an earlier one is refused
    last_used_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BackupCode(Base):
    """One single-use backup code, stored as a keyed hash; a new set replaces the old one whole."""

    __tablename__ = "backup_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInChallenge(Base):
    """A first factor passed, the second awaited: short-lived, single-use, dead after a few wrong codes.

    Its token is opaque and stored hashed: it is no JWT, so it can never pass for an access token, and an access
    token is no challenge (it matches no row).
    """

    __tablename__ = "sign_in_challenges"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # how the first factor was given (password, github, …): the sign-in's method once it completes
    method: Mapped[str] = mapped_column(String(40))
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Passkey(Base):
    """A WebAuthn credential of a reader (a passkey): its public key and signature counter."""

    __tablename__ = "passkeys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1024), unique=True)
    public_key: Mapped[str] = mapped_column(Text)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    name: Mapped[str] = mapped_column(String(60))
    transports: Mapped[str | None] = mapped_column(String(200), nullable=True)
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebAuthnChallenge(Base):
    """A WebAuthn ceremony in progress: the challenge the browser must sign, single-use and short-lived."""

    __tablename__ = "webauthn_challenges"

    challenge: Mapped[str] = mapped_column(String(128), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
