"""Indexes for a register of millions of documents: trigram indexes on the accent-folded subject
and the sender's name (PostgreSQL's pg_trgm, for ``LIKE '%…%'``), and (column, id) indexes that
let the books' filters read pages in id order (keyset pagination).

Online on PostgreSQL: ``CREATE INDEX CONCURRENTLY`` outside a transaction, so the books stay
writable while the indexes build; a plain ``CREATE INDEX`` on SQLite.

Revision ID: 0010
Revises: 0003
Create Date: 2026-12-02 11:30:00
"""

from alembic import op

revision = "0010"
down_revision = "0003"
branch_labels = None
depends_on = None

#: name, table, columns (both databases)
BTREE = (
    ("ix_incoming_state_id", "incoming_documents", "state, id"),
    ("ix_incoming_received_id", "incoming_documents", "received_at, id"),
    ("ix_incoming_code_number", "incoming_documents", "code_number"),
    ("ix_incoming_incoming_number", "incoming_documents", "incoming_number"),
    ("ix_outgoing_state_id", "outgoing_documents", "state, id"),
    ("ix_outgoing_issued_id", "outgoing_documents", "issued_on, id"),
    ("ix_outgoing_number", "outgoing_documents", "number"),
)
#: name, table, column (PostgreSQL only: trigram GIN)
TRIGRAM = (
    ("ix_incoming_subject_trgm", "incoming_documents", "subject_folded"),
    ("ix_incoming_sender_name_trgm", "incoming_documents", "sender_name"),
    ("ix_outgoing_subject_trgm", "outgoing_documents", "subject_folded"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, table, columns in BTREE:
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
        return
    with op.get_context().autocommit_block():
        # in public, named in full: the database may put each register in a schema of its own
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        for name, table, columns in BTREE:
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns})")
        for name, table, column in TRIGRAM:
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                       f"USING gin ({column} public.gin_trgm_ops)")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, _, _ in (*BTREE, *(TRIGRAM if postgres else ())):
        op.execute(f"DROP INDEX IF EXISTS {name}")
