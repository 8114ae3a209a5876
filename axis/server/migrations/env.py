"""Alembic environment of the reference axis; the caller passes its connection in."""

from alembic import context

from axis.server.db import VERSION_TABLE
from axis.server.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
