"""The edXML message model (QCVN 102:2016/BTTTT): frozen dataclasses, free of I/O and of lxml.

A *document message* (gói tin văn bản, ``kind == "edoc"``) carries the header of an
administrative document, the trace (TraceHeaderList with its ``Bussiness`` part, sic), the
manifest and the attachments. A *status message* (gói tin trạng thái, ``kind == "status"``)
carries the processing status of a document received earlier.

Values are stored stripped of surrounding whitespace; absent elements are ``None`` (or an empty
tuple). Dates are :class:`datetime.date`, timestamps naive :class:`datetime.datetime` in
Vietnam's local time, as on the wire. ``warnings`` and ``signature`` are filled by the reader
and ignored by the writer.

There is no separate message id in edXML: a document is identified by its ``document_id``
(``OrganId,yyyy/MM/dd,Number/Notation``); the axis transport keeps its own message ids.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from axis.edxml import dates

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DATE_FORMAT, TIMESTAMP_FORMAT = dates.DATE_FORMAT, dates.TIMESTAMP_FORMAT

#: Outcome of checking the envelope signature.
SignatureState = Literal["absent", "placeholder", "valid", "untrusted", "invalid"]

_DOCUMENT_ID = re.compile(r"^(?P<organ>[^,]+),(?P<date>[^,]+),(?P<number>.+)$")
_ORGAN_ID = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


class BusinessDocType(enum.IntEnum):
    """``BussinessDocType``: what the message does to the document."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


class StatusCode(enum.Enum):
    """``StatusCode`` of a status message (two digits on the wire)."""

    ARRIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    FINISHED = "06"
    TAKE_BACK_REQUESTED = "13"
    CHANGE_AGREED = "15"
    CHANGE_REFUSED = "16"


def is_organ_id(value: str) -> bool:
    """True for a four-level agency code such as ``000.00.00.H41``."""
    return bool(_ORGAN_ID.match(value))


@dataclass(frozen=True)
class DocumentId:
    """A parsed ``DocumentId``: ``OrganId,yyyy/MM/dd,Number/Notation`` (the date read in any
    form :func:`~axis.edxml.dates.read_date` accepts; ``str`` writes the standard form)."""

    organ_id: str
    date: dt.date
    number_notation: str

    @classmethod
    def parse(cls, value: str) -> DocumentId:
        """Parse ``value``; ``ValueError`` names what is wrong (shape or impossible date)."""
        match = _DOCUMENT_ID.match(value)
        if not match:
            raise ValueError(f"{value!r} is not OrganId,yyyy/MM/dd,Number/Notation")
        try:
            date, _ = dates.read_date(match["date"])
        except ValueError:
            raise ValueError(f"{value!r} has an impossible date {match['date']}") from None
        return cls(match["organ"].strip(), date, match["number"].strip())

    def __str__(self) -> str:
        return f"{self.organ_id},{self.date.strftime(DATE_FORMAT)},{self.number_notation}"


@dataclass(frozen=True)
class Organization:
    """``From`` / ``To``: an agency (cơ quan, tổ chức)."""

    organ_id: str
    organization_in_charge: str | None = None
    organ_name: str | None = None
    organ_add: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Code:
    """``Code``: số (``CodeNumber``) and ký hiệu (``CodeNotation``) of the document."""

    number: str | None = None
    notation: str | None = None


@dataclass(frozen=True)
class Promulgation:
    """``PromulgationInfo``: địa danh and ngày ban hành."""

    place: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class DocumentType:
    """``DocumentType``: loại văn bản."""

    type: int | None = None
    type_detail: int | None = None
    type_name: str | None = None


@dataclass(frozen=True)
class Signer:
    """``SignerInfo``: thẩm quyền, chức vụ and họ tên of the person who signed."""

    competence: str | None = None
    position: str | None = None
    full_name: str | None = None


@dataclass(frozen=True)
class OtherInfo:
    """``OtherInfo``: độ khẩn, phạm vi, ký hiệu người đánh máy, số bản, số trang, phụ lục."""

    priority: int | None = None
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    """``ResponseFor``: the earlier document this message answers or acts on."""

    organ_id: str | None = None
    code: str | None = None
    document_id: str | None = None
    promulgation_date: dt.date | None = None


@dataclass(frozen=True)
class StaffInfo:
    """``StaffInfo``: the clerk (văn thư) who handled the message."""

    department: str | None = None
    staff: str | None = None
    email: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class TraceHeader:
    """``TraceHeader``: an agency the message passed through, and when."""

    organ_id: str
    timestamp: dt.datetime


@dataclass(frozen=True)
class Receiver:
    """``ReceiverList/Receiver`` of an update."""

    organ_id: str
    receiver_type: int | None = None


@dataclass(frozen=True)
class BusinessDocumentInfo:
    """``BussinessDocumentInfo`` of an update: what changed, and for whom."""

    document_info: str | None = None
    document_receiver: str | None = None
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class Replacement:
    """``ReplacementInfoList/ReplacementInfo`` of a replacement."""

    document_id: str | None = None
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Business:
    """``Bussiness`` (sic): nghiệp vụ — new, revoke, update or replace the document."""

    doc_type: BusinessDocType
    document_id: str | None = None
    reason: str | None = None
    paper: int | None = None
    staff: StaffInfo | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class ManifestReference:
    """``edXMLManifest/Reference``: a declared attachment."""

    content_id: str
    content_type: str | None = None
    description: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Attachment:
    """``AttachmentEncoded/Attachment``. The content is never held in the model: it is a file
    at ``path`` (written by the reader when given an attachments directory, or given to the
    writer). ``size`` and ``sha256`` describe the decoded content."""

    content_id: str
    name: str | None = None
    content_type: str | None = None
    description: str | None = None
    path: Path | None = None
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class DocumentMessage:
    """Gói tin văn bản: a document with its header, trace, manifest and attachments."""

    sender: Organization
    to: tuple[Organization, ...] = ()
    document_id: str | None = None
    code: Code | None = None
    promulgation: Promulgation | None = None
    document_type: DocumentType | None = None
    subject: str | None = None
    content: str | None = None
    signer: Signer | None = None
    due_date: dt.date | None = None
    other_info: OtherInfo | None = None
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    to_places: tuple[str, ...] = ()
    trace: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    manifest: tuple[ManifestReference, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    warnings: tuple[str, ...] = ()
    signature: SignatureState = "absent"

    kind = "edoc"


@dataclass(frozen=True)
class StatusMessage:
    """Gói tin trạng thái: the processing status of a document received earlier."""

    sender: Organization
    response_for: ResponseFor
    status_code: StatusCode
    timestamp: dt.datetime
    description: str | None = None
    staff: StaffInfo | None = None
    trace: tuple[TraceHeader, ...] = ()
    warnings: tuple[str, ...] = ()
    signature: SignatureState = "absent"

    kind = "status"


Message = DocumentMessage | StatusMessage


@dataclass(frozen=True)
class Routing:
    """What the axis needs to route a message, read from the header alone."""

    kind: Literal["edoc", "status"]
    sender: str
    recipients: tuple[str, ...]
    document_id: str | None
    response_for: tuple[str, ...]
    business_doc_type: BusinessDocType | None
    status_code: StatusCode | None
    subject: str | None = None
    #: ``CodeNumber/CodeNotation`` (số và ký hiệu), as the register shows it.
    notation: str | None = None
