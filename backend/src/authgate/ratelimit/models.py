from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from authgate.db import Base, UTCDateTime


class SignInFailure(Base):
    """Consecutive failed sign-ins at an address that has no account: the twin of users.failed_login_count.

    Kept in the database, beside the known accounts' counts, so that known and unknown addresses are judged from the
    same kind of storage in every deployment: with per-process counters (no REDIS_URL, several workers) or Redis
    down, an attacker would otherwise see a known address throttled on every worker and an unknown one on one only.
    `key` is a keyed hash of the canonical address: the table holds no address.
    """

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reset_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # purged after this (the cleanup job), like a known account's state would stop mattering
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
