"""Status reports kept in the outbox row itself (``outbox.payload``), not as files.

Revision ID: 0013_outbox_inline_status
Revises: 0012_revoked_tokens
Create Date: 2026-12-03 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_outbox_inline_status"
down_revision = "0012_revoked_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("payload", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "payload")
