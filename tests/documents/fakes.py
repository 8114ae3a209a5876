"""Quick signature stand-ins for tests where what a signature contains does not matter
(numbering, workflow steps, outbox/inbox mechanics, audit, roles): a real PAdES signature and
validation cost about three seconds per document with the development PKI. They write and read
plain-text marks. The tests of what a signature means (the exchange story, a spoofed seal, the
API story) use the real
``documents.adapters.signing.PadesDocumentSigner``/``PadesDocumentValidator``.
"""

from __future__ import annotations

from axis.errors import AxisUnavailable
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

    def sign_as_leader(self, pdf: bytes, leader) -> bytes:  # noqa: ANN001
        return pdf + f"\n%mark leader {leader.username}\n".encode()

    def remote_signing(self, username: str) -> str | None:
        return None  # the marks stand for server-held keys only

    def issue(self, pdf: bytes, number: int, notation: str, place, day) -> bytes:  # noqa: ANN001
        return self.seal_attachment(pdf, f"{number:02d}/{notation}")

    def seal_attachment(self, pdf: bytes, number_notation: str) -> bytes:
        return pdf + f"\n%mark seal {self.organ_id} {number_notation}\n".encode()


class MarkValidator:
    async def validate(self, files) -> list[FileResult]:  # noqa: ANN001 - (name, pdf) pairs
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


class FlakyLink:
    """Wraps a real axis link; its next ``failures`` sends fail as if the axis were down."""

    def __init__(self, link, failures: int = 0) -> None:  # noqa: ANN001
        self.link, self.failures, self.sends = link, failures, []

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        self.sends.append(message_id)
        if self.failures:
            self.failures -= 1
            raise AxisUnavailable("axis unreachable (test)")
        self.link.send(payload, kind, message_id)

    def __getattr__(self, name: str):  # noqa: ANN204 - waiting/fetch/acknowledge pass through
        return getattr(self.link, name)
