"""Database of the reference axis: SQLite by default, PostgreSQL (or any SQLAlchemy URL) by URL.

The schema is created and upgraded by Alembic (``migrations/``), never by ``create_all``; its
version table is ``axis_alembic_version`` so the axis can share a database with the register.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
from axis.server.store import private_file

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "axis_alembic_version"
#: Advisory lock key: servers starting together on one PostgreSQL database migrate one by one.
_PG_MIGRATION_LOCK = 7_300_017


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'axis.sqlite'}"


def make_engine(url: str) -> Engine:
    if url == "sqlite://":  # in memory: one connection shared, or each would see its own db
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               poolclass=StaticPool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        if engine.url.database:
            private_file(Path(engine.url.database))  # 0600 in a 0700 folder when new
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; FULL makes each commit durable before we answer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # the others wait, then find it done
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def open_database(url: str) -> sessionmaker[Session]:
    """An engine on ``url`` with its schema migrated, as a session factory."""
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)
