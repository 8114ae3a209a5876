"""The register's test world: hubs on a real database and the reference axis's core, users
of every role, real PAdES signing on the development PKI, and the outgoing workflow's steps
done directly on the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from documents.adapters import db
from documents.adapters.axis_link import AxisClientLink
from documents.adapters.db import transaction
from documents.adapters.edxml_codec import EdxmlCodec
from documents.adapters.models import User
from documents.adapters.signing import KeyFiles, PadesDocumentSigner, PadesDocumentValidator
from documents.adapters.storage import LocalStore
from documents.domain.ports import FilePart, Party
from documents.services import outgoing
from documents.services.hub import Hub
from documents.services.settings import HubSettings
from documents.services.users import hash_password
from edochub.samples import simple_pdf
from tests.documents.fakes import MarkSigner, MarkValidator

if TYPE_CHECKING:
    from axis.server.core import AxisCore

PDF = simple_pdf("Quyet dinh - test document")
ANNEX = simple_pdf("Phu luc - annex")
G09 = Party("000.00.00.G09", "Bộ Mẫu")


def migrated_engine(url: str):
    engine = db.make_engine(url)
    db.migrate(engine)
    return engine


AGENCIES = {"000.00.00.H41": "Ủy ban nhân dân tỉnh Mẫu", "000.00.00.G09": "Bộ Mẫu"}


def make_axis_core(directory: Path) -> AxisCore:
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
def password_hash(role: str) -> str:
    """Argon2 is slow on purpose; hash each test password once per session."""
    return hash_password(f"pw-{role}")


def add_users(hub: Hub, suffix: str = "") -> dict[str, User]:
    with transaction(hub.sessions) as session:
        users = {role: User(username=f"{role}{suffix}", full_name=f"Người {role}",
                            role=role, position="Phó Chủ tịch" if role == "leader" else "",
                            password_hash=password_hash(role))
                 for role in ROLES}
        session.add_all(users.values())
    return users


def create_draft(hub, users, subject="Quyết định về việc ban hành quy chế", pdf=PDF):
    with transaction(hub.sessions) as session:
        return outgoing.create_draft(
            session, hub, users["specialist"],
            outgoing.Draft("Quyết định", subject, (G09,), signer_position="Phó Chủ tịch"),
            pdf, (FilePart("phu-luc.pdf", "application/pdf", ANNEX),)).id


def step(hub, function, *args, **kwargs):
    with transaction(hub.sessions) as session:
        return function(session, hub, *args, **kwargs)


def issue_and_send(hub, users, subject="Quyết định về việc ban hành quy chế", pdf=PDF):
    doc_id = create_draft(hub, users, subject, pdf)
    step(hub, outgoing.submit, users["specialist"], doc_id)
    step(hub, outgoing.sign, users["leader"], doc_id)
    step(hub, outgoing.issue, users["clerk"], doc_id)
    step(hub, outgoing.send, users["clerk"], doc_id)
    return doc_id
