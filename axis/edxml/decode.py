"""Map a parsed edXML tree to the model (pure: no I/O). Order-independent and namespace-aware.

Harmless flaws become warnings; what leaves a message meaningless raises
:class:`~axis.errors.MalformedEdxmlError`. The attachment payloads were already streamed out
by the reader, which passes what it learned about each one (path, size, digest) in order.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from axis.edxml import dates
from axis.edxml import model as m
from axis.errors import MalformedEdxmlError

Q = f"{{{m.NAMESPACE}}}"
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"

#: Registered content types the built-in table lacks but agencies send every day.
_OFFICE_TYPES = frozenset({
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip", "application/x-zip-compressed", "application/vnd.rar",
    "application/x-7z-compressed", "application/pkcs7-signature", "application/octet-stream",
    "application/xml", "text/xml", "application/pdf",
})
_KNOWN_TYPES = _OFFICE_TYPES | frozenset(
    mimetypes.MimeTypes(filenames=()).types_map[True].values())
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")


@dataclass(frozen=True)
class Payload:
    """What the reader learned about one ``ContentTransferEncoded`` while streaming it."""

    path: Path | None
    size: int
    sha256: str


def known_content_type(value: str) -> bool:
    return value.lower() in _KNOWN_TYPES


class _Decoder:
    def __init__(self, payloads: Sequence[Payload]) -> None:
        self.warnings: list[str] = []
        self.payloads = payloads

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    # -- leaf values ---------------------------------------------------------------------
    def child(self, parent: etree._Element | None, name: str) -> etree._Element | None:
        if parent is None:
            return None
        found = parent.findall(Q + name)
        if len(found) > 1:
            self.warn(f"{name} appears {len(found)} times in {etree.QName(parent).localname};"
                      " the first is used")
        return found[0] if found else None

    def text(self, parent: etree._Element | None, name: str) -> str | None:
        element = self.child(parent, name)
        if element is None:
            return None
        return (element.text or "").strip() or None

    def converted(self, parent, name: str, convert: Callable, expected: str):
        raw = self.text(parent, name)
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError:
            self.warn(f"{name} {raw!r} is not {expected}; ignored")
            return None

    def integer(self, parent, name: str) -> int | None:
        return self.converted(parent, name, int, "a number")

    def date(self, parent, name: str) -> dt.date | None:
        """A date in any form other vendors write (normalised, with a warning naming the
        original text); impossible in every form: a warning and no date."""
        raw = self.text(parent, name)
        if raw is None:
            return None
        try:
            value, form = dates.read_date(raw)
        except ValueError:
            self.warn(f"{name} {raw!r} is not a possible date in any accepted form "
                      f"({dates.FORMS_TEXT}); ignored")
            return None
        if form:
            self.warn(f"{name} {raw!r} is not yyyy/MM/dd; read as {form}: "
                      f"{value.strftime(m.DATE_FORMAT)}")
        return value

    def timestamp(self, parent, name: str) -> dt.datetime | None:
        raw = self.text(parent, name)
        if raw is None:
            return None
        try:
            return self.moment(raw, name)
        except ValueError:
            self.warn(f"{name} {raw!r} is not a possible date and time in any accepted form "
                      f"({dates.FORMS_TEXT}, with HH:mm:ss); ignored")
            return None

    def moment(self, raw: str, name: str) -> dt.datetime:
        value, form = dates.read_timestamp(raw)
        if form:
            self.warn(f"{name} {raw!r} is not yyyy/MM/dd HH:mm:ss; read as {form}: "
                      f"{value.strftime(m.TIMESTAMP_FORMAT)}")
        return value

    def boolean(self, parent, name: str) -> bool | None:
        return self.converted(parent, name, _boolean, "true or false")

    def document_id(self, parent, name: str = "DocumentId") -> str | None:
        """The DocumentId as written, or in the standard form when its date was written in
        another vendor's form (with a warning naming the original)."""
        value = self.text(parent, name)
        if value is not None:
            try:
                parsed = m.DocumentId.parse(value)
            except ValueError as exc:
                self.warn(f"{etree.QName(parent).localname}/{name}: {exc}")
                return value
            organ, written, number = value.split(",", 2)
            standard = parsed.date.strftime(m.DATE_FORMAT)
            if written.strip() != standard:
                normalised = f"{organ},{standard},{number}"
                self.warn(f"{etree.QName(parent).localname}/{name} {value!r} does not write "
                          f"its date yyyy/MM/dd; read as {normalised!r}")
                return normalised
        return value

    def promulgation(self, element, document_id: str | None) -> m.Promulgation | None:
        """PromulgationInfo; a missing or impossible PromulgationDate is taken from the
        DocumentId when that carries a possible one (and the warning says so)."""
        value = None if element is None else m.Promulgation(
            self.text(element, "Place"), self.date(element, "PromulgationDate"))
        if value is not None and value.date is not None:
            return value
        try:
            fallback = m.DocumentId.parse(document_id or "").date
        except ValueError:
            return value
        self.warn(f"PromulgationDate missing or impossible; taken from DocumentId: "
                  f"{fallback.strftime(m.DATE_FORMAT)}")
        return m.Promulgation(None if value is None else value.place, fallback)

    def organ_id(self, value: str, where: str) -> str:
        if not m.is_organ_id(value):
            self.warn(f"{where} OrganId {value!r} is not a four-level agency code"
                      " like 000.00.00.H41")
        return value

    # -- structures ----------------------------------------------------------------------
    def organization(self, element: etree._Element, where: str) -> m.Organization:
        organ_id = self.text(element, "OrganId")
        if organ_id is None:
            raise MalformedEdxmlError(f"{where} has no OrganId")
        return m.Organization(
            organ_id=self.organ_id(organ_id, where),
            organization_in_charge=self.text(element, "OrganizationInCharge"),
            organ_name=self.text(element, "OrganName"),
            organ_add=self.text(element, "OrganAdd"),
            email=self.text(element, "Email"),
            telephone=self.text(element, "Telephone"),
            fax=self.text(element, "Fax"),
            website=self.text(element, "Website"),
        )

    def staff(self, parent) -> m.StaffInfo | None:
        element = self.child(parent, "StaffInfo")
        if element is None:
            return None
        return m.StaffInfo(self.text(element, "Department"), self.text(element, "Staff"),
                           self.text(element, "Email"), self.text(element, "Mobile"))

    def response_for(self, element: etree._Element) -> m.ResponseFor | None:
        value = m.ResponseFor(
            organ_id=self.text(element, "OrganId"),
            code=self.text(element, "Code"),
            document_id=self.document_id(element),
            promulgation_date=self.date(element, "PromulgationDate"),
        )
        if value == m.ResponseFor():
            self.warn("empty ResponseFor ignored")
            return None
        return value

    def trace(self, header: etree._Element) -> tuple[tuple[m.TraceHeader, ...], m.Business | None]:
        trace_list = self.child(header, "TraceHeaderList")
        if trace_list is None:
            return (), None
        traces = []
        for element in trace_list.findall(Q + "TraceHeader"):
            organ_id, stamp = self.text(element, "OrganId"), self.timestamp(element, "Timestamp")
            if organ_id is None or stamp is None:
                self.warn("TraceHeader without OrganId or Timestamp ignored")
                continue
            traces.append(m.TraceHeader(organ_id, stamp))
        business = self.child(trace_list, "Bussiness")
        return tuple(traces), (None if business is None else self.business(business))

    def business(self, element: etree._Element) -> m.Business:
        raw = self.text(element, "BussinessDocType")
        try:
            doc_type = m.BusinessDocType(int(raw or ""))
        except ValueError:
            raise MalformedEdxmlError(
                f"Bussiness/BussinessDocType {raw!r} is not 0 (new), 1 (revoke), 2 (update)"
                " or 3 (replace)") from None
        info = self.child(element, "BussinessDocumentInfo")
        document_info = None
        if info is not None:
            receivers = []
            for receiver in info.iterfind(f"{Q}ReceiverList/{Q}Receiver"):
                organ_id = self.text(receiver, "OrganId")
                if organ_id is None:
                    self.warn("Receiver without OrganId ignored")
                    continue
                receivers.append(m.Receiver(organ_id, self.integer(receiver, "ReceiverType")))
            document_info = m.BusinessDocumentInfo(
                self.text(info, "DocumentInfo"), self.text(info, "DocumentReceiver"),
                tuple(receivers))
        replacements = tuple(
            m.Replacement(self.document_id(item), tuple(
                (o.text or "").strip() for o in item.iterfind(f"{Q}OrganIdList/{Q}OrganId")))
            for item in element.iterfind(f"{Q}ReplacementInfoList/{Q}ReplacementInfo"))
        return m.Business(
            doc_type=doc_type, document_id=self.document_id(element),
            reason=self.text(element, "BussinessDocReason"), paper=self.integer(element, "Paper"),
            staff=self.staff(element), document_info=document_info, replacements=replacements)

    def attachments(self, root: etree._Element,
                    manifest: tuple[m.ManifestReference, ...]) -> tuple[m.Attachment, ...]:
        elements = root.findall(f"{Q}AttachmentEncoded/{Q}Attachment")
        if len(elements) != len(self.payloads):
            raise MalformedEdxmlError(
                f"{len(elements)} Attachment elements but {len(self.payloads)}"
                " ContentTransferEncoded payloads")
        result = []
        for number, (element, payload) in enumerate(zip(elements, self.payloads, strict=True), 1):
            content_id = self.text(element, "ContentId")
            if content_id is None:
                raise MalformedEdxmlError(f"attachment {number} has no ContentId")
            content_type = self.text(element, "ContentType")
            self.content_type(content_type, content_id)
            result.append(m.Attachment(
                content_id=content_id, name=self.text(element, "AttachmentName"),
                content_type=content_type, description=self.text(element, "Description"),
                path=payload.path, size=payload.size, sha256=payload.sha256))
        declared = [ref.content_id for ref in manifest]
        present = [a.content_id for a in result]
        for cid in declared:
            if cid not in present:
                self.warn(f"manifest declares {cid} but no such attachment is enclosed")
        for cid in present:
            if cid not in declared:
                self.warn(f"attachment {cid} is not declared in the manifest")
        return tuple(result)

    def content_type(self, value: str | None, content_id: str) -> None:
        if value is None:
            self.warn(f"{content_id} has no ContentType")
        elif not _MIME.match(value.lower()) or not known_content_type(value):
            self.warn(f"{content_id} has a non-standard ContentType {value!r}")

    def manifest(self, envelope: etree._Element) -> tuple[m.ManifestReference, ...]:
        refs = []
        for element in envelope.iterfind(f"{Q}edXMLBody/{Q}edXMLManifest/{Q}Reference"):
            content_id = self.text(element, "ContentId")
            if content_id is None:
                raise MalformedEdxmlError("a manifest Reference has no ContentId")
            content_type = self.text(element, "ContentType")
            self.content_type(content_type, f"manifest Reference {content_id}")
            refs.append(m.ManifestReference(content_id, content_type,
                                            self.text(element, "Description"),
                                            self.text(element, "AttachmentName")))
        return tuple(refs)

    # -- messages ------------------------------------------------------------------------
    def document(self, root, envelope, header, mh) -> m.DocumentMessage:
        recipients = tuple(self.organization(e, "To") for e in mh.findall(Q + "To"))
        if not recipients:
            raise MalformedEdxmlError("document message has no recipient (To)")
        code = self.child(mh, "Code")
        prom = self.child(mh, "PromulgationInfo")
        dtype = self.child(mh, "DocumentType")
        signer = self.child(mh, "SignerInfo")
        other = self.child(mh, "OtherInfo")
        places = self.child(mh, "ToPlaces")
        trace, business = self.trace(header)
        manifest = self.manifest(envelope)
        document_id = self.document_id(mh)
        return m.DocumentMessage(
            sender=self.organization(self.child(mh, "From"), "From"),
            to=recipients,
            document_id=document_id,
            code=None if code is None else m.Code(self.text(code, "CodeNumber"),
                                                  self.text(code, "CodeNotation")),
            promulgation=self.promulgation(prom, document_id),
            document_type=None if dtype is None else m.DocumentType(
                self.integer(dtype, "Type"), self.integer(dtype, "TypeDetail"),
                self.text(dtype, "TypeName")),
            subject=self.text(mh, "Subject"),
            content=self.text(mh, "Content"),
            signer=None if signer is None else m.Signer(
                self.text(signer, "Competence"), self.text(signer, "Position"),
                self.text(signer, "FullName")),
            due_date=self.date(mh, "DueDate"),
            other_info=None if other is None else m.OtherInfo(
                priority=self.integer(other, "Priority"),
                sphere_of_promulgation=self.text(other, "SphereOfPromulgation"),
                typer_notation=self.text(other, "TyperNotation"),
                promulgation_amount=self.integer(other, "PromulgationAmount"),
                page_amount=self.integer(other, "PageAmount"),
                direction=self.boolean(other, "Direction"),
                appendixes=_texts(other.iterfind(f"{Q}Appendixes/{Q}Appendix"))),
            response_for=tuple(r for r in map(self.response_for, mh.findall(Q + "ResponseFor"))
                               if r is not None),
            steering_type=self.integer(mh, "SteeringType"),
            to_places=() if places is None else _texts(places.iterfind(Q + "Place")),
            trace=trace, business=business, manifest=manifest,
            attachments=self.attachments(root, manifest),
        )

    def status(self, header, mh) -> m.StatusMessage:
        raw = self.text(mh, "StatusCode")
        try:
            code = m.StatusCode(raw)
        except ValueError:
            codes = ", ".join(c.value for c in m.StatusCode)
            raise MalformedEdxmlError(f"StatusCode {raw!r} is not one of {codes}") from None
        response = self.child(mh, "ResponseFor")
        response_for = None if response is None else self.response_for(response)
        if response_for is None:
            raise MalformedEdxmlError("status message has no ResponseFor")
        stamp_text = self.text(mh, "Timestamp")
        try:
            stamp = self.moment(stamp_text or "", "status Timestamp")
        except ValueError:
            raise MalformedEdxmlError(
                f"status Timestamp {stamp_text!r} is not a possible date and time "
                f"(yyyy/MM/dd HH:mm:ss, or {dates.FORMS_TEXT} with HH:mm:ss)") from None
        if self.payloads:
            raise MalformedEdxmlError("status message carries attachments")
        trace, _ = self.trace(header)
        return m.StatusMessage(
            sender=self.organization(self.child(mh, "From"), "From"),
            response_for=response_for, status_code=code, timestamp=stamp,
            description=self.text(mh, "Description"), staff=self.staff(mh), trace=trace)


def _boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise ValueError(raw)
    return lowered in ("true", "1")


def _texts(elements) -> tuple[str, ...]:
    return tuple(t for t in ((e.text or "").strip() for e in elements) if t)


def header_parts(root: etree._Element) -> tuple[etree._Element, etree._Element, etree._Element]:
    """The envelope, ``edXMLHeader`` and ``MessageHeader`` of ``root``; raises if absent."""
    if root.tag != Q + "edXML":
        raise MalformedEdxmlError(
            f"root element is {etree.QName(root).localname!r} in namespace"
            f" {etree.QName(root).namespace!r}, expected edXML in {m.NAMESPACE}")
    envelope = root.find(Q + "edXMLEnvelope")
    header = None if envelope is None else envelope.find(Q + "edXMLHeader")
    message_header = None if header is None else header.find(Q + "MessageHeader")
    if message_header is None:
        raise MalformedEdxmlError("no edXMLEnvelope/edXMLHeader/MessageHeader")
    if message_header.find(Q + "From") is None:
        raise MalformedEdxmlError("MessageHeader has no From")
    return envelope, header, message_header


def is_status(message_header: etree._Element) -> bool:
    return message_header.find(Q + "StatusCode") is not None


def message_from_tree(root: etree._Element, payloads: Sequence[Payload] = (),
                      warnings: Sequence[str] = ()) -> m.Message:
    """The message in ``root`` (an lxml tree), with ``warnings`` prepended to its own."""
    envelope, header, message_header = header_parts(root)
    decoder = _Decoder(payloads)
    if is_status(message_header):
        message: m.Message = decoder.status(header, message_header)
    else:
        message = decoder.document(root, envelope, header, message_header)
    return replace(message, warnings=(*warnings, *decoder.warnings))


def routing_from_header(root: etree._Element) -> m.Routing:
    """Routing facts from a tree holding at least the complete ``edXMLHeader``."""
    _, header, mh = header_parts(root)
    decoder = _Decoder(())
    sender = decoder.organization(decoder.child(mh, "From"), "From").organ_id
    responses = [r for r in map(decoder.response_for, mh.findall(Q + "ResponseFor")) if r]
    if is_status(mh):
        message = decoder.status(header, mh)
        return m.Routing("status", sender, _present((message.response_for.organ_id,)),
                         None, _present((message.response_for.document_id,)), None,
                         message.status_code, message.description)
    recipients = tuple(decoder.organization(e, "To").organ_id for e in mh.findall(Q + "To"))
    if not recipients:
        raise MalformedEdxmlError("document message has no recipient (To)")
    _, business = decoder.trace(header)
    code = decoder.child(mh, "Code")
    number = None if code is None else decoder.text(code, "CodeNumber")
    notation = None if code is None else decoder.text(code, "CodeNotation")
    return m.Routing("edoc", sender, recipients, decoder.document_id(mh),
                     _present(tuple(r.document_id for r in responses)),
                     None if business is None else business.doc_type, None,
                     decoder.text(mh, "Subject"), "/".join(_present((number, notation))) or None)


def _present(values: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(v for v in values if v)
