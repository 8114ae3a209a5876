"""The register's edXML codec: ``DocumentEnvelope``/``StatusEnvelope`` to and from edXML
bytes (``axis.edxml``, QCVN 102:2016). edXML's own types stay in here; an unreadable envelope
becomes a register error (bad input) at this boundary."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from axis.errors import EdxmlError
from decree30 import VIETNAM_TIME, vietnam_time
from documents.domain.errors import InvalidInput
from documents.domain.ports import (
    DocumentEnvelope,
    FilePart,
    Party,
    Received,
    StatusEnvelope,
)

if TYPE_CHECKING:
    from axis import edxml


class EdxmlCodec:
    """``DocumentEnvelope``/``StatusEnvelope`` ⇄ edXML bytes (QCVN 102:2016).

    ``trust`` (an ``axis.edxml.EnvelopeTrust``): the hub's trust anchors, against which a
    signed envelope's XML signature is checked on reading. An unsigned envelope is read (the
    PDF seal is what proves the sender); a signed one is refused when its signature is
    broken or another agency's, or, with anchors configured, when it is not trusted.
    """

    def __init__(self, trust: edxml.EnvelopeTrust | None = None) -> None:
        self.trust = trust

    def write_document(self, envelope: DocumentEnvelope) -> bytes:
        from axis import edxml

        with tempfile.TemporaryDirectory(prefix="edochub-out-") as tmp:
            attachments = []
            for index, part in enumerate(envelope.files, start=1):
                path = Path(tmp) / f"{index}"
                path.write_bytes(part.data)
                attachments.append(edxml.Attachment(
                    content_id=f"cid:{index}", name=part.name, content_type=part.content_type,
                    path=path, size=len(part.data)))
            business = edxml.Business(
                doc_type=edxml.BusinessDocType(envelope.business),
                document_id=envelope.refers_to or None,
                replacements=(edxml.Replacement(envelope.refers_to, tuple(
                    r.organ_id for r in envelope.recipients)),)
                if envelope.business == 3 else ())
            message = edxml.DocumentMessage(
                sender=_organization(envelope.sender),
                to=tuple(_organization(r) for r in envelope.recipients),
                document_id=envelope.document_id,
                code=edxml.Code(envelope.number, envelope.notation),
                promulgation=edxml.Promulgation(envelope.place, envelope.promulgated_on),
                document_type=edxml.DocumentType(type_name=envelope.doc_type),
                subject=envelope.subject,
                signer=edxml.Signer(envelope.competence or None, envelope.signer_position or None,
                                    envelope.signer_name or None),
                trace=(edxml.TraceHeader(envelope.sender.organ_id, _now_vietnam()),),
                business=business,
                attachments=tuple(attachments),
                manifest=edxml.manifest_for(tuple(attachments)),
            )
            return _written(message)

    def write_status(self, envelope: StatusEnvelope) -> bytes:
        from axis import edxml

        message = edxml.StatusMessage(
            sender=_organization(envelope.sender),
            response_for=edxml.ResponseFor(organ_id=envelope.to.organ_id,
                                           document_id=envelope.response_for),
            status_code=edxml.StatusCode(envelope.code),
            timestamp=envelope.timestamp.astimezone(VIETNAM_TIME).replace(tzinfo=None),
            description=envelope.description,
            staff=edxml.StaffInfo(staff=envelope.staff),
        )
        return _written(message)

    def read(self, data: bytes) -> Received:
        from axis import edxml

        contents: list[bytes] = []  # the envelope is in memory already: its files too
        try:
            message = edxml.parse(data, trust=self.trust, contents=contents)
        except EdxmlError as exc:
            raise InvalidInput(f"unreadable envelope: {exc}") from None
        if message.signature == "invalid" or (
                message.signature == "untrusted" and self.trust is not None):
            # the reader's last warning says why
            raise InvalidInput(f"refused: {message.warnings[-1]}")
        if isinstance(message, edxml.StatusMessage):  # kind "status"
            return Received(status=_status(message), warnings=message.warnings)
        return Received(document=_document(message, contents), warnings=message.warnings)


def _organization(party: Party) -> edxml.Organization:
    from axis import edxml

    return edxml.Organization(party.organ_id, organ_name=party.name or None)


def _party(organization: edxml.Organization) -> Party:
    return Party(organization.organ_id, organization.organ_name or "")


def _now_vietnam() -> datetime:
    return vietnam_time.now().replace(tzinfo=None, microsecond=0)


def _written(message: edxml.Message) -> bytes:
    import io

    from axis import edxml

    out = io.BytesIO()
    edxml.write(message, out)
    return out.getvalue()


def _document(message: edxml.DocumentMessage, contents: list[bytes]) -> DocumentEnvelope:
    from axis import edxml

    code = message.code or edxml.Code()
    promulgation = message.promulgation or edxml.Promulgation()
    day = promulgation.date
    if day is None and message.document_id:
        try:
            day = edxml.DocumentId.parse(message.document_id).date
        except ValueError:
            day = None
    if day is None:
        raise InvalidInput("the envelope gives no promulgation date")
    business = message.business
    signer = message.signer or edxml.Signer()
    files = tuple(FilePart(a.name or a.content_id, a.content_type or "application/octet-stream",
                           content) for a, content in zip(message.attachments, contents,
                                                          strict=True))
    envelope = DocumentEnvelope(
        sender=_party(message.sender), recipients=tuple(_party(t) for t in message.to),
        number=code.number or "", notation=code.notation or "", promulgated_on=day,
        place=promulgation.place or "",
        doc_type=(message.document_type.type_name or "") if message.document_type else "",
        subject=message.subject or "", signer_name=signer.full_name or "",
        signer_position=signer.position or "", competence=signer.competence or "",
        business=int(business.doc_type) if business else 0,
        refers_to=(business.document_id or "") if business else "",
        files=files,
    )
    if message.document_id and message.document_id != envelope.document_id:
        # keep the sender's own DocumentId: status messages must answer exactly it
        return _with_document_id(envelope, message.document_id)
    return envelope


def _with_document_id(envelope: DocumentEnvelope, document_id: str) -> DocumentEnvelope:
    """The register keys on DocumentId; when the sender wrote one that differs from what its
    parts give, its number/notation tail is taken as given."""
    organ, _, rest = document_id.partition(",")
    _, _, number_notation = rest.partition(",")
    number, _, notation = number_notation.partition("/")
    if organ != envelope.sender.organ_id or not notation:
        raise InvalidInput(f"DocumentId {document_id!r} does not name the sender "
                           f"{envelope.sender.organ_id}")
    return DocumentEnvelope(**{**envelope.__dict__, "number": number, "notation": notation})


def _status(message: edxml.StatusMessage) -> StatusEnvelope:
    response = message.response_for
    if not response.document_id:
        raise InvalidInput("the status message names no document it answers (ResponseFor)")
    return StatusEnvelope(
        sender=_party(message.sender), to=Party(response.organ_id or ""),
        response_for=response.document_id, code=message.status_code.value,
        description=message.description or "",
        staff=(message.staff.staff or "") if message.staff else "",
        timestamp=message.timestamp.replace(tzinfo=VIETNAM_TIME),
    )
