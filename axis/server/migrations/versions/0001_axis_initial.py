"""Agencies, stored messages, per-recipient deliveries, seen WS-Security nonces.

Revision ID: 0001_axis_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_axis_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "axis_agency",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(64)),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "axis_message",
        sa.Column("doc_id", sa.String(36), primary_key=True),
        sa.Column("sender", sa.String(64), sa.ForeignKey("axis_agency.code"), nullable=False),
        sa.Column("sender_message_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sender", "sender_message_id"),
    )
    op.create_table(
        "axis_delivery",
        sa.Column("doc_id", sa.String(36),
                  sa.ForeignKey("axis_message.doc_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("recipient", sa.String(64), sa.ForeignKey("axis_agency.code"),
                  primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_axis_delivery_recipient_state", "axis_delivery", ["recipient", "state"])
    op.create_table(
        "axis_seen_nonce",
        sa.Column("nonce", sa.String(200), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("axis_seen_nonce")
    op.drop_index("ix_axis_delivery_recipient_state", "axis_delivery")
    op.drop_table("axis_delivery")
    op.drop_table("axis_message")
    op.drop_table("axis_agency")
