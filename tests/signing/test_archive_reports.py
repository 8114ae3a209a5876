"""Reports of ``edochub verify --report DIR``: the ETSI TS 119 102-2 XML validates against the
vendored schema (lxml, network off), and the human report renders Vietnamese: the PDF is
rendered to PNG (pdftoppm) and read back by OCR (Tesseract, Vietnamese) and by pdftotext."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.signing import attack_corpus

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "etsi" / "1910202xmlSchema.xsd"
VR = {"vr": "http://uri.etsi.org/19102/v1.2.1#"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA), _parser()))


@pytest.fixture(scope="module")
def inputs(pki_services, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report-inputs")
    document = attack_corpus.base_document()
    (folder / "quyet-dinh.pdf").write_bytes(
        attack_corpus.sign(pki_services, document, with_timestamp=True))
    (folder / "thu-hoi.pdf").write_bytes(
        attack_corpus.sign(pki_services, document, label="official-revoked",
                           claimed_time=attack_corpus.CLAIMED_AFTER_REVOCATION))
    (folder / "chua-ky.pdf").write_bytes(document)
    (folder / "hong.pdf").write_bytes(b"%PDF-1.7\nnot really a PDF\n")
    return folder


def _verify_with_reports(cli, pki, inputs: Path, out: Path, *extra: str):
    trust = [arg for root in pki.trust_roots for arg in ("--trust", root)]
    return cli("verify", inputs, "--report", out, *trust, *extra)


def _read_back(pdf: Path, tmp_path: Path) -> tuple[str, str]:
    """(OCR of the first page rendered to PNG, pdftotext of the PDF)."""
    png_base = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf),
                    str(png_base)], check=True)
    (png,) = tmp_path.glob(f"{pdf.stem}*.png")
    ocr = subprocess.run(["tesseract", str(png), "-", "-l", "vie"], check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return " ".join(ocr.split()), " ".join(text.split())


def test_reports_are_written_for_every_file_and_validate_against_the_etsi_schema(
        cli, pki_services, inputs, tmp_path, schema):
    out = tmp_path / "reports"
    run = _verify_with_reports(cli, pki_services, inputs, out)
    assert run.returncode == 2, run.stderr  # the unreadable file outranks the rest
    for stem in ("quyet-dinh", "thu-hoi", "chua-ky", "hong"):
        for suffix in (".json", ".validation.xml", ".report.html", ".report.pdf"):
            assert (out / f"{stem}{suffix}").stat().st_size > 0, stem + suffix
        document = etree.parse(str(out / f"{stem}.validation.xml"), _parser())
        assert schema.validate(document), (stem, schema.error_log)

    def status(stem: str) -> list[str]:
        document = etree.parse(str(out / f"{stem}.validation.xml"), _parser())
        return [e.text for e in document.iterfind(
            ".//vr:SignatureValidationStatus/*", VR) if e.tag.endswith("Indication")]

    assert status("quyet-dinh") == ["urn:etsi:019102:mainindication:total-passed"]
    assert status("thu-hoi") == ["urn:etsi:019102:mainindication:indeterminate",
                                 "urn:etsi:019102:subindication:REVOKED_NO_POE"]
    assert status("hong") == ["urn:etsi:019102:mainindication:total-failed",
                              "urn:etsi:019102:subindication:FORMAT_FAILURE"]
    signed = etree.parse(str(out / "quyet-dinh.validation.xml"), _parser())
    assert signed.findtext(".//vr:DAIdentifier", namespaces=VR) == "Signature1"
    assert signed.find(".//vr:SignatureTimeStamp/vr:TimeStampValue", VR) is not None
    assert signed.find(".//vr:DocTimeStamp", VR) is None
    assert signed.find(".//vr:SignerInformation/vr:SignerCertificate", VR) is not None
    signature = json.loads((out / "quyet-dinh.json").read_text())["signatures"][0]
    assert (signature["indication"], signature["timestamp_kind"]) == ("TOTAL-PASSED",
                                                                      "signature")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"TOTAL-PASSED": 1, "INDETERMINATE": 1, "UNSIGNED": 1,
                                 "ERROR": 1}
    assert (out / "summary.csv").read_text(encoding="utf-8").count("\n") == 5


def test_a_document_timestamps_proof_is_reported_as_doc_timestamp(cli, pki_services, tmp_path,
                                                                    schema):
    """A B-B signature augmented to B-LT rests on the later document time-stamp: the ETSI
    report gives that proof as the PAdES ``DocTimeStamp``, not as a ``SignatureTimeStamp``
    the signature does not carry."""
    folder = tmp_path / "in"
    folder.mkdir()
    pdf = folder / "bo-sung.pdf"
    pdf.write_bytes(attack_corpus.sign(pki_services, attack_corpus.base_document()))
    trust = [arg for root in pki_services.trust_roots for arg in ("--trust", root)]
    run = cli("augment", pdf, "--to", "B-LT", "--tsa", pki_services.tsa_url, *trust)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "reports"
    run = _verify_with_reports(cli, pki_services, folder, out)
    assert run.returncode == 0, run.stderr
    signature = json.loads((out / "bo-sung.json").read_text())["signatures"][0]
    assert (signature["level"], signature["timestamp_kind"]) == ("B-LT", "document")
    document = etree.parse(str(out / "bo-sung.validation.xml"), _parser())
    assert schema.validate(document), schema.error_log
    assert document.find(".//vr:SignatureTimeStamp", VR) is None
    proven = document.findtext(".//vr:DocTimeStamp/vr:TimeStampValue", namespaces=VR)
    assert datetime.fromisoformat(proven) == datetime.fromisoformat(
        signature["timestamp_time"]).replace(microsecond=0)  # the XML has whole seconds


def test_vietnamese_report_renders_and_reads_back(cli, pki_services, inputs, tmp_path):
    out = tmp_path / "reports"
    _verify_with_reports(cli, pki_services, inputs, out)
    ocr, text = _read_back(out / "thu-hoi.report.pdf", tmp_path)
    for expected in ("Báo cáo kiểm tra chữ ký số", "Lê Văn Thu Hồi", "Ủy ban nhân dân tỉnh Mẫu",
                     "CHƯA XÁC ĐỊNH ĐƯỢC"):
        assert expected in ocr, (expected, ocr)
        assert expected in text, (expected, text)
    # the plain-language reason, who signed and when, in the text layer
    assert "không có bằng chứng (dấu thời gian) rằng chữ ký có trước thời điểm thu hồi" in text
    assert "01/07/2025 16:00:00 (UTC+07:00)" in text  # 09:00 UTC, in Vietnam time
    assert "không có dấu thời gian chứng minh" in text
    html = (out / "thu-hoi.report.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in html and "Lê Văn Thu Hồi" in html


def test_english_report_and_what_changed_after_the_signature(cli, pki_services, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    signed = attack_corpus.sign(pki_services, attack_corpus.base_document(),
                                with_timestamp=True)
    (folder / "changed.pdf").write_bytes(attack_corpus._incremental(
        signed, attack_corpus._replace_page_content))
    out = tmp_path / "reports"
    run = _verify_with_reports(cli, pki_services, folder, out, "--report-lang", "en")
    assert run.returncode == 3, run.stderr
    ocr, text = _read_back(out / "changed.report.pdf", tmp_path)
    assert "Signature validation report" in ocr
    assert "UNDETERMINED (INDETERMINATE)" in text
    assert "Content changed (pages, objects)" in text
    assert "Signing time (proven by a time-stamp)" in text


def _notes(html_path: Path) -> list[str]:
    """The "Ghi nhận"/"Notes" cell of each signature in an HTML report."""
    import re

    html = html_path.read_text(encoding="utf-8")
    return re.findall(r"<th>(?:Ghi nhận|Notes)</th><td>(.*?)</td>", html)


def test_vietnamese_report_words_the_findings_in_vietnamese(cli, pki_services, tmp_path):
    """A revoked, a modified and an untrusted signature: the Vietnamese report explains each
    finding in Vietnamese (worded from its code), while the JSON keeps the English
    ``problems`` and adds the codes."""
    pki = pki_services
    folder = tmp_path / "in"
    folder.mkdir()
    document = attack_corpus.base_document()
    (folder / "thu-hoi.pdf").write_bytes(attack_corpus.sign(
        pki, document, label="official-revoked",
        claimed_time=attack_corpus.CLAIMED_AFTER_REVOCATION))
    signed = attack_corpus.sign(pki, document, with_timestamp=True)
    (folder / "sua-doi.pdf").write_bytes(attack_corpus._incremental(
        signed, attack_corpus._replace_page_content))
    out = tmp_path / "reports"
    run = _verify_with_reports(cli, pki, folder, out)
    assert run.returncode == 3, run.stderr

    [revoked] = _notes(out / "thu-hoi.report.html")
    assert "Chứng thư của người ký đã bị thu hồi ngày 2025-06-01" in revoked
    assert "was revoked" not in revoked
    [modified] = _notes(out / "sua-doi.report.html")
    assert "Tài liệu bị sửa sau chữ ký này" in modified
    assert "changed after" not in modified

    untrusted_out = tmp_path / "untrusted"
    run = cli("verify", folder / "sua-doi.pdf", "--report", untrusted_out,
              "--trust", pki.cert("pub-root"))
    assert run.returncode == 3, run.stderr
    [untrusted] = _notes(untrusted_out / "sua-doi.report.html")
    assert "Không có chuỗi chứng thư tới một chứng thư gốc tin cậy" in untrusted
    assert "no chain" not in untrusted

    summary = json.loads((out / "thu-hoi.json").read_text(encoding="utf-8"))
    [signature] = summary["signatures"]
    assert {"code": "signer-revoked", "params": {"date": "2025-06-01",
                                                 "reason": "key_compromise"}} \
        in signature["findings"]
    assert "the signer's certificate was revoked on 2025-06-01 (key_compromise)" \
        in signature["problems"]


@pytest.mark.parametrize(("language", "revoked_text", "unsigned_text"), [
    ("vi", "Chứng thư của người ký đã bị thu hồi ngày 2025-06-01 (lý do: lộ khóa bí mật).",
     "Tệp không có chữ ký số nào."),
    ("en", "the signer's certificate was revoked on 2025-06-01 (key_compromise)",
     "The file holds no digital signature."),
])
def test_etsi_report_words_the_findings_in_the_report_language(
        cli, pki_services, inputs, tmp_path, schema, language, revoked_text, unsigned_text):
    """The XML report's findings are worded from their codes in the report's language, marked
    with xml:lang, the code kept in the datum's type; the report stays schema-valid."""
    out = tmp_path / language
    _verify_with_reports(cli, pki_services, inputs, out, "--report-lang", language)

    def findings(stem: str) -> dict[str, tuple[str, str | None]]:
        document = etree.parse(str(out / f"{stem}.validation.xml"), _parser())
        assert schema.validate(document), (stem, schema.error_log)
        return {entry.findtext("vr:Type", namespaces=VR): (
                    entry.findtext("vr:Value", namespaces=VR),
                    entry.find("vr:Value", VR).get("{http://www.w3.org/XML/1998/namespace}lang"))
                for entry in document.iterfind(".//vr:ReportData", VR)}

    revoked = findings("thu-hoi")
    assert revoked["urn:edochub:report:problem:signer-revoked"] == (revoked_text, language)
    assert revoked["urn:edochub:report:modification-after-signature"] == ("NONE", None)
    assert findings("chua-ky")["urn:edochub:report:problem"] == (unsigned_text, language)
