"""users.first_verified_at: when an address of the account was first proven (a reset keeps only the ways in added
since; recovery/service.py)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from authgate.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("first_verified_at", UTCDateTime(), nullable=True))
    # existing accounts: the earliest proof still on record, the verification or reset event, else the time the
    # current address was verified (a later change of address moved that one: the event, when kept, is earlier)
    users = sa.table(
        "users",
        sa.column("id", sa.Uuid()),
        sa.column("is_verified", sa.Boolean()),
        sa.column("email_verified_at", UTCDateTime()),
        sa.column("first_verified_at", UTCDateTime()),
    )
    events = sa.table(
        "security_events",
        sa.column("user_id", sa.Uuid()),
        sa.column("type", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    op.execute(users.update().where(users.c.is_verified).values(first_verified_at=users.c.email_verified_at))
    earliest = (
        sa.select(sa.func.min(events.c.created_at))
        .where(events.c.user_id == users.c.id, events.c.type.in_(("email_verified", "password_reset")))
        .scalar_subquery()
    )
    op.execute(
        users.update()
        .where(users.c.is_verified, sa.or_(users.c.first_verified_at.is_(None), earliest < users.c.first_verified_at))
        .values(first_verified_at=sa.func.coalesce(earliest, users.c.first_verified_at))
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("first_verified_at")
