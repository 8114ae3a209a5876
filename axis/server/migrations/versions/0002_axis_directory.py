"""The SDK's fields and the agency directory with history: agency id, mail, QD20 code, centre,
operator flag, successor and validity dates, soft deletion and directory versions; a message's
subject and notation; the former code a delivery was addressed to.

Revision ID: 0002_axis_directory
Revises: 0001_axis_initial
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_axis_directory"
down_revision = "0001_axis_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("axis_agency") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer()))
        batch.add_column(sa.Column("mail", sa.Text()))
        batch.add_column(sa.Column("code102", sa.String(64)))
        batch.add_column(sa.Column("center_code", sa.String(64)))
        batch.add_column(sa.Column("is_agency", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("operator", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("successor_code", sa.String(64)))
        batch.add_column(sa.Column("valid_from", sa.Date()))
        batch.add_column(sa.Column("valid_to", sa.Date()))
        batch.add_column(sa.Column("deleted", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("version", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("modified_at", sa.DateTime(timezone=True)))
        batch.alter_column("secret", existing_type=sa.Text(), nullable=True)
    agency = sa.table("axis_agency", sa.column("code", sa.String), sa.column("unit_id"),
                      sa.column("version"), sa.column("modified_at"))
    connection = op.get_bind()
    codes = connection.execute(sa.select(agency.c.code).order_by(agency.c.code)).scalars().all()
    now = datetime.now(UTC)
    for number, code in enumerate(codes, 1):
        connection.execute(agency.update().where(agency.c.code == code).values(
            unit_id=number, version=number, modified_at=now))
    with op.batch_alter_table("axis_agency") as batch:
        batch.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("modified_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
        batch.create_unique_constraint("uq_axis_agency_unit_id", ["unit_id"])
    op.create_index("ix_axis_agency_version", "axis_agency", ["version"])
    counter = op.create_table(
        "axis_directory_counter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(counter, [{"id": 1, "value": len(codes)}])
    with op.batch_alter_table("axis_message") as batch:
        batch.add_column(sa.Column("subject", sa.Text()))
        batch.add_column(sa.Column("notation", sa.String(200)))
    with op.batch_alter_table("axis_delivery") as batch:
        batch.add_column(sa.Column("addressed_as", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("axis_delivery") as batch:
        batch.drop_column("addressed_as")
    with op.batch_alter_table("axis_message") as batch:
        batch.drop_column("notation")
        batch.drop_column("subject")
    op.drop_table("axis_directory_counter")
    op.drop_index("ix_axis_agency_version", "axis_agency")
    with op.batch_alter_table("axis_agency") as batch:
        batch.drop_constraint("uq_axis_agency_unit_id", type_="unique")
        for column in ("modified_at", "version", "deleted", "valid_to", "valid_from",
                       "successor_code", "operator", "is_agency", "center_code", "code102",
                       "mail", "unit_id"):
            batch.drop_column(column)
