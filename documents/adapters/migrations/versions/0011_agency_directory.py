"""The hub's copy of the axis's agency directory (codes, names, successors, validity).

Revision ID: 0011_agency_directory
Revises: 0010
Create Date: 2026-12-02 10:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_agency_directory"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_agencies",
        sa.Column("code", sa.String(length=50), primary_key=True),
        sa.Column("name", sa.String(length=255), nullable=False, server_default=""),
        sa.Column("parent_code", sa.String(length=50)),
        sa.Column("successor_code", sa.String(length=50)),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_to", sa.Date()),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_directory_agencies_successor_code", "directory_agencies",
                    ["successor_code"])
    op.create_index("ix_directory_agencies_version", "directory_agencies", ["version"])


def downgrade() -> None:
    op.drop_index("ix_directory_agencies_version", "directory_agencies")
    op.drop_index("ix_directory_agencies_successor_code", "directory_agencies")
    op.drop_table("directory_agencies")
