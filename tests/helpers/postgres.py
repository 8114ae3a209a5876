"""PostgreSQL (127.0.0.1:5432, user postgres) for tests: the session database comes from the
``pg_server`` fixture (tests/conftest.py)."""

from __future__ import annotations

import uuid


def fresh_pg_schema(database: str) -> str:
    """A fresh schema in the session database, so each test starts empty; its SQLAlchemy
    URL."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={database}",
                         autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return (f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
            f"?options=-csearch_path%3D{schema}")
