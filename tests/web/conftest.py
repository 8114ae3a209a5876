"""Browser tests of the pages: Debian's Chromium driven by Playwright, two agencies' hubs on
loopback (the register's test harness), users of every role with Vietnamese names."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from documents import db, users
from documents.hub import Hub
from documents.models import User
from documents.web.app import create_app
from documents.web.server import serving
from tests.conftest import free_port
from tests.documents.conftest import local_link, make_axis_core, make_hub, migrated_engine

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "mật-khẩu-thử-1"

#: username → (full name, role, position); the leader's name is the dev PKI's leader-an
STAFF = {
    "an": ("Nguyễn Văn An", "leader", "Phó Chủ tịch"),
    "cuc": ("Lê Thị Cúc", "clerk", "Văn thư"),
    "duc": ("Phạm Minh Đức", "specialist", "Chuyên viên"),
    "ha": ("Đặng Thu Hà", "archivist", "Lưu trữ viên"),
    "yen": ("Vũ Hải Yến", "specialist", "Chuyên viên"),
}


@dataclass
class RunningHub:
    hub: Hub
    url: str


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


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hashed once: Argon2 is slow on purpose."""
    return users.hash_password(PASSWORD)


def _add_staff(hub: Hub, password_hash: str) -> None:
    with db.transaction(hub.sessions) as session:
        session.add_all(User(username=username, full_name=full_name, role=role,
                             position=position, password_hash=password_hash)
                        for username, (full_name, role, position) in STAFF.items())


@pytest.fixture()
def hubs(tmp_path: Path, password_hash: str) -> Iterator[tuple[RunningHub, RunningHub]]:
    """Ủy ban nhân dân tỉnh Mẫu (H41) and Bộ Mẫu (G09) serving the API and the pages."""
    axis_core = make_axis_core(tmp_path)
    engines = [migrated_engine(db.sqlite_url(tmp_path / f"{name}.db")) for name in ("h41", "g09")]
    h41 = make_hub(engines[0], tmp_path / "h41", "000.00.00.H41", "UBND",
                   local_link(axis_core, "000.00.00.H41", tmp_path / "h41" / "axis-work"))
    g09 = make_hub(engines[1], tmp_path / "g09", "000.00.00.G09", "BM",
                   local_link(axis_core, "000.00.00.G09", tmp_path / "g09" / "axis-work"))
    for hub in (h41, g09):
        _add_staff(hub, password_hash)
    with serving(create_app(h41), "127.0.0.1", free_port()) as h41_url, \
            serving(create_app(g09), "127.0.0.1", free_port()) as g09_url:
        yield RunningHub(h41, h41_url), RunningHub(g09, g09_url)
    for engine in engines:
        engine.dispose()
