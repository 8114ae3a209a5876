"""Browser tests of the pages: Debian's Chromium driven by Playwright against the register's
demo world (two agencies' hubs and the reference axis on loopback)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from documents.adapters import db
from documents.services import users
from tests.helpers.postgres import fresh_pg_schema
from tests.web.pages import RunningHub

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SECOND_SPECIALIST_PASSWORD = "mật-khẩu-thử-1"  # test-only


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def screenshots(tmp_path: Path) -> Iterator[Path]:
    """Where the tests save screenshots; copied to ``$EDOCHUB_SCREENSHOTS`` when set."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    yield folder
    if os.environ.get("EDOCHUB_SCREENSHOTS"):
        target = Path(os.environ["EDOCHUB_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        for shot in folder.iterdir():
            shutil.copy(shot, target / shot.name)


@contextmanager
def _world(directory: Path, database_url: Callable[[str, Path], str]
           ) -> Iterator[tuple[RunningHub, RunningHub]]:
    """The register's demo world on loopback: development PKI with OCSP/CRL/TSA, the reference
    axis, and the hubs of Ủy ban nhân dân tỉnh Mẫu (H41) and Bộ Mẫu (G09) with real PAdES
    signing and validation, serving the API and the pages; plus a second specialist."""
    from edochub.demo import RECEIVER, SENDER, running

    with running(directory, database_url) as world:
        hubs = []
        for code in (SENDER, RECEIVER):
            hub, passwords = world.hubs[code], dict(world.passwords[code])
            with db.transaction(hub.sessions) as session:
                users.create_user(session, "setup", "yen", "Vũ Hải Yến", "specialist",
                                  SECOND_SPECIALIST_PASSWORD)
            passwords["yen"] = SECOND_SPECIALIST_PASSWORD
            hubs.append(RunningHub(hub, world.urls[code], passwords))
        yield hubs[0], hubs[1]


@pytest.fixture(scope="session")
def hubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningHub, RunningHub]]:
    """The demo world with each hub's register on SQLite. Shared by the browser tests
    (building it takes half a minute): each test works on its own documents, found by their
    subjects."""
    from edochub.demo import sqlite_database

    with _world(tmp_path_factory.mktemp("world"), sqlite_database) as pair:
        yield pair


@pytest.fixture(scope="session")
def pg_hubs(tmp_path_factory: pytest.TempPathFactory,
            pg_server: str) -> Iterator[tuple[RunningHub, RunningHub]]:
    """The same world with each hub's register in a fresh PostgreSQL schema."""
    with _world(tmp_path_factory.mktemp("pg-world"),
                lambda code, home: fresh_pg_schema(pg_server)) as pair:
        yield pair


@pytest.fixture(params=["sqlite", "postgresql"])
def any_hubs(request: pytest.FixtureRequest) -> tuple[RunningHub, RunningHub]:
    """The world on SQLite, then on PostgreSQL: a test using this runs on both."""
    return request.getfixturevalue("hubs" if request.param == "sqlite" else "pg_hubs")
