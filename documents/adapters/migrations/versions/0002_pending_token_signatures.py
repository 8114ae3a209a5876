"""Pending split-signing (token) requests, kept across restarts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_token_signatures",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("prepared_hash", sa.String(length=64), nullable=False),
        sa.Column("request_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["outgoing_documents.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_token_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_token_signatures_user_id"), ["user_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_pending_token_signatures_expires_at"),
                              ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("pending_token_signatures")
