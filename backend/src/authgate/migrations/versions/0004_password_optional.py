"""an account may have no password (a reader who only signs in through a provider)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.alter_column("hashed_password", existing_type=sa.String(255), nullable=True)


def downgrade() -> None:
    # an account without a password cannot go back to a schema that requires one: give it an unusable hash
    op.execute("UPDATE users SET hashed_password = '!' WHERE hashed_password IS NULL")
    with op.batch_alter_table("users") as users:
        users.alter_column("hashed_password", existing_type=sa.String(255), nullable=False)
