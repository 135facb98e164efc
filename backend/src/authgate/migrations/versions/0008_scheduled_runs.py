"""scheduled runs: the purge runs once per interval across every instance, not once per process

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authgate.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_runs",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=False),
        sa.Column("last_run_by", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_scheduled_runs"),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
