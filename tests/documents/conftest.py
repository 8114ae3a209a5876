"""Fixtures of the register's tests: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
import pytest

from documents.adapters import db
from documents.adapters.models import User
from documents.adapters.signing import (
    AxisClientLink,
    EdxmlCodec,
    KeyFiles,
    PadesDocumentSigner,
    PadesDocumentValidator,
)
from documents.adapters.storage import LocalStore
from documents.http.app import create_app
from documents.http.server import serving
from documents.services.hub import Hub
from documents.services.settings import HubSettings
from documents.services.users import hash_password
from tests.conftest import free_port, fresh_pg_schema
from tests.documents.fakes import MarkSigner, MarkValidator


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


AGENCIES = {"000.00.00.H41": "Ủy ban nhân dân tỉnh Mẫu", "000.00.00.G09": "Bộ Mẫu"}


def make_axis_core(directory: Path):  # noqa: ANN201 - an axis.server.core.AxisCore
    """The reference axis's core (the same rules as its HTTP server) on a file database,
    with both agencies registered."""
    from axis.server import db as axis_db
    from axis.server.core import AxisCore
    from axis.server.store import MessageStore

    core = AxisCore(axis_db.open_database(f"sqlite:///{directory / 'axis.sqlite'}"),
                    MessageStore(directory / "axis-messages", 1 << 30))
    for code, name in AGENCIES.items():
        core.add_agency(code, name, f"secret-{code}")
    return core


@pytest.fixture()
def axis_core(tmp_path: Path):
    return make_axis_core(tmp_path)


def local_link(core, organ_id: str, workdir: Path) -> AxisClientLink:
    from axis.transports.base import AxisClient
    from axis.transports.local import LocalTransport

    return AxisClientLink(AxisClient(LocalTransport(core, organ_id)), workdir)


def make_hub(engine, root: Path, organ_id: str, abbreviation: str, link,
             signer=None, validator=None) -> Hub:
    settings = HubSettings(organ_id=organ_id, organ_name=AGENCIES.get(organ_id, organ_id),
                           abbreviation=abbreviation, place="Hà Nội",
                           database_url=str(engine.url), file_store=str(root / "files"),
                           token_key="test-only-key-" + uuid.uuid4().hex,
                           audit_key="test-only-audit-key-" + uuid.uuid4().hex)
    return Hub(settings, db.session_factory(engine), LocalStore(root / "files"), EdxmlCodec(),
               signer or MarkSigner(organ_id), validator or MarkValidator(), link)


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


@dataclass(frozen=True)
class RealSigning:
    """PAdES signing and validation on the development PKI (services on loopback)."""

    pki: object

    def signer(self, organization_label: str, leader_label: str = "leader-an",
               **reuse: float) -> PadesDocumentSigner:
        from signing.pades.signer import SignatureOptions
        from signing.stamping import specimens
        from signing.validation.results import PadesLevel
        from signing.validation.validator import ValidationSettings, load_certificates

        options = SignatureOptions(level=PadesLevel.B_B,
                                   trust_roots=load_certificates(self.pki.trust_roots))
        keys = KeyFiles(self.pki.p12(organization_label), {"leader": self.pki.p12(leader_label)},
                        specimens.seal_png(), {"leader": specimens.signature_png()})
        return PadesDocumentSigner(keys, options,
                                   ValidationSettings.from_paths(self.pki.trust_roots), **reuse)

    def validator(self) -> PadesDocumentValidator:
        from signing.validation.validator import ValidationSettings

        return PadesDocumentValidator(ValidationSettings.from_paths(self.pki.trust_roots))


@pytest.fixture(scope="session")
def real_signing(pki_services) -> RealSigning:
    return RealSigning(pki_services)


@cache
def decree30_draft() -> bytes:
    """The specimen Quyết định in Decree 30 layout ("Số:", date line, Nguyễn Văn An)."""
    from signing.stamping.specimens import draft_decision_pdf

    return draft_decision_pdf()


def with_real_signing(hub: Hub, signing: RealSigning, organization_label: str) -> Hub:
    hub.signer, hub.validator = signing.signer(organization_label), signing.validator()
    return hub


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


def api_client(base: str, username: str | None) -> httpx.Client:
    """A client of the API at ``base`` logged in as ``username`` (password ``pw-<role>``,
    see :func:`add_users`), or anonymous."""
    headers = {}
    if username is not None:
        role = username.split("-")[0]
        answer = httpx.post(f"{base}/auth/token",
                            data={"username": username, "password": f"pw-{role}"})
        assert answer.status_code == 200, answer.text
        headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return httpx.Client(base_url=base, headers=headers, timeout=60)


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
