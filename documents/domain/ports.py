"""What the register needs from signing, edXML and the axis, as narrow interfaces.

The register speaks only these types; ``documents.adapters`` binds them to the signing package
(``signing``), the edXML codec (``edxml_codec``) and the axis transports (``axis_link``), so
their own types never reach a service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

#: the role (Decree 30) of the competent person's signature, as validators report it
LEADER_ROLE = "leader"


class SignerVerdict(Protocol):
    """Who signed, as far as the register cares: the agency code in the certificate."""

    @property
    def organization_identifier(self) -> str | None: ...


class SignatureVerdict(Protocol):
    """One signature's validation verdict (ETSI EN 319 102-1 words, as text)."""

    @property
    def field(self) -> str: ...
    @property
    def indication(self) -> str: ...
    @property
    def sub_indication(self) -> str | None: ...
    @property
    def signer(self) -> SignerVerdict | None: ...
    @property
    def role(self) -> str | None: ...
    @property
    def bottom_line(self) -> bool: ...


class FileVerdict(Protocol):
    """Every signature of one file, the overall verdict, and the JSON the register keeps."""

    @property
    def path(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def signatures(self) -> Sequence[SignatureVerdict]: ...
    @property
    def bottom_line(self) -> bool: ...
    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Party:
    organ_id: str
    name: str = ""


@dataclass(frozen=True)
class FilePart:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class DocumentEnvelope:
    """A document message (gói tin văn bản) as the register fills or reads it."""

    sender: Party
    recipients: tuple[Party, ...]
    number: str
    notation: str
    promulgated_on: date
    place: str
    doc_type: str
    subject: str
    signer_name: str = ""
    signer_position: str = ""
    competence: str = ""
    #: 0 new, 1 revoke, 2 update, 3 replace; ``refers_to`` is the earlier document's DocumentId
    business: int = 0
    refers_to: str = ""
    files: tuple[FilePart, ...] = ()

    @property
    def document_id(self) -> str:
        """``OrganId,yyyy/MM/dd,Number/Notation`` (the edXML DocumentId)."""
        return (f"{self.sender.organ_id},{self.promulgated_on:%Y/%m/%d},"
                f"{self.number}/{self.notation}")


@dataclass(frozen=True)
class StatusEnvelope:
    """A status message (gói tin trạng thái) answering document ``response_for``."""

    sender: Party
    to: Party
    response_for: str
    code: str
    description: str
    staff: str
    timestamp: datetime


@dataclass(frozen=True)
class Received:
    """An envelope read back: exactly one of ``document`` and ``status`` is set."""

    document: DocumentEnvelope | None = None
    status: StatusEnvelope | None = None
    warnings: tuple[str, ...] = ()

    @property
    def sender(self) -> str:
        return (self.document or self.status).sender.organ_id  # type: ignore[union-attr]

    def message_key(self, axis_id: str) -> str:
        """What identifies this message for de-duplication, with the sender: a re-delivery,
        or a retry of the same send, gives the same key. ``axis_id``: the axis's id for it."""
        if self.document is not None:
            key = f"edoc:{self.document.document_id}#{self.document.business}"
            if self.document.business == 0:
                return key  # a document arrives once, whatever message brought it
            # but it may be recalled, updated or replaced more than once, and two such
            # requests may be byte for byte the same (the trace header has whole seconds).
            # The sender sends each request under a message id of its own and keeps it on
            # every retry (its outbox row); the axis gives one id per (sender, message id).
            return f"{key}@{hashlib.sha256(axis_id.encode()).hexdigest()[:16]}"
        status = self.status
        assert status is not None
        return f"status:{status.response_for}#{status.code}@{status.timestamp:%Y%m%d%H%M%S}"


class Codec(Protocol):
    def write_document(self, envelope: DocumentEnvelope) -> bytes: ...

    def write_status(self, envelope: StatusEnvelope) -> bytes: ...

    def read(self, data: bytes) -> Received: ...


@dataclass(frozen=True)
class Waiting:
    """A message waiting at the axis for this agency."""

    axis_id: str
    kind: str = "edoc"
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AgencyRecord:
    """A changed entry of the axis's agency directory (the 2025 reorganisation: agencies
    merge, are renamed and disappear). ``successor`` is the code it merged into or was renamed
    to; ``version`` the directory version of the change."""

    code: str
    name: str
    version: int
    parent: str | None = None
    successor: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    deleted: bool = False


class AxisLink(Protocol):
    """This agency's connection to the axis."""

    def send(self, payload: bytes, kind: str, message_id: str) -> None: ...

    def waiting(self) -> list[Waiting]: ...

    def fetch(self, axis_id: str) -> bytes: ...

    def acknowledge(self, axis_id: str) -> None: ...

    def directory_changes(self, since: int) -> list[AgencyRecord]:
        """Directory entries changed after version ``since`` (0: all), in version order."""
        ...


@dataclass(frozen=True)
class LeaderKey:
    """Which key signs for a leader; how it is found is the adapter's business."""

    username: str
    full_name: str
    position: str


@dataclass(frozen=True)
class RemoteApproval:
    """What the leader types on the page to authorise one remote signature (ký số từ xa):
    the PIN and/or the one-time code of their remote-signing account. Held for that one
    request only: never stored, logged or shown (``repr`` leaves it out)."""

    pin: str = field(default="", repr=False)
    otp: str = field(default="", repr=False)


class DocumentSigner(Protocol):
    def prepare(self, pdf: bytes) -> bytes:
        """Add the number and date form fields to a draft, before anyone signs it, so that
        issuing can fill them without breaking the leader's signature. A draft that has them
        (sent back by the leader and submitted again) is returned unchanged."""

    def sign_as_leader(self, pdf: bytes, leader: LeaderKey) -> bytes: ...

    async def prepare_for_token(self, pdf: bytes, leader: LeaderKey, certificate: object,
                                chain: Sequence[object]) -> tuple[bytes, str]:
        """Split signing (the leader's key is on a token at the leader's PC): the PDF with the
        leader's Decree 30 appearance and role in place, and the request the token signs
        (``signing.stamping.split.SigningRequest`` as JSON)."""

    def remote_signing(self, username: str) -> str | None:
        """How this leader signs with a remote-signing service: ``"csc"`` (authorised with the
        PIN / one-time code typed on the page), ``"phone"`` (confirmed on their phone), or
        None when their account is not configured for remote signing."""

    async def sign_remotely(self, pdf: bytes, leader: LeaderKey,
                            approval: RemoteApproval) -> bytes:
        """The leader's Decree 30 signature made by their remote-signing service."""

    def issue(self, pdf: bytes, number: int, notation: str, place: str, day: date,
              leader_checked: Future[None] | None = None) -> bytes:
        """Fill number and date into the leader-signed PDF and apply the organization seal,
        once its leader signature is checked: here, or by ``leader_checked`` (the same check,
        ``check_leader_signature``, made elsewhere: a refusal it raises comes first)."""

    def check_leader_signature(self, pdf: bytes) -> None:
        """Refuse (a ``SigningError``) unless ``pdf`` carries a valid leader signature and every
        signature in it passes: the check ``issue`` makes before sealing."""

    def seal_attachment(self, pdf: bytes, number_notation: str) -> bytes: ...

    def close(self) -> None:
        """Release keys and network sessions kept across documents (the hub stops)."""


class AttachmentSealer(Protocol):
    """The issuing work that can run beside the thread that seals the document."""

    def submit(self, document: bytes | None, attachments: Sequence[bytes], number_notation: str
               ) -> tuple[Future[None] | None, list[Future[bytes]]]:
        """The ``document``'s leader signature checked (``DocumentSigner.
        check_leader_signature``; None when it cannot be here: the caller checks it) and each
        attachment sealed with the organization's signature (``DocumentSigner.
        seal_attachment``), both made beside the calling thread."""

    def close(self) -> None:
        """Stop sealing (the hub stops)."""


class DocumentValidator(Protocol):
    async def validate(self, files: Sequence[tuple[str, bytes]]) -> list[FileVerdict]:
        """Every signature of every ``(name, pdf)``; one call shares fetch caches."""

    def isolated(self, memory_bytes: int, seconds: float) -> IsolatedChecker:
        """A checker validating files in a worker process limited to ``memory_bytes`` of
        address space and ``seconds`` per file (for files from outside: the archive)."""


class IsolatedChecker(AbstractContextManager["IsolatedChecker"], Protocol):
    def validate_file(self, path: Path, name: str) -> FileVerdict:
        """The file's result; exceeding a limit is the result's ``error``."""
