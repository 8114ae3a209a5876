"""Map the model to the ``edXMLEnvelope`` element (pure: no I/O).

``MessageHeader`` follows the QCVN 102:2016 numbering: 1.1 From, 1.2 To, 1.3 Code,
1.4 PromulgationInfo, 1.5 DocumentType, 1.6 Subject, 1.7 Content, 1.8 SignerInfo, 1.9 DueDate,
1.10 ToPlaces, 1.11 OtherInfo, 1.12 ResponseFor (OrganId, Code, PromulgationDate, DocumentId),
1.13 SteeringType, 1.14 DocumentId; StaffInfo is Department, Staff, Mobile, Email (as in the
status samples). ``Bussiness`` keeps the order of the published samples. The prefix form is the
samples': ``edXML:`` on every envelope element, declared on the envelope itself. Attachments
are not part of the envelope: the writer streams them.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from axis.edxml import model as m

Q = f"{{{m.NAMESPACE}}}"
NSMAP = {"edXML": m.NAMESPACE}


def _add(parent: etree._Element, name: str, value: object = None) -> etree._Element:
    element = etree.SubElement(parent, Q + name)
    if value is not None:
        element.text = _wire(value)
    return element


def _wire(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime(m.TIMESTAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(m.DATE_FORMAT)
    if isinstance(value, m.StatusCode):
        return value.value
    if isinstance(value, m.BusinessDocType):
        return str(int(value))
    return str(value)


def _fields(parent: etree._Element, name: str, pairs: list[tuple[str, object]],
            always: bool = False) -> etree._Element | None:
    """``<name>`` holding the present ``pairs``; omitted when none is present."""
    present = [(k, v) for k, v in pairs if v is not None]
    if not present and not always:
        return None
    element = _add(parent, name)
    for key, value in present:
        _add(element, key, value)
    return element


def _organization(parent: etree._Element, name: str, org: m.Organization) -> None:
    _fields(parent, name, [
        ("OrganId", org.organ_id), ("OrganizationInCharge", org.organization_in_charge),
        ("OrganName", org.organ_name), ("OrganAdd", org.organ_add), ("Email", org.email),
        ("Telephone", org.telephone), ("Fax", org.fax), ("Website", org.website)], always=True)


def _response_for(parent: etree._Element, response: m.ResponseFor) -> None:
    _fields(parent, "ResponseFor", [
        ("OrganId", response.organ_id), ("Code", response.code),
        ("PromulgationDate", response.promulgation_date),
        ("DocumentId", response.document_id)], always=True)


def _staff(parent: etree._Element, staff: m.StaffInfo | None) -> None:
    if staff is not None:
        _fields(parent, "StaffInfo", [
            ("Department", staff.department), ("Staff", staff.staff),
            ("Mobile", staff.mobile), ("Email", staff.email)], always=True)


def _document_header(mh: etree._Element, msg: m.DocumentMessage) -> None:
    _organization(mh, "From", msg.sender)
    for recipient in msg.to:
        _organization(mh, "To", recipient)
    if msg.code is not None:
        _fields(mh, "Code", [("CodeNumber", msg.code.number),
                             ("CodeNotation", msg.code.notation)], always=True)
    if msg.promulgation is not None:
        _fields(mh, "PromulgationInfo", [("Place", msg.promulgation.place),
                                         ("PromulgationDate", msg.promulgation.date)],
                always=True)
    if msg.document_type is not None:
        t = msg.document_type
        _fields(mh, "DocumentType", [("Type", t.type), ("TypeDetail", t.type_detail),
                                     ("TypeName", t.type_name)], always=True)
    for name, value in (("Subject", msg.subject), ("Content", msg.content)):
        if value is not None:
            _add(mh, name, value)
    if msg.signer is not None:
        s = msg.signer
        _fields(mh, "SignerInfo", [("Competence", s.competence), ("Position", s.position),
                                   ("FullName", s.full_name)], always=True)
    if msg.due_date is not None:
        _add(mh, "DueDate", msg.due_date)
    if msg.to_places:
        places = _add(mh, "ToPlaces")
        for place in msg.to_places:
            _add(places, "Place", place)
    if msg.other_info is not None:
        o = msg.other_info
        other = _fields(mh, "OtherInfo", [
            ("Priority", o.priority), ("SphereOfPromulgation", o.sphere_of_promulgation),
            ("TyperNotation", o.typer_notation), ("PromulgationAmount", o.promulgation_amount),
            ("PageAmount", o.page_amount), ("Direction", o.direction)], always=True)
        if o.appendixes:
            appendixes = _add(other, "Appendixes")
            for appendix in o.appendixes:
                _add(appendixes, "Appendix", appendix)
    for response in msg.response_for:
        _response_for(mh, response)
    if msg.steering_type is not None:
        _add(mh, "SteeringType", msg.steering_type)
    if msg.document_id is not None:
        _add(mh, "DocumentId", msg.document_id)


def _business(parent: etree._Element, business: m.Business) -> None:
    element = _fields(parent, "Bussiness", [
        ("DocumentId", business.document_id), ("BussinessDocType", business.doc_type),
        ("BussinessDocReason", business.reason), ("Paper", business.paper)], always=True)
    _staff(element, business.staff)
    info = business.document_info
    if info is not None:
        info_element = _fields(element, "BussinessDocumentInfo", [
            ("DocumentInfo", info.document_info),
            ("DocumentReceiver", info.document_receiver)], always=True)
        if info.receivers:
            receivers = _add(info_element, "ReceiverList")
            for receiver in info.receivers:
                _fields(receivers, "Receiver", [("OrganId", receiver.organ_id),
                                                ("ReceiverType", receiver.receiver_type)])
    if business.replacements:
        replacements = _add(element, "ReplacementInfoList")
        for item in business.replacements:
            info_element = _fields(replacements, "ReplacementInfo",
                                   [("DocumentId", item.document_id)], always=True)
            organs = _add(info_element, "OrganIdList")
            for organ_id in item.organ_ids:
                _add(organs, "OrganId", organ_id)


def _trace(header: etree._Element, trace: tuple[m.TraceHeader, ...],
           business: m.Business | None) -> None:
    if not trace and business is None:
        return
    trace_list = _add(header, "TraceHeaderList")
    for item in trace:
        _fields(trace_list, "TraceHeader", [("OrganId", item.organ_id),
                                            ("Timestamp", item.timestamp)])
    if business is not None:
        _business(trace_list, business)


def envelope_element(msg: m.Message) -> etree._Element:
    """The ``edXML:edXMLEnvelope`` of ``msg``, without whitespace and without signature."""
    envelope = etree.Element(Q + "edXMLEnvelope", nsmap=NSMAP)
    header = _add(envelope, "edXMLHeader")
    mh = _add(header, "MessageHeader")
    if isinstance(msg, m.StatusMessage):
        _organization(mh, "From", msg.sender)
        _response_for(mh, msg.response_for)
        _staff(mh, msg.staff)
        _add(mh, "StatusCode", msg.status_code)
        if msg.description is not None:
            _add(mh, "Description", msg.description)
        _add(mh, "Timestamp", msg.timestamp)
        _trace(header, msg.trace, None)
        return envelope
    _document_header(mh, msg)
    _trace(header, msg.trace, msg.business)
    if msg.manifest:
        manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
        manifest.set("version", "1.0")
        for ref in msg.manifest:
            _fields(manifest, "Reference", [
                ("ContentId", ref.content_id), ("ContentType", ref.content_type),
                ("Description", ref.description), ("AttachmentName", ref.name)])
    return envelope


def manifest_for(attachments: tuple[m.Attachment, ...]) -> tuple[m.ManifestReference, ...]:
    """The manifest that declares exactly ``attachments``."""
    return tuple(m.ManifestReference(a.content_id, a.content_type, a.description, a.name)
                 for a in attachments)
