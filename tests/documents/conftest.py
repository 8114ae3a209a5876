"""Fixtures of the register's tests: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from documents import db
from documents.hub import Hub
from documents.models import User
from documents.settings import HubSettings
from documents.storage import LocalStore
from documents.users import hash_password
from tests.documents.fakes import JsonCodec, MarkSigner, MarkValidator, MemoryAxis

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, dropped afterwards."""
    import psycopg

    name = f"edochub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _fresh_pg_schema(database: str) -> str:
    """A fresh schema in the session database, so each test starts empty."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={database}",
                         autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return (f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
            f"?options=-csearch_path%3D{schema}")


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path):
    """``new_database(name)`` gives the URL of an empty database of this test's kind."""
    def _new(name: str) -> str:
        if request.param == "sqlite":
            return db.sqlite_url(tmp_path / f"{name}.db")
        return _fresh_pg_schema(request.getfixturevalue("pg_server"))
    return _new


@pytest.fixture()
def database_url(new_database) -> str:
    return new_database("register")


def migrated_engine(url: str):
    engine = db.make_engine(url)
    db.migrate(engine)
    return engine


@pytest.fixture()
def engine(database_url: str):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    yield engine
    engine.dispose()


def make_hub(engine, root: Path, organ_id: str, abbreviation: str, axis: MemoryAxis) -> Hub:
    settings = HubSettings(organ_id=organ_id, organ_name=f"Cơ quan {abbreviation}",
                           abbreviation=abbreviation, place="Hà Nội",
                           database_url=str(engine.url), file_store=str(root / "files"),
                           token_key="test-only-key-" + uuid.uuid4().hex)
    return Hub(settings, db.session_factory(engine), LocalStore(root / "files"), JsonCodec(),
               MarkSigner(organ_id), MarkValidator(), axis.link(organ_id))


@pytest.fixture()
def memory_axis() -> MemoryAxis:
    return MemoryAxis()


@pytest.fixture()
def hub(engine, tmp_path: Path, memory_axis: MemoryAxis) -> Hub:
    return make_hub(engine, tmp_path / "h41", "000.00.00.H41", "UBND", memory_axis)


@pytest.fixture()
def peer(new_database, tmp_path: Path, memory_axis: MemoryAxis) -> Iterator[Hub]:
    """A second agency (Bộ Mẫu, G09) with its own database and files, on the same axis."""
    engine = migrated_engine(new_database("g09"))
    yield make_hub(engine, tmp_path / "g09", "000.00.00.G09", "BM", memory_axis)
    engine.dispose()


ROLES = ("specialist", "leader", "clerk", "archivist", "admin")


@cache
def _password_hash(role: str) -> str:
    """Argon2 is slow on purpose; hash each test password once per session."""
    return hash_password(f"pw-{role}")


def add_users(hub: Hub, suffix: str = "") -> dict[str, User]:
    with db.transaction(hub.sessions) as session:
        users = {role: User(username=f"{role}{suffix}", full_name=f"Người {role}",
                            role=role, position="Phó Chủ tịch" if role == "leader" else "",
                            password_hash=_password_hash(role))
                 for role in ROLES}
        session.add_all(users.values())
    return users
