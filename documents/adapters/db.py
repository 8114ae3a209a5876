"""Database engines and sessions: SQLite (WAL) by default, PostgreSQL by ``DATABASE_URL``.

SQLite transactions begin IMMEDIATE: a writer takes the write lock at ``BEGIN`` and waits
(busy timeout) instead of failing half-way when another writer got there first, which is what
makes concurrent number-taking safe there. PostgreSQL gets the same from row locks.

A database that cannot be used (PostgreSQL down or the connection lost; SQLite locked past the
busy timeout, its disk full or failing) raises ``StorageUnavailable`` in one line, translated
here for every statement, so that callers see a register error (HTTP 503), not a driver's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine.interfaces import DBAPIConnection, ExceptionContext
from axis.server import private_file
from documents.domain.errors import StorageUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def normalize_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (the driver the project installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


#: SQLite's operational errors that mean "not now", not "wrong statement or schema"
_SQLITE_UNAVAILABLE = ("locked", "busy", "disk", "unable to open", "full", "readonly")


def _unavailable(context: ExceptionContext) -> None:
    """``handle_error``: raise StorageUnavailable in place of a driver error that means the
    database cannot be used now; anything else (a constraint, a missing table) passes. The
    answer names no host or port: the driver's own words go to this service's log only."""
    if context.is_pre_ping:  # the pool replaces a stale connection by itself
        return
    original = context.original_exception
    if not (context.is_disconnect or isinstance(context.sqlalchemy_exception, OperationalError)):
        return
    words = (str(original).strip().splitlines() or [type(original).__name__])[0]
    if context.dialect.name == "sqlite":
        if not context.is_disconnect and not any(w in words.lower() for w in _SQLITE_UNAVAILABLE):
            return
        said = f"the database is unavailable: {words}"
    else:
        state = getattr(original, "sqlstate", None)
        said = "the database is unavailable" + (f" (SQLSTATE {state})" if state else "")
    log.warning("%s (%s)", said, words)
    # chained: the driver's error stays for whoever may see it (the operator's start-up line)
    raise StorageUnavailable(said) from original


#: how long a SQLite transaction waits for another's write lock before the database counts as
#: unavailable (503, worth retrying)
SQLITE_BUSY_SECONDS = 60.0


def make_engine(url: str, sqlite_busy_seconds: float = SQLITE_BUSY_SECONDS) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_seconds})
        if engine.url.database and engine.url.database != ":memory:":
            private_file(Path(engine.url.database))  # 0600 in a 0700 folder when new

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: DBAPIConnection, _record: object) -> None:
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below rule
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={round(sqlite_busy_seconds * 1000)}")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=60)
    event.listen(engine, "handle_error", _unavailable)
    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic owns the transaction (env.py's begin_transaction), so that a migration may step
    # outside it for what PostgreSQL runs only there (CREATE INDEX CONCURRENTLY)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """The schema's revision in the database (None: never migrated) and the code's head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head or ""


#: where sessions carry the audit log's key (``Session.info``; documents.services.audit)
AUDIT_KEY_INFO = "edochub_audit_key"


def session_factory(engine: Engine, audit_key: str = "") -> sessionmaker[Session]:
    """Sessions on ``engine``; ``audit_key`` keys the audit log's chain (a hub sets its own)."""
    return sessionmaker(engine, expire_on_commit=False, info={AUDIT_KEY_INFO: audit_key})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
