"""Quick signature stand-ins for tests where what a signature contains does not matter
(numbering, workflow steps, outbox/inbox mechanics, audit, roles): a real PAdES signature and
validation cost about three seconds per document with the development PKI. They write and read
plain-text marks. The tests of what a signature means (the exchange story, a spoofed seal, the
API story) use the real
``documents.adapters.signing.PadesDocumentSigner``/``PadesDocumentValidator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from axis.errors import AxisUnavailable
from documents.domain.errors import InvalidInput
from documents.domain.ports import (
    AgencyRecord,
    AxisLink,
    DocumentSigner,
    DocumentValidator,
    FileVerdict,
    LeaderKey,
    RemoteApproval,
    Waiting,
)
from signing.validation.results import (
    FileResult,
    Indication,
    SignatureResult,
    SignatureRole,
    Signer,
)


class MarkSigner:
    def __init__(self, organ_id: str) -> None:
        self.organ_id = organ_id

    def prepare(self, pdf: bytes) -> bytes:
        return pdf  # the marks need no form fields

    def sign_as_leader(self, pdf: bytes, leader: LeaderKey) -> bytes:
        return pdf + f"\n%mark leader {leader.username}\n".encode()

    async def prepare_for_token(self, pdf: bytes, leader: LeaderKey, certificate: object,
                                chain: Sequence[object]) -> tuple[bytes, str]:
        raise NotImplementedError("the marks stand for server-held keys only")

    def remote_signing(self, username: str) -> str | None:
        return None  # the marks stand for server-held keys only

    async def sign_remotely(self, pdf: bytes, leader: LeaderKey,
                            approval: RemoteApproval) -> bytes:
        raise NotImplementedError("the marks stand for server-held keys only")

    def issue(self, pdf: bytes, number: int, notation: str, place: str, day: date,
              leader_checked: Future[None] | None = None) -> bytes:
        if leader_checked is None:
            self.check_leader_signature(pdf)
        else:
            leader_checked.result()
        return self.seal_attachment(pdf, f"{number:02d}/{notation}")

    def check_leader_signature(self, pdf: bytes) -> None:
        if b"\n%mark leader " not in pdf:
            raise InvalidInput("the document has no leader signature")

    def seal_attachment(self, pdf: bytes, number_notation: str) -> bytes:
        return pdf + f"\n%mark seal {self.organ_id} {number_notation}\n".encode()

    def close(self) -> None:
        pass  # the marks hold no keys or sessions


class MarkValidator:
    async def validate(self, files: Sequence[tuple[str, bytes]]) -> list[FileVerdict]:
        return [self._one(pdf, name) for name, pdf in files]

    def _one(self, pdf: bytes, name: str) -> FileResult:
        marks = [line.split()[1:] for line in pdf.decode("latin-1").splitlines()
                 if line.startswith("%mark ")]
        signatures = tuple(
            SignatureResult(
                field=f"Sig{i}", indication=Indication.TOTAL_PASSED, sub_indication=None,
                signer=Signer(common_name=m[1], organization=None, serial_number=str(i),
                              subject=m[1],
                              organization_identifier=m[1] if m[0] == "seal" else None),
                signing_time=None, timestamp_time=None, level=None, coverage=None,
                modification_level=None, trust_anchor=None,
                role=SignatureRole.LEADER if m[0] == "leader" else SignatureRole.ORGANIZATION,
            ) for i, m in enumerate(marks))
        return FileResult(path=name, signatures=signatures)

    def isolated(self, memory_bytes: int, seconds: float) -> MarkChecker:
        return MarkChecker(self)


class MarkChecker:
    """The archive's isolated checker, in process: the marks need no limits."""

    def __init__(self, validator: MarkValidator) -> None:
        self.validator = validator

    def __enter__(self) -> MarkChecker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def validate_file(self, path: Path, name: str) -> FileVerdict:
        return self.validator._one(path.read_bytes(), name)


class FlakyLink:
    """Wraps a real axis link; its next ``failures`` sends fail as if the axis were down."""

    def __init__(self, link: AxisLink, failures: int = 0) -> None:
        self.link, self.failures = link, failures
        self.sends: list[str] = []

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        self.sends.append(message_id)
        if self.failures:
            self.failures -= 1
            raise AxisUnavailable("axis unreachable (test)")
        self.link.send(payload, kind, message_id)

    def waiting(self) -> list[Waiting]:
        return self.link.waiting()

    def fetch(self, axis_id: str) -> bytes:
        return self.link.fetch(axis_id)

    def acknowledge(self, axis_id: str) -> None:
        self.link.acknowledge(axis_id)

    def directory_changes(self, since: int) -> list[AgencyRecord]:
        return self.link.directory_changes(since)


if TYPE_CHECKING:  # mypy checks that the stand-ins still fit the ports they stand in for
    def _stand_ins(link: AxisLink) -> tuple[DocumentSigner, DocumentValidator, AxisLink]:
        return MarkSigner(""), MarkValidator(), FlakyLink(link)
