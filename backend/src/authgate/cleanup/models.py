from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from authgate.db import Base, UTCDateTime


class ScheduledRun(Base):
    """When a background job last ran, across every worker and instance sharing the database: the lease that makes
    it run once per interval, not once per process (cleanup/lease.py)."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the process that claimed it (host:pid:random), for operators and for giving a failed run back
    last_run_by: Mapped[str] = mapped_column(String(255))
