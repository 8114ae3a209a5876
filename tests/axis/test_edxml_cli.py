"""``edochub edxml parse|build|extract`` run as a user runs them."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from axis import edxml
from tests.helpers.cli import run_cli

JSON_KEYS = {"kind", "from", "to", "document_id", "code", "promulgation", "document_type",
             "subject", "signer", "due_date", "business", "status", "response_for",
             "attachments", "warnings", "signature"}


def parse_json(path) -> dict:
    done = run_cli("edxml", "parse", "--json", path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_help_lists_the_actions():
    done = run_cli("edxml", "--help")
    assert done.returncode == 0
    assert all(action in done.stdout for action in ("parse", "build", "extract"))


def test_parse_json_of_a_document(samples):
    spec = parse_json(samples / "edoc_new.edxml")
    assert set(spec) >= JSON_KEYS
    assert spec["kind"] == "edoc"
    assert spec["from"]["organ_id"] == "002.00.20.H13"
    assert spec["code"] == {"number": "74fass22", "notation": "VPCP-TTĐT"}
    assert spec["promulgation"] == {"place": "Hà Nội", "date": "2019/01/16"}
    assert spec["document_type"] == {"type": 1, "type_detail": 0, "type_name": "Công văn"}
    assert spec["signer"]["full_name"] == "Nguyen Thanh Phuc"
    assert spec["business"]["doc_type"] == 0
    assert spec["business"]["reason"] == "Văn bản điện tử mới"
    assert spec["status"] is None
    assert spec["attachments"] == [{
        "content_id": "cid:209", "name": "1896_QD-TTg_m_294779.doc",
        "content_type": "application/zip", "description": "1896_QD-TTg_m_294779.doc",
        "size": 270823,
        # sha256 of the base64-decoded payload, computed outside edochub
        "sha256": "7ab7c43a02a3cf2cedd14ebf2545a37e7a1307e0091b4ba94c2ef1e842a763aa"}]
    assert spec["signature"] == "placeholder"
    assert len(spec["warnings"]) == 4


def test_parse_json_of_a_status(samples):
    spec = parse_json(samples / "status_rejection_02.edxml")
    assert set(spec) >= JSON_KEYS
    assert spec["kind"] == "status"
    assert spec["status"]["code"] == "02"
    assert spec["status"]["timestamp"] == "2015/09/20 11:08:36"
    assert spec["response_for"][0]["document_id"] == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert (spec["to"], spec["attachments"], spec["signature"]) == ([], [], "absent")


def test_parse_human_output_and_warnings(samples):
    done = run_cli("edxml", "parse", samples / "edoc_update.edxml")
    assert done.returncode == 0
    assert "business: update" in done.stdout
    assert "signature: placeholder" in done.stdout
    assert "warning: placeholder signature block" in done.stderr


def test_strict_parse_fails_with_one_line(samples):
    done = run_cli("edxml", "parse", "--strict", samples / "edoc_new.edxml")
    assert done.returncode == 2
    assert done.stderr == ("edochub: strict reading refuses: 4 stray bytes before the XML"
                           " declaration ignored (b'1212') (and 3 more)\n")


@pytest.mark.parametrize("name", ["edoc_replacement.edxml", "status_finish_06.edxml"])
def test_extract_then_build_gives_back_the_same_message(samples, tmp_path, name):
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(parse_json(samples / name), ensure_ascii=False))
    done = run_cli("edxml", "extract", samples / name, "-o", tmp_path / "files", "--no-unzip")
    assert done.returncode == 0, done.stderr
    files = done.stdout.split()
    out = tmp_path / "built.edxml"
    done = run_cli("edxml", "build", spec_path, "-o", out, *sum((["--attach", f]
                                                                for f in files), []))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    original = edxml.parse(samples / name, attachments_dir=tmp_path / "expected")
    expected = io.BytesIO()
    edxml.write(original, expected)
    assert out.read_bytes() == expected.getvalue()
    assert {k: v for k, v in parse_json(out).items() if k not in ("warnings", "signature")} \
        == {k: v for k, v in json.loads(spec_path.read_text()).items()
            if k not in ("warnings", "signature")}


def test_build_without_attachment_metadata_names_them_after_the_files(samples, tmp_path):
    spec = parse_json(samples / "edoc_new.edxml")
    spec["attachments"], spec["manifest"] = [], []
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    content = tmp_path / "công văn.pdf"
    content.write_bytes(b"%PDF-1.7 test")
    out = tmp_path / "out.edxml"
    assert run_cli("edxml", "build", spec_path, "-o", out, "--attach", content).returncode == 0
    built = parse_json(out)
    assert built["attachments"] == [{
        "content_id": "cid:1", "name": "công văn.pdf", "content_type": None,
        "description": None, "size": 13,
        "sha256": hashlib.sha256(b"%PDF-1.7 test").hexdigest()}]
    assert built["manifest"] == [{"content_id": "cid:1", "content_type": None,
                                  "description": None, "name": "công văn.pdf"}]


@pytest.mark.parametrize(("setup", "error"), [
    ("not-json", "is not JSON"),
    ("wrong-file", "does not match the sha256 SPEC gives for cid:209"),
    ("missing-file", "SPEC lists 1 attachments but 0 files were given"),
    ("bad-field", "SPEC.promulgation.date: '16-01-2019' is not a valid value"),
])
def test_build_refuses_unusable_input_with_one_line(samples, tmp_path, setup, error):
    spec = parse_json(samples / "edoc_new.edxml")
    spec_path = tmp_path / "spec.json"
    other = tmp_path / "other.doc"
    other.write_bytes(b"x" * 270823)
    attach = ["--attach", other] if setup == "wrong-file" else []
    if setup == "bad-field":
        spec["promulgation"]["date"] = "16-01-2019"
        attach = ["--attach", other]
        spec["attachments"][0].pop("sha256")
    spec_path.write_text("{not json" if setup == "not-json" else json.dumps(spec))
    out = tmp_path / "out.edxml"
    done = run_cli("edxml", "build", spec_path, "-o", out, *attach)
    assert done.returncode == 2
    assert done.stderr.startswith("edochub: ") and done.stderr.count("\n") == 1
    assert error in done.stderr
    assert not out.exists() and not (tmp_path / "out.edxml.part").exists()


def test_extract_unzips_zipped_attachments(samples, tmp_path):
    out = tmp_path / "files"
    done = run_cli("edxml", "extract", samples / "edoc_new.edxml", "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        str(out / "1896_QD-TTg_m_294779.doc"),
        str(out / "1896_QD-TTg_m_294779.doc.unzipped"
            / "32da2890-1a55-4ccd-9ac9-cd0d98559e67.edxml")]
    inner = edxml.parse(out / "1896_QD-TTg_m_294779.doc.unzipped"
                        / "32da2890-1a55-4ccd-9ac9-cd0d98559e67.edxml")
    assert inner.sender.organ_id == "14.00.W00"


def test_missing_file_is_one_line(tmp_path):
    done = run_cli("edxml", "parse", tmp_path / "nothing.edxml")
    assert done.returncode == 2
    assert done.stderr == f"edochub: file not found: {tmp_path / 'nothing.edxml'}\n"
