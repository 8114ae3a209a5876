"""Hostile or broken input is refused with one line naming the problem, leaves no files behind,
and never reaches the network or the file system through XML features."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import random
import stat
import zipfile
from pathlib import Path

import pytest

from axis import edxml
from axis.edxml.attachments import Base64Decoder
from axis.errors import (
    EdxmlError,
    MalformedEdxmlError,
    UnsafeAttachmentError,
    UnsafeXmlError,
)
from tests.helpers.cli import run_cli

NS = edxml.NAMESPACE


def document(attachment: Path, name: str = "quyet-dinh.pdf") -> bytes:
    message = edxml.DocumentMessage(
        sender=edxml.Organization("000.00.00.H41"), to=(edxml.Organization("000.00.00.G09"),),
        trace=(edxml.TraceHeader("000.00.00.H41", dt.datetime(2026, 11, 20, 8, 0)),),
        business=edxml.Business(edxml.BusinessDocType.NEW),
        attachments=(edxml.Attachment("cid:1", name, "application/pdf", path=attachment),))
    message = dataclasses.replace(message, manifest=edxml.manifest_for(message.attachments))
    out = io.BytesIO()
    edxml.write(message, out)
    return out.getvalue()


@pytest.fixture()
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "source.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    return path


def minimal(body: str = "") -> str:
    return (f'<edXML xmlns="{NS}"><edXMLEnvelope><edXMLHeader><MessageHeader>'
            f"<From><OrganId>000.00.00.H41</OrganId></From>{body}"
            "<To><OrganId>000.00.00.G09</OrganId></To>"
            "</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>")


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY lol0 "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
                  + "]>" + minimal("<Subject>&lol9;</Subject>"))
XXE = ('<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       + minimal("<Subject>&xxe;</Subject>"))
EXTERNAL_DTD = ('<?xml version="1.0"?><!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/edxml.dtd">'
                + minimal())
PARAMETER_ENTITY = ('<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY % p SYSTEM '
                    '"http://127.0.0.1:9/x.dtd"> %p;]>' + minimal())

HOSTILE = {
    "billion-laughs": (BILLION_LAUGHS, UnsafeXmlError, "DOCTYPE refused"),
    "external-entity": (XXE, UnsafeXmlError, "DOCTYPE refused"),
    "external-dtd": (EXTERNAL_DTD, UnsafeXmlError, "DOCTYPE refused"),
    "parameter-entity": (PARAMETER_ENTITY, UnsafeXmlError, "DOCTYPE refused"),
    "undefined-entity": (minimal("<Subject>&xxe;</Subject>"), MalformedEdxmlError,
                         "not well-formed XML: Entity 'xxe' not defined"),
    "deep-nesting": (minimal("<Subject>" + "<a>" * 5000 + "</a>" * 5000 + "</Subject>"),
                     UnsafeXmlError, "XML nested deeper than 32 levels"),
    "huge-text": (minimal("<Subject>" + "x" * (2 * 1024 * 1024) + "</Subject>"),
                  UnsafeXmlError, "a text value is longer than 1048576 characters"),
    "many-elements": (minimal("<ToPlaces>" + "<Place>p</Place>" * 30000 + "</ToPlaces>"),
                      UnsafeXmlError, "more than 20000 XML elements"),
    "much-text": (minimal("<ToPlaces>" + f"<Place>{'x' * 1000000}</Place>" * 20
                          + "</ToPlaces>"),
                  UnsafeXmlError, "more than 16777216 characters of text outside the"),
    "truncated": (minimal()[:150], MalformedEdxmlError, "not well-formed XML"),
    "wrong-root": ('<Envelope xmlns="urn:x"><a/></Envelope>', MalformedEdxmlError,
                   "root element is 'Envelope' in namespace 'urn:x', expected edXML"),
    "no-namespace": ("<edXML><edXMLEnvelope/></edXML>", MalformedEdxmlError,
                     "root element is 'edXML' in namespace None"),
    "not-xml": ("%PDF-1.7 this is not XML at all", MalformedEdxmlError,
                "not XML: no markup at the start"),
    "empty": ("", MalformedEdxmlError, "empty message"),
    "no-header": (f'<edXML xmlns="{NS}"><edXMLEnvelope/></edXML>', MalformedEdxmlError,
                  "no edXMLEnvelope/edXMLHeader/MessageHeader"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_xml_is_refused(case):
    text, error, message = HOSTILE[case]
    with pytest.raises(error, match=message):
        edxml.parse(text.encode())
    with pytest.raises(error, match=message):
        edxml.peek_routing(text.encode())


@pytest.mark.parametrize(("case", "action"), [
    ("billion-laughs", "parse"), ("external-entity", "extract"), ("deep-nesting", "parse"),
    ("truncated", "extract"), ("wrong-root", "parse"), ("not-xml", "parse"),
])
def test_cli_refuses_hostile_input_with_one_line(case, action, tmp_path):
    path = tmp_path / f"{case}.edxml"
    path.write_bytes(HOSTILE[case][0].encode())
    out = tmp_path / "out"
    args = ["parse", "--json", path] if action == "parse" else ["extract", path, "-o", out]
    done = run_cli("edxml", *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("edochub: ")
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())


def _replace_payload(data: bytes, payload: bytes) -> bytes:
    start = data.index(b">", data.index(b"<edXML:ContentTransferEncoded")) + 1
    return data[:start] + payload + data[data.index(b"</edXML:ContentTransferEncoded>"):]


@pytest.mark.parametrize(("payload", "message"), [
    (b"JVBERi0x!!!!", "attachment 1: invalid base64 content"),
    (b"JVBERi0xLjcK==QUFB", "attachment 1: invalid base64 content"),
    (b"JVBERi0xLjcKQ", "attachment 1: base64 content is truncated"),
])
def test_bad_base64_is_refused_and_leaves_no_file(pdf, tmp_path, payload, message):
    data = _replace_payload(document(pdf), payload)
    out = tmp_path / "out"
    with pytest.raises(UnsafeAttachmentError, match=message):
        edxml.parse(data, attachments_dir=out)
    assert list(out.iterdir()) == []


def test_attachment_above_the_limit_is_refused(pdf, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UnsafeAttachmentError,
                       match="attachment 1 is larger than the limit of 1000 bytes"):
        edxml.parse(document(pdf), attachments_dir=out,
                    limits=edxml.Limits(max_attachment_bytes=1000))
    assert list(out.iterdir()) == []


def test_message_above_the_limit_is_refused(pdf):
    with pytest.raises(UnsafeXmlError, match="message larger than the limit of 4096 bytes"):
        edxml.parse(document(pdf), limits=edxml.Limits(max_message_bytes=4096))


def test_base64_decoding_is_independent_of_chunking():
    content = bytes(range(256)) * 50
    text = base64.encodebytes(content).decode()  # MIME style: 76 columns and newlines
    sink = io.BytesIO()
    decoder = Base64Decoder(sink, 10**6, "1")
    for char in text:
        decoder.feed(char)
    decoder.finish()
    assert sink.getvalue() == content and decoder.size == len(content)


def test_traversal_in_attachment_name_is_sanitised(pdf, tmp_path):
    out = tmp_path / "out"
    message = edxml.parse(document(pdf, name="../../etc/passwd"), attachments_dir=out)
    assert message.attachments[0].path == out / "passwd"
    assert message.attachments[0].path.read_bytes() == pdf.read_bytes()
    assert "attachment name '../../etc/passwd' saved as 'passwd'" in message.warnings
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Windows\\system32\\công văn.doc", "công văn.doc"),
    ("..", "fallback"),
    ("", "fallback"),
    (".bashrc", "bashrc"),
    ("a\x00b\nc<d>.pdf", "a_b_c_d_.pdf"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_safe_name(name, expected):
    assert edxml.safe_name(name, "fallback") == expected


def _zip(path: Path, entries: dict[str, bytes], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(("entries", "symlink", "message"), [
    ({"../evil.txt": b"x"}, None, "entry '../evil.txt' would escape the target folder"),
    ({"/tmp/evil.txt": b"x"}, None, "entry '/tmp/evil.txt' would escape the target folder"),
    ({"ok.txt": b"x"}, "link", "entry 'link' is a symlink"),
    ({"bomb.bin": bytes(50 * 1024 * 1024)}, None, "compression ratio above 100:1"),
    ({f"f{i}.txt": b"x" for i in range(1001)}, None, "1001 entries, more than the limit"),
])
def test_unsafe_zip_is_refused_before_writing(tmp_path, entries, symlink, message):
    archive = _zip(tmp_path / "a.zip", entries, symlink)
    target = tmp_path / "target"
    with pytest.raises(UnsafeAttachmentError, match=message):
        edxml.unzip_safely(archive, target)
    assert not target.exists()
    assert not (tmp_path / "evil.txt").exists()


def test_zip_total_size_limit(tmp_path):
    noise = random.Random(5).randbytes(1024 * 1024)  # incompressible: ratio 1:1
    archive = _zip(tmp_path / "a.zip", {"a.bin": noise, "b.bin": noise})
    with pytest.raises(UnsafeAttachmentError, match="unpacks to more than 1500000 bytes"):
        edxml.unzip_safely(archive, tmp_path / "t", edxml.ZipLimits(max_total_bytes=1500000))


def test_safe_zip_unpacks_with_sanitised_names(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"hồ sơ/công văn.pdf": b"%PDF", "dir/": b""})
    written = edxml.unzip_safely(archive, tmp_path / "t")
    assert written == [tmp_path / "t" / "hồ sơ" / "công văn.pdf"]
    assert written[0].read_bytes() == b"%PDF"


def test_extract_refuses_a_zip_bomb_attachment_and_leaves_nothing(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", {"bomb.bin": bytes(50 * 1024 * 1024)})
    envelope = tmp_path / "bomb.edxml"
    envelope.write_bytes(document(bomb, name="hồ sơ.zip"))
    out = tmp_path / "out"
    done = run_cli("edxml", "extract", envelope, "-o", out)
    assert done.returncode == 2
    assert done.stderr.strip() == ("edochub: zip hồ sơ.zip: entry 'bomb.bin' has a compression"
                                   " ratio above 100:1 (zip bomb?)")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("field", ["subject", "attachment"])
def test_writer_refuses_characters_xml_cannot_carry(pdf, field, tmp_path):
    message = edxml.parse(document(pdf), attachments_dir=tmp_path / "out")
    if field == "subject":
        message = dataclasses.replace(message, subject="bad\x00value")
        error = "cannot write the envelope: All strings must be XML compatible"
    else:
        message = dataclasses.replace(message, attachments=(dataclasses.replace(
            message.attachments[0], name="bad\x1bname"),))
        error = "attachment 'cid:1' has characters XML cannot carry"
    with pytest.raises(EdxmlError, match=error):
        edxml.write(message, io.BytesIO())
