"""Fixtures of the register's tests: every database test runs on SQLite and on PostgreSQL
(the helpers they build on are in :mod:`tests.helpers.register`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from documents.adapters import db
from documents.http.app import create_app
from documents.http.server import serving
from documents.services.hub import Hub
from tests.helpers.api import api_client
from tests.helpers.net import free_port
from tests.helpers.postgres import fresh_pg_schema
from tests.helpers.register import (
    RealSigning,
    add_users,
    local_link,
    make_axis_core,
    make_hub,
    migrated_engine,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path):
    """``new_database(name)`` gives the URL of an empty database of this test's kind."""
    def _new(name: str) -> str:
        if request.param == "sqlite":
            return db.sqlite_url(tmp_path / f"{name}.db")
        return fresh_pg_schema(request.getfixturevalue("pg_server"))
    return _new


@pytest.fixture()
def database_url(new_database) -> str:
    return new_database("register")


@pytest.fixture()
def engine(database_url: str):
    engine = db.make_engine(database_url)
    db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def axis_core(tmp_path: Path):
    return make_axis_core(tmp_path)


@pytest.fixture()
def hub(engine, tmp_path: Path, axis_core) -> Hub:
    root = tmp_path / "h41"
    return make_hub(engine, root, "000.00.00.H41", "UBND",
                    local_link(axis_core, "000.00.00.H41", root / "axis-work"))


@pytest.fixture()
def peer(new_database, tmp_path: Path, axis_core) -> Iterator[Hub]:
    """A second agency (Bộ Mẫu, G09) with its own database and files, on the same axis."""
    engine = migrated_engine(new_database("g09"))
    root = tmp_path / "g09"
    yield make_hub(engine, root, "000.00.00.G09", "BM",
                   local_link(axis_core, "000.00.00.G09", root / "axis-work"))
    engine.dispose()


@pytest.fixture(scope="session")
def real_signing(pki_services) -> RealSigning:
    return RealSigning(pki_services)


@pytest.fixture()
def api(hub, peer) -> Iterator:
    """Both hubs' APIs on loopback; yields ``(h41 client factory, g09 client factory)``."""
    add_users(hub)
    add_users(peer)
    with serving(create_app(hub), "127.0.0.1", free_port()) as h41_url, \
            serving(create_app(peer), "127.0.0.1", free_port()) as g09_url:
        clients: dict[tuple[str, str | None], httpx.Client] = {}

        def as_user(base: str):
            def login(role: str | None) -> httpx.Client:
                if (base, role) not in clients:
                    clients[base, role] = api_client(base, role)
                return clients[base, role]
            return login

        yield as_user(h41_url), as_user(g09_url)
        for client in clients.values():
            client.close()

