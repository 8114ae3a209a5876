"""``edochub verify``: trust only from named anchors, tampering, later changes, unsigned files,
bad input, revocation modes and validation at a past moment."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest

from tests.helpers.signing import p12_args, sign_args, trust_args, verify_json
from tests.pdf_samples import flip_signed_byte, rewrite_page_content, simple_pdf


@pytest.fixture(scope="module")
def signed(pki_services, tmp_path_factory):
    """Files signed once for this module: {level: path}."""
    from tests.helpers.cli import run_cli

    folder = tmp_path_factory.mktemp("signed")
    source = folder / "source.pdf"
    source.write_bytes(simple_pdf("verify me"))
    paths = {}
    for level in ("B-B", "B-T", "B-LT", "B-LTA"):
        paths[level] = folder / f"{level}.pdf"
        result = run_cli("sign", source, "-o", paths[level], *p12_args(pki_services, "leader-an"),
                         *sign_args(pki_services, level))
        assert result.returncode == 0, result.stderr
    return paths


def only_signature(report) -> dict:
    [file] = report["files"]
    [sig] = file["signatures"]
    return sig


def test_untrusted_root_is_indeterminate(cli, pki_services, signed):
    pub_root = str(pki_services.cert("pub-root"))
    result = cli("verify", signed["B-B"], "--json", "--trust", pub_root)
    sig = only_signature(json.loads(result.stdout))
    assert result.returncode == 3
    assert (sig["indication"], sig["sub_indication"]) == ("INDETERMINATE",
                                                          "NO_CERTIFICATE_CHAIN_FOUND")
    assert sig["trust_anchor"] is None


def test_trust_folder_is_searched(cli, pki_services, signed):
    result = cli("verify", signed["B-B"], "--trust", pki_services.directory / "certs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "TOTAL-PASSED" in result.stdout


def test_byte_changed_inside_signed_range_fails(cli, pki_services, signed, tmp_path):
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip_signed_byte(signed["B-T"].read_bytes(), b"verify me"))
    code, report = verify_json(cli, pki_services, tampered)
    sig = only_signature(report)
    assert code == 1
    assert (sig["indication"], sig["sub_indication"]) == ("TOTAL-FAILED", "HASH_FAILURE")


def test_page_content_changed_after_signing(cli, pki_services, signed, tmp_path):
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(rewrite_page_content(signed["B-T"].read_bytes()))
    code, report = verify_json(cli, pki_services, changed)
    sig = only_signature(report)
    assert code != 0 and sig["indication"] != "TOTAL-PASSED"
    assert sig["modification_level"] == "OTHER"
    assert sig["coverage"] == "ENTIRE_REVISION"


def test_no_signature_exit_4(cli, pki_services, tmp_path):
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(simple_pdf())
    code, report = verify_json(cli, pki_services, plain)
    assert code == 4
    assert report["files"] == [{"path": str(plain), "error": None, "signatures": []}]


def encrypted_pdf() -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(simple_pdf())))
    writer.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.pdf", b"just some text\n", "not a PDF"),
    ("cut.pdf", None, "truncated"),
    ("locked.pdf", "encrypted", "encrypted"),
    ("missing.pdf", "missing", "not found"),
])
def test_bad_input_exit_2_one_line(cli, pki_services, signed, tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        path.write_bytes(signed["B-T"].read_bytes()[:-300])
    elif content == "encrypted":
        path.write_bytes(encrypted_pdf())
    elif content != "missing":
        path.write_bytes(content)
    result = cli("verify", path, *trust_args(pki_services))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert message in line and str(path) in line
    assert "Traceback" not in result.stderr


def test_directory_recursive_and_combined_exit(cli, pki_services, signed, tmp_path):
    folder = tmp_path / "archive"
    (folder / "2026" / "11").mkdir(parents=True)
    (folder / "2026" / "11" / "good.pdf").write_bytes(signed["B-LTA"].read_bytes())
    (folder / "plain.pdf").write_bytes(simple_pdf())
    (folder / "readme.txt").write_text("not a pdf, not looked at")
    code, report = verify_json(cli, pki_services, folder)
    assert sorted(f["path"].rsplit("/", 1)[1] for f in report["files"]) == ["good.pdf",
                                                                           "plain.pdf"]
    assert code == 4  # one passed, one unsigned


def test_offline_needs_embedded_revocation_data(cli, pki_services, signed):
    code, report = verify_json(cli, pki_services, signed["B-T"], signed["B-LT"],
                               extra=("--revocation", "offline"))
    b_t, b_lt = (only_signature({"files": [f]}) for f in report["files"])
    assert (b_t["indication"], b_t["sub_indication"]) == ("INDETERMINATE",
                                                          "CERTIFICATE_CHAIN_GENERAL_FAILURE")
    assert b_lt["indication"] == "TOTAL-PASSED"
    assert code == 3


def test_soft_and_require_modes_online(cli, pki_services, signed):
    for mode in ("soft", "require"):
        code, report = verify_json(cli, pki_services, signed["B-B"], extra=("--revocation", mode))
        assert (code, only_signature(report)["indication"]) == (0, "TOTAL-PASSED")


def test_validation_at_a_past_moment(cli, pki_services, signed):
    _, report = verify_json(cli, pki_services, signed["B-LTA"])
    stamped = datetime.fromisoformat(only_signature(report)["timestamp_time"])
    after = (stamped + timedelta(seconds=2)).isoformat()
    before = (stamped - timedelta(days=1)).isoformat()
    code, report = verify_json(cli, pki_services, signed["B-LTA"],
                               extra=("--revocation", "offline", "--at", after))
    assert (code, only_signature(report)["indication"]) == (0, "TOTAL-PASSED")
    code, report = verify_json(cli, pki_services, signed["B-LTA"],
                               extra=("--revocation", "offline", "--at", before))
    assert code == 3 and only_signature(report)["indication"] == "INDETERMINATE"


def test_at_without_time_zone_is_refused(cli, pki_services, signed):
    result = cli("verify", signed["B-B"], *trust_args(pki_services), "--at", "2026-01-01T00:00")
    assert result.returncode == 2
    assert "time zone" in result.stderr


def test_no_trust_anchor_is_refused(cli, signed):
    result = cli("verify", signed["B-B"])
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "--trust" in line


def test_json_document_shape(cli, pki_services, signed):
    _, report = verify_json(cli, pki_services, signed["B-LT"])
    sig = only_signature(report)
    assert set(report) == {"files"}
    assert set(report["files"][0]) == {"path", "error", "signatures"}
    assert {"field", "indication", "sub_indication", "signer", "signing_time", "timestamp_time",
            "level", "coverage", "modification_level", "trust_anchor"} <= set(sig)
    assert {"common_name", "organization", "serial_number", "subject"} <= set(sig["signer"])
    assert sig["signer"]["common_name"] == "Nguyễn Văn An"


def test_separate_timestamp_trust(cli, pki_services, signed):
    gov_root, pub_root = (str(pki_services.cert(label)) for label in ("gov-root", "pub-root"))
    result = cli("verify", signed["B-T"], "--json", "--trust", gov_root)
    sig = only_signature(json.loads(result.stdout))
    # the time-stamp's TSA chains to pub-root, not trusted here: no pass on a broken promise
    assert (result.returncode, sig["indication"], sig["sub_indication"]) == (
        3, "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert sig["timestamp_time"] is None
    result = cli("verify", signed["B-T"], "--json", "--trust", gov_root,
                 "--timestamp-trust", pub_root)
    sig = only_signature(json.loads(result.stdout))
    assert (result.returncode, sig["level"]) == (0, "B-T")
    assert sig["timestamp_time"] is not None
