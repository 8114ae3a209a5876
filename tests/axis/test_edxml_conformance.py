"""Every published SDK sample reads into the model with the right fields and flaws reported;
writing is byte-stable, keeps every field, and validates against schemas/edxml.xsd."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import zipfile
from importlib import resources

import pytest
from lxml import etree

from axis import edxml
from axis.errors import StrictModeError
from tests.helpers.edxml import find_samples

SAMPLE_NAMES = sorted(p.name for p in find_samples().glob("*.edxml"))
EDOCS = [n for n in SAMPLE_NAMES if n.startswith("edoc_")]
STATUSES = [n for n in SAMPLE_NAMES if n.startswith("status_")]
PLACEHOLDER = ("placeholder signature block (not in the XML-DSig namespace):"
               " the envelope is treated as unsigned")
IMPOSSIBLE = ("Bussiness/DocumentId: '000.00.00.G22,2014/02/30,7806/VPCP-TTĐT' has an"
              " impossible date 2014/02/30")
THREE_PROVINCES = ("000.00.00.H41", "000.00.00.H14", "000.00.00.G17")


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    source = resources.files("schemas") / "edxml.xsd"
    return etree.XMLSchema(etree.fromstring(source.read_bytes()))


def test_all_thirteen_samples_are_covered():
    assert len(EDOCS) == 4 and len(STATUSES) == 9


def test_new_document_sample_fields(samples):
    message = edxml.parse(samples / "edoc_new.edxml")
    assert message.kind == "edoc"
    assert message.sender == edxml.Organization(
        "002.00.20.H13", "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng",
        "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng",
        "Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội", "vpcp@gov.vn", "8043100",
        "048989898789", "vpcp.vn")
    assert [t.organ_id for t in message.to] == ["28.22.H17"]
    assert message.to[0].organization_in_charge.startswith("UBND xã Hòa Sơn")  # stripped
    assert message.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert message.code == edxml.Code("74fass22", "VPCP-TTĐT")
    assert message.promulgation == edxml.Promulgation("Hà Nội", dt.date(2019, 1, 16))
    assert message.document_type == edxml.DocumentType(1, 0, "Công văn")
    assert message.subject == message.content == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    assert message.signer == edxml.Signer("TL. BO TRUONG",
                                          "Cuc truong cuc ung dung cong nghe thong tin",
                                          "Nguyen Thanh Phuc")
    assert message.due_date == dt.date(2018, 9, 28)
    assert message.other_info == edxml.OtherInfo(
        0, "Liên thông văn bản quốc gia", "TVC", 2, 22, False,
        ("Công văn về việc kết nối, liên thông phần mềm quản lý văn bản",))
    assert message.steering_type == 1
    assert message.to_places == ("Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP")
    assert message.response_for == ()
    assert message.trace == (edxml.TraceHeader("000.00.00.G22", dt.datetime(2018, 9, 28)),)
    assert message.business == edxml.Business(
        edxml.BusinessDocType.NEW, "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT",
        "Văn bản điện tử mới", 0,
        edxml.StaffInfo("Văn thư văn phòng", "Nguyễn Thị Ngọc Trâm", "vanthuvanphong@gov.vn",
                        "84912000001"))
    assert message.manifest == (edxml.ManifestReference(
        "cid:209", "application/zip", "1896_QD-TTg_m_294779.doc", "1896_QD-TTg_m_294779.doc"),)
    [attachment] = message.attachments
    assert (attachment.content_id, attachment.name, attachment.content_type,
            attachment.size, attachment.path) == (
        "cid:209", "1896_QD-TTg_m_294779.doc", "application/zip", 270823, None)
    assert message.signature == "placeholder"
    assert message.warnings == (
        "4 stray bytes before the XML declaration ignored (b'1212')",
        "To OrganId '28.22.H17' is not a four-level agency code like 000.00.00.H41",
        IMPOSSIBLE, PLACEHOLDER)


@pytest.mark.parametrize(("name", "doc_type", "warnings"), [
    ("edoc_replacement.edxml", edxml.BusinessDocType.REPLACE, (PLACEHOLDER,)),
    ("edoc_revocation.edxml", edxml.BusinessDocType.REVOKE, (PLACEHOLDER,)),
    ("edoc_update.edxml", edxml.BusinessDocType.UPDATE, (IMPOSSIBLE, PLACEHOLDER)),
])
def test_business_samples(samples, name, doc_type, warnings):
    message = edxml.parse(samples / name)
    assert message.sender.organ_id == "000.00.00.G22"
    assert message.sender.organ_name == "Văn phòng Chính phủ"
    assert tuple(t.organ_id for t in message.to) == THREE_PROVINCES
    assert message.code == edxml.Code("7816", "VPCP-TTĐT")
    assert message.business.doc_type is doc_type
    assert message.warnings == warnings
    assert message.signature == "placeholder"


def test_business_details(samples):
    update = edxml.parse(samples / "edoc_update.edxml").business
    assert update.reason == "Cập nhật văn bản điện tử"
    assert update.document_info == edxml.BusinessDocumentInfo("1", "1", (
        edxml.Receiver("000.00.00.H41", 0), edxml.Receiver("000.00.00.H14", 1)))
    replace = edxml.parse(samples / "edoc_replacement.edxml").business
    assert replace.document_id is None
    assert replace.replacements == 2 * (edxml.Replacement(
        "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT", ("000.00.00.H41", "000.00.00.H14")),)
    revocation = edxml.parse(samples / "edoc_revocation.edxml")
    assert revocation.response_for == (edxml.ResponseFor(
        "000.00.00.H14", "267/VPCP-TTĐT", "000.00.04.G14,2012/08/06,267/VPCP-TTĐT",
        dt.date(2018, 9, 28)),)
    assert revocation.business.reason == "Thu hồi văn bản điện tử"


@pytest.mark.parametrize("name", STATUSES)
def test_status_samples(samples, name):
    message = edxml.parse(samples / name)
    code = name.rsplit("_", 1)[1].removesuffix(".edxml")
    assert message.kind == "status"
    assert message.status_code == edxml.StatusCode(code)
    taking_back = code == "13"  # the sender of the document asks for it back
    assert message.sender.organ_id == ("000.00.00.G22" if taking_back else "000.00.00.H41")
    assert message.response_for == edxml.ResponseFor(
        "000.00.00.H41" if taking_back else "000.00.00.G22", "7816/VPCP-TTĐT",
        "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT", dt.date(2015, 9, 30))
    assert message.timestamp == dt.datetime(2015, 9, 20, 11, 8, 36)
    assert message.staff == edxml.StaffInfo("Phong hanh chinh", "Nguyen thi ngoc tram",
                                            "ngoctram@nghean.vn", "84912000001")
    assert message.description
    assert (message.warnings, message.signature) == ((), "absent")
    assert edxml.parse(samples / name, strict=True) == message


@pytest.mark.parametrize("name", EDOCS)
def test_strict_mode_refuses_the_flawed_samples(samples, name):
    with pytest.raises(StrictModeError, match="^strict reading refuses: "):
        edxml.parse(samples / name, strict=True)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_peek_routing_agrees_with_the_full_parse(samples, name):
    message = edxml.parse(samples / name)
    routing = edxml.peek_routing(samples / name)
    assert routing.kind == message.kind
    assert routing.sender == message.sender.organ_id
    if message.kind == "edoc":
        assert routing.recipients == tuple(t.organ_id for t in message.to)
        assert routing.document_id == message.document_id
        assert routing.business_doc_type is message.business.doc_type
        assert routing.response_for == tuple(r.document_id for r in message.response_for)
    else:
        assert routing.recipients == (message.response_for.organ_id,)
        assert routing.response_for == (message.response_for.document_id,)
        assert routing.status_code is message.status_code


def _write(message: edxml.Message) -> bytes:
    out = io.BytesIO()
    edxml.write(message, out)
    return out.getvalue()


def _content(message: edxml.Message) -> edxml.Message:
    """The message without what depends on where and how it was read."""
    attachments = tuple(dataclasses.replace(a, path=None)
                        for a in getattr(message, "attachments", ()))
    fields = {"attachments": attachments} if attachments else {}
    return dataclasses.replace(message, warnings=(), signature="absent", **fields)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_parse_build_parse_keeps_every_field(samples, name, tmp_path, schema):
    first = edxml.parse(samples / name, attachments_dir=tmp_path / "1")
    built = _write(first)
    assert schema.validate(etree.fromstring(built, etree.XMLParser(huge_tree=True))), \
        schema.error_log.last_error
    second = edxml.parse(built, attachments_dir=tmp_path / "2")
    assert _content(second) == _content(first)
    for a, b in zip(getattr(first, "attachments", ()), getattr(second, "attachments", ()),
                    strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
    # build → parse → build is byte-stable
    assert _write(second) == built
    assert built.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                            b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">\n'
                            b'  <edXML:edXMLEnvelope xmlns:edXML=')


def test_sample_attachment_is_a_zip_holding_another_envelope(samples, tmp_path):
    """The samples' zipped attachment holds an envelope in the *other* element order, with a
    real XML-DSig block (SHA-1, no longer accepted), undeclared prefixes and an empty
    ResponseFor: the reader copes and reports each flaw."""
    message = edxml.parse(samples / "edoc_new.edxml", attachments_dir=tmp_path)
    [zipped] = message.attachments
    unpacked = edxml.unzip_safely(zipped.path, tmp_path / "unzipped")
    assert [p.name for p in unpacked] == ["32da2890-1a55-4ccd-9ac9-cd0d98559e67.edxml"]
    inner = edxml.parse(unpacked[0], attachments_dir=tmp_path / "inner")
    assert inner.sender.organ_id == "14.00.W00"
    assert inner.document_id == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"
    assert inner.to_places == ("Các bộ",)
    assert inner.other_info.appendixes == ("Phụ lục",)
    assert inner.document_type == edxml.DocumentType(1, None, "Thông tư")
    assert inner.response_for == ()
    assert inner.signature == "invalid"
    [pdf] = inner.attachments
    assert (pdf.name, pdf.content_type) == ("GUIDE_INSTALL OPENVPN.SIGNED.PDF",
                                            "application/pdf")
    assert pdf.path.read_bytes().startswith(b"%PDF-1.5")
    assert "empty ResponseFor ignored" in inner.warnings
    assert ("manifest Reference cid:36b8a92e-f054-11e7-842b-005056b672fc has no ContentType"
            in inner.warnings)
    assert any(w.startswith("elements in no namespace (undeclared prefix?) read as edXML:"
                            " AttachmentEncoded, Attachment") for w in inner.warnings)
    assert any(w.startswith("envelope signature is invalid:") for w in inner.warnings)


def test_sample_zip_content_matches_the_base64_in_the_file(samples, tmp_path):
    raw = (samples / "edoc_revocation.edxml").read_bytes()
    start = raw.index(b"QCVN_102_2016\">", raw.index(b"ContentTransferEncoded")) + 15
    expected = base64.b64decode(raw[start:raw.index(b"<", start)])
    message = edxml.parse(samples / "edoc_revocation.edxml", attachments_dir=tmp_path)
    assert message.attachments[0].path.read_bytes() == expected
    assert zipfile.is_zipfile(io.BytesIO(expected))


def test_stray_bytes_only_before_the_declaration_are_tolerated(samples):
    data = (samples / "status_inbox_01.edxml").read_bytes()
    assert edxml.parse(b"\r\n" + data).warnings == (
        "2 stray bytes before the XML declaration ignored (b'\\r\\n')",)
    assert edxml.parse(b"\xef\xbb\xbf" + data).warnings == ()


def test_schema_is_not_vacuous(samples, schema):
    built = _write(edxml.parse(samples / "status_inbox_01.edxml"))
    assert schema.validate(etree.fromstring(built))
    for wrong in (built.replace(b">01</edXML:StatusCode>", b">99</edXML:StatusCode>"),
                  built.replace(b"2015/09/20 11:08:36", b"20/09/2015"),
                  built.replace(b"<edXML:OrganId>000.00.00.H41</edXML:OrganId>", b"")):
        assert not schema.validate(etree.fromstring(wrong))
