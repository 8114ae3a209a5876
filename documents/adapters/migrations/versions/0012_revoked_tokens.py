"""Tokens ended by logging out (their ``jti``), refused until they would have expired.

Revision ID: 0012_revoked_tokens
Revises: 0011_agency_directory
Create Date: 2026-12-02 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_revoked_tokens"
down_revision = "0011_agency_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revoked_tokens_expires_at", table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
