"""Batch checks: ``edochub verify`` over folders and ZIP archives with worker processes, CSV and
JSON summaries, safe extraction, one broken file never stopping the batch, and revocation data
fetched once per worker rather than once per file."""

from __future__ import annotations

import csv
import json
import logging
import zipfile

import pytest

from tests.signing import attack_corpus


@pytest.fixture(scope="module")
def signed(pki_services) -> bytes:
    return attack_corpus.sign(pki_services, attack_corpus.base_document())


def _trust(pki) -> list:
    return [arg for root in pki.trust_roots for arg in ("--trust", root)]


def test_folders_and_zip_archives_with_workers_and_summaries(cli, pki_services, signed,
                                                            tmp_path):
    folder = tmp_path / "hoso"
    (folder / "con").mkdir(parents=True)
    (folder / "a.pdf").write_bytes(signed)
    (folder / "con" / "b.pdf").write_bytes(signed)
    (folder / "hong.pdf").write_bytes(signed[: len(signed) // 3])  # truncated
    (folder / "chua-ky.pdf").write_bytes(attack_corpus.base_document())
    (folder / "ghi-chu.txt").write_text("not a PDF, not looked at")
    bundle = tmp_path / "luu-tru.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("2026/c.pdf", signed)
        archive.writestr("../thoat-ra.pdf", signed)
        archive.writestr("doc.txt", "ignored")
    broken_zip = tmp_path / "hong.zip"
    broken_zip.write_bytes(b"PK\x03\x04 this is no archive")
    csv_path, json_path = tmp_path / "tong-hop.csv", tmp_path / "tong-hop.json"

    run = cli("verify", folder, bundle, broken_zip, "--workers", "2", "--summary-csv",
              csv_path, "--summary-json", json_path, "--json", *_trust(pki_services))

    assert run.returncode == 2, run.stderr  # unusable inputs outrank the unsigned file
    with csv_path.open(encoding="utf-8") as handle:
        rows = {row["path"]: row for row in csv.DictReader(handle)}
    expected = {
        str(folder / "a.pdf"): "TOTAL-PASSED",
        str(folder / "chua-ky.pdf"): "UNSIGNED",
        str(folder / "con" / "b.pdf"): "TOTAL-PASSED",
        str(folder / "hong.pdf"): "ERROR",
        f"{bundle}!2026/c.pdf": "TOTAL-PASSED",
        f"{bundle}!../thoat-ra.pdf": "ERROR",
        str(broken_zip): "ERROR",
    }
    assert {path: row["result"] for path, row in rows.items()} == expected
    assert "unsafe path" in rows[f"{bundle}!../thoat-ra.pdf"]["error"]
    assert "unreadable ZIP" in rows[str(broken_zip)]["error"]
    assert not (tmp_path.parent / "thoat-ra.pdf").exists()
    assert rows[str(folder / "a.pdf")]["details"] == "Signature1: TOTAL-PASSED"

    summary = json.loads(json_path.read_text(encoding="utf-8"))
    assert summary["files"] == 7
    assert summary["counts"] == {"TOTAL-PASSED": 3, "UNSIGNED": 1, "ERROR": 3}
    assert summary["exit_code"] == 2
    printed = json.loads(run.stdout)["files"]
    assert [f["path"] for f in printed] == list(expected)  # input order is kept
    assert "hong.pdf" in run.stderr  # each unusable file named on stderr, batch carried on


def test_revocation_data_is_fetched_once_per_worker_not_per_file(cli, pki_services, signed,
                                                                tmp_path, caplog):
    folder = tmp_path / "many"
    folder.mkdir()
    for index in range(6):
        (folder / f"{index}.pdf").write_bytes(signed)
    caplog.set_level(logging.INFO, logger="werkzeug")

    def fetches() -> int:
        return sum("/ocsp/gov-ca" in r.getMessage() for r in caplog.records)

    run = cli("verify", folder, "--workers", "1", *_trust(pki_services))
    assert run.returncode == 0, run.stderr
    one_worker = fetches()
    caplog.clear()
    run = cli("verify", folder, "--workers", "2", *_trust(pki_services))
    assert run.returncode == 0, run.stderr
    two_workers = fetches()
    assert one_worker == 1
    assert 1 <= two_workers <= 2


def test_bad_worker_count_and_empty_input_are_one_line_errors(cli, pki_services, tmp_path):
    run = cli("verify", tmp_path, "--workers", "0", *_trust(pki_services))
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    run = cli("verify", tmp_path, *_trust(pki_services))
    assert run.returncode == 2 and "no PDF file found" in run.stderr
    assert "Traceback" not in run.stderr
