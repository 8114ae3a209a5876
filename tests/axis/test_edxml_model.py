"""The edXML mapping is pure: model → envelope tree → model, and model ↔ JSON, without files."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from lxml import etree

from axis import edxml
from axis.edxml import decode, encode, jsonform
from axis.errors import MalformedEdxmlError

Q = f"{{{edxml.NAMESPACE}}}"

H41 = edxml.Organization(
    "000.00.00.H41", organization_in_charge="UBND tỉnh Mẫu", organ_name="UBND tỉnh Mẫu",
    organ_add="Số 1 đường Mẫu", email="vanthu@mau.gov.vn", telephone="0238 3840418",
    fax="0238 3843049", website="mau.gov.vn")
G09 = edxml.Organization("000.00.00.G09", organ_name="Bộ Mẫu")
STAFF = edxml.StaffInfo("Văn phòng", "Nguyễn Thị Văn Thư", "vt@mau.gov.vn", "0912000001")


def full_document() -> edxml.DocumentMessage:
    """Every header field of DOMAIN.md §4 set, with an update's business part."""
    return edxml.DocumentMessage(
        sender=H41, to=(G09, edxml.Organization("000.00.00.H14")),
        document_id="000.00.00.H41,2026/11/20,125/UBND-VP",
        code=edxml.Code("125", "UBND-VP"),
        promulgation=edxml.Promulgation("Thành phố Mẫu", dt.date(2026, 11, 20)),
        document_type=edxml.DocumentType(1, 0, "Công văn"),
        subject="V/v triển khai liên thông văn bản", content="Nội dung & <chú ý>",
        signer=edxml.Signer("TM. UBND", "Chủ tịch", "Nguyễn Văn An"),
        due_date=dt.date(2026, 12, 1),
        other_info=edxml.OtherInfo(1, "Liên thông văn bản quốc gia", "NVA", 2, 3, True,
                                   ("Phụ lục I", "Phụ lục II")),
        response_for=(edxml.ResponseFor("000.00.00.G09", "10/BM-VP",
                                        "000.00.00.G09,2026/10/01,10/BM-VP",
                                        dt.date(2026, 10, 1)),),
        steering_type=1, to_places=("Các sở, ban, ngành", "UBND các huyện"),
        trace=(edxml.TraceHeader("000.00.00.H41", dt.datetime(2026, 11, 20, 8, 30, 5)),),
        business=edxml.Business(
            edxml.BusinessDocType.UPDATE, "000.00.00.H41,2026/11/19,124/UBND-VP",
            "Cập nhật văn bản điện tử", 0, STAFF,
            edxml.BusinessDocumentInfo("1", "1", (edxml.Receiver("000.00.00.G09", 0),)),
            (edxml.Replacement("000.00.00.H41,2026/11/18,120/UBND-VP",
                               ("000.00.00.G09", "000.00.00.H14")),)),
        manifest=(edxml.ManifestReference("cid:1", "application/pdf", "Văn bản",
                                          "125-UBND-VP.pdf"),),
    )


def status(code: edxml.StatusCode = edxml.StatusCode.ACCEPTED) -> edxml.StatusMessage:
    return edxml.StatusMessage(
        sender=G09, response_for=edxml.ResponseFor(
            "000.00.00.H41", "125/UBND-VP", "000.00.00.H41,2026/11/20,125/UBND-VP",
            dt.date(2026, 11, 20)),
        status_code=code, timestamp=dt.datetime(2026, 11, 21, 9, 15, 0),
        description="Văn thư: tiếp nhận, vào sổ văn bản đến", staff=STAFF)


def as_document(envelope: etree._Element) -> etree._Element:
    root = etree.Element(Q + "edXML", nsmap={None: edxml.NAMESPACE})
    root.append(envelope)
    return root


def decoded(message: edxml.Message) -> edxml.Message:
    return decode.message_from_tree(as_document(encode.envelope_element(message)))


def test_document_maps_to_tree_and_back_unchanged():
    message = full_document()
    back = decoded(message)
    # The manifest names an attachment that is not enclosed: reported, nothing lost.
    assert back.warnings == ("manifest declares cid:1 but no such attachment is enclosed",)
    assert dataclasses.replace(back, warnings=()) == message


@pytest.mark.parametrize("code", list(edxml.StatusCode))
def test_status_maps_to_tree_and_back_unchanged(code):
    assert decoded(status(code)) == status(code)


def test_writer_uses_the_samples_prefixes_and_the_qcvn_order():
    text = etree.tostring(encode.envelope_element(full_document()), encoding="unicode")
    assert text.startswith(f'<edXML:edXMLEnvelope xmlns:edXML="{edxml.NAMESPACE}">')
    header_order = ["From", "To", "Code", "PromulgationInfo", "DocumentType", "Subject",
                    "Content", "SignerInfo", "DueDate", "ToPlaces", "OtherInfo", "ResponseFor",
                    "SteeringType", "DocumentId>000.00.00.H41,2026/11/20"]  # 1.1 … 1.14
    positions = [text.index(f"<edXML:{name}") for name in header_order]
    assert positions == sorted(positions)
    response_for = text[text.index("<edXML:ResponseFor>"):text.index("</edXML:ResponseFor>")]
    assert (response_for.index("PromulgationDate") < response_for.index("DocumentId"))
    assert "<edXML:PromulgationDate>2026/11/20</edXML:PromulgationDate>" in text
    assert "<edXML:Timestamp>2026/11/20 08:30:05</edXML:Timestamp>" in text
    assert "Nội dung &amp; &lt;chú ý&gt;" in text


def test_reader_does_not_depend_on_element_order():
    envelope = encode.envelope_element(full_document())
    for element in list(envelope.iter()):
        # Reverse-alphabetical order of names; repeated elements keep their relative order.
        children = sorted(element, key=lambda child: child.tag, reverse=True)
        for child in children:
            element.remove(child)
        element.extend(children)
    assert envelope.find(f".//{Q}MessageHeader")[0].tag == Q + "ToPlaces"
    shuffled = decode.message_from_tree(as_document(envelope))
    assert dataclasses.replace(shuffled, warnings=()) == full_document()


def test_document_id_parsing():
    parsed = edxml.DocumentId.parse("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")
    assert (parsed.organ_id, parsed.date, parsed.number_notation) == (
        "000.00.00.G22", dt.date(2015, 9, 30), "7816/VPCP-TTĐT")
    assert str(parsed) == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    with pytest.raises(ValueError, match="impossible date 2014/02/30"):
        edxml.DocumentId.parse("000.00.00.G22,2014/02/30,7806/VPCP-TTĐT")
    with pytest.raises(ValueError, match="not OrganId,yyyy/MM/dd"):
        edxml.DocumentId.parse("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb")


def test_harmless_flaws_become_warnings():
    message = dataclasses.replace(
        full_document(), to=(edxml.Organization("28.22.H17"),),
        manifest=(edxml.ManifestReference("cid:1", "application/doc"),))
    envelope = encode.envelope_element(message)
    envelope.find(f".//{Q}DueDate").text = "2014/02/30"
    back = decode.message_from_tree(as_document(envelope))
    assert back.due_date is None
    assert ("DueDate '2014/02/30' is not a possible date in any accepted form (yyyy/MM/dd, "
            "dd/MM/yyyy, yyyy-MM-dd or ISO 8601); ignored") in back.warnings
    assert ("To OrganId '28.22.H17' is not a four-level agency code like 000.00.00.H41"
            in back.warnings)
    assert ("manifest Reference cid:1 has a non-standard ContentType 'application/doc'"
            in back.warnings)


@pytest.mark.parametrize(("change", "error"), [
    (lambda mh: mh.remove(mh.find(Q + "From")), "MessageHeader has no From"),
    (lambda mh: [mh.remove(e) for e in mh.findall(Q + "To")], "no recipient"),
    (lambda mh: mh.find(f"{Q}From/{Q}OrganId").getparent().remove(
        mh.find(f"{Q}From/{Q}OrganId")), "From has no OrganId"),
    (lambda mh: mh.getparent().find(f".//{Q}BussinessDocType").__setattr__("text", "7"),
     "BussinessDocType '7' is not 0"),
])
def test_meaningless_document_header_is_refused(change, error):
    envelope = encode.envelope_element(full_document())
    change(envelope.find(f"{Q}edXMLHeader/{Q}MessageHeader"))
    with pytest.raises(MalformedEdxmlError, match=error):
        decode.message_from_tree(as_document(envelope))


@pytest.mark.parametrize(("element", "value", "error"), [
    ("StatusCode", "99", "StatusCode '99' is not one of 01, 02"),
    ("Timestamp", "21/11/2026", "status Timestamp '21/11/2026' is not a possible date and"),
    ("Timestamp", "30/02/2026 10:00:00", "status Timestamp '30/02/2026 10:00:00' is not a"),
])
def test_meaningless_status_is_refused(element, value, error):
    envelope = encode.envelope_element(status())
    envelope.find(f".//{Q}{element}").text = value
    with pytest.raises(MalformedEdxmlError, match=error):
        decode.message_from_tree(as_document(envelope))


def test_wrong_root_is_refused():
    with pytest.raises(MalformedEdxmlError, match="root element is 'Envelope'"):
        decode.message_from_tree(etree.Element("{urn:other}Envelope"))


@pytest.mark.parametrize("message", [full_document(), status()], ids=["edoc", "status"])
def test_json_form_maps_back_to_the_same_message(message):
    spec = jsonform.to_json(message)
    assert spec["kind"] == message.kind
    assert {"from", "to", "document_id", "code", "promulgation", "document_type", "subject",
            "signer", "due_date", "business", "status", "response_for", "attachments",
            "warnings", "signature"} <= set(spec)
    assert jsonform.from_json(spec) == message


def test_json_form_of_status():
    spec = jsonform.to_json(status())
    assert spec["status"] == {"code": "03", "timestamp": "2026/11/21 09:15:00",
                              "description": "Văn thư: tiếp nhận, vào sổ văn bản đến"}
    assert spec["response_for"][0]["promulgation_date"] == "2026/11/20"


@pytest.mark.parametrize(("edit", "error"), [
    (lambda s: s["from"].pop("organ_id"), r"SPEC.from: organ_id is required"),
    (lambda s: s["from"].__setitem__("organ_name", 5), r"SPEC.from.organ_name: 5 is not"),
    (lambda s: s["code"].__setitem__("numbr", "1"), r"SPEC.code: unknown key 'numbr'"),
    (lambda s: s.__setitem__("due_date", "2026-12-01"), r"SPEC.due_date: '2026-12-01'"),
    (lambda s: s["business"].__setitem__("doc_type", 9), r"SPEC.business.doc_type: 9"),
    (lambda s: s.__setitem__("kind", "fax"), r"SPEC.kind 'fax'"),
])
def test_json_spec_errors_name_the_key(edit, error):
    spec = jsonform.to_json(full_document())
    edit(spec)
    with pytest.raises(MalformedEdxmlError, match=error):
        jsonform.from_json(spec)
