"""sign-in failures of addresses without an account, in the database like those of accounts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authgate.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failed_at", UTCDateTime(), nullable=False),
        sa.Column("reset_required", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sign_in_failures"),
    )
    op.create_index("ix_sign_in_failures_expires_at", "sign_in_failures", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_expires_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
