"""second factors: authenticator apps, backup codes, sign-in challenges, passkeys

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from authgate.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _user(column: str = "user_id", nullable: bool = False, table: str = "") -> list[Any]:
    return [
        sa.Column(column, sa.Uuid(), nullable=nullable),
        sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "totp_factors",
        *_user(table="totp_factors"),
        sa.Column("secret_sealed", sa.String(255), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_totp_factors"),
    )
    op.create_table(
        "backup_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_user(table="backup_codes"),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_backup_codes"),
    )
    op.create_index("ix_backup_codes_user_id", "backup_codes", ["user_id"])
    op.create_table(
        "sign_in_challenges",
        sa.Column("token_hash", sa.String(64), nullable=False),
        *_user(table="sign_in_challenges"),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sign_in_challenges"),
    )
    op.create_index("ix_sign_in_challenges_user_id", "sign_in_challenges", ["user_id"])
    op.create_index("ix_sign_in_challenges_expires_at", "sign_in_challenges", ["expires_at"])
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_user(table="passkeys"),
        sa.Column("credential_id", sa.String(1024), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("transports", sa.String(200), nullable=True),
        sa.Column("backed_up", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_passkeys"),
        sa.UniqueConstraint("credential_id", name="uq_passkeys_credential_id"),
    )
    op.create_index("ix_passkeys_user_id", "passkeys", ["user_id"])
    op.create_table(
        "webauthn_challenges",
        sa.Column("challenge", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        *_user(nullable=True, table="webauthn_challenges"),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("challenge", name="pk_webauthn_challenges"),
    )
    op.create_index("ix_webauthn_challenges_expires_at", "webauthn_challenges", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_webauthn_challenges_expires_at", table_name="webauthn_challenges")
    op.drop_table("webauthn_challenges")
    op.drop_index("ix_passkeys_user_id", table_name="passkeys")
    op.drop_table("passkeys")
    op.drop_index("ix_sign_in_challenges_expires_at", table_name="sign_in_challenges")
    op.drop_index("ix_sign_in_challenges_user_id", table_name="sign_in_challenges")
    op.drop_table("sign_in_challenges")
    op.drop_index("ix_backup_codes_user_id", table_name="backup_codes")
    op.drop_table("backup_codes")
    op.drop_table("totp_factors")
