"""Alembic environment: the caller hands over an open connection (see ``documents.adapters.db``)."""

from alembic import context

from documents.adapters.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `edochub db upgrade` "
                       "(documents.adapters.db.migrate)")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
