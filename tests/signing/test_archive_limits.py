"""Attacks on the archive's validation (issue 13, item 2): a ZIP member that inflates to a
gigabyte, too many or too large members, PDFs of whitespace that make pyHanko scan for a minute,
and a file that outlasts the time limit. Each is refused or stopped; nothing is extracted, and the
process that meets the bomb stays small (measured in a child process)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from edochub.samples import simple_pdf
from signing.validation.batch import ZipLimits, expanded
from signing.validation.isolation import IsolatedValidator, Limits
from signing.validation.validator import ValidationSettings
from tests.signing.bombs import MiB, whitespace_pdf, zip_bomb

#: the hub's defaults (documents.services.settings.HubSettings)
HUB_LIMITS = ZipLimits(members=1000, member_bytes=50 * MiB, total_bytes=1024 * MiB)

_CHILD = """
import json, sys
from pathlib import Path
from signing.validation.batch import ZipLimits, expanded
limits = ZipLimits(*json.loads(sys.argv[2]))
with expanded([Path(sys.argv[1])], limits) as items:
    scratch = [str(p) for item in items for p in [item.path] if p.suffix == ".pdf"]
    found = [{"display": i.display, "error": i.error} for i in items]
# VmHWM: this process's peak resident memory (ru_maxrss may still count the parent's, forked)
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"items": found, "extracted": scratch,
                  "max_rss_mib": int(peak.split()[1]) / 1024}))
"""


def _expand_in_child(archive: Path, limits: ZipLimits) -> dict:
    """The archive expanded by the hub's code in a fresh process, with that process's peak
    memory."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(archive),
         json.dumps([limits.members, limits.member_bytes, limits.total_bytes])],
        capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_zip_member_inflating_to_a_gibibyte_is_refused_before_reading(tmp_path):
    bomb = zip_bomb(tmp_path / "ho-so.zip", mebibytes=1024)
    assert bomb.stat().st_size < 2 * MiB
    seen = _expand_in_child(bomb, HUB_LIMITS)
    assert seen["items"] == [{
        "display": str(bomb),
        "error": f"ZIP member bom.pdf expands to {1024 * MiB} bytes; the limit is {50 * MiB}"}]
    assert seen["extracted"] == []
    assert seen["max_rss_mib"] < 100  # the member was never inflated (it was 9.8 GB before)


def test_too_many_members_and_too_much_in_total_are_refused_whole(tmp_path):
    many = tmp_path / "nhieu.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for index in range(5):
            archive.writestr(f"{index}.pdf", simple_pdf(str(index)))
    limits = ZipLimits(members=4, member_bytes=MiB, total_bytes=10 * MiB)
    with expanded([many], limits) as items:
        assert [(i.path, i.error) for i in items] == [
            (many, "ZIP archive has 5 PDF members; the limit is 4")]

    heavy = tmp_path / "nang.zip"
    with zipfile.ZipFile(heavy, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(3):
            archive.writestr(f"{index}.pdf", bytes(MiB))
    limits = ZipLimits(members=10, member_bytes=MiB, total_bytes=2 * MiB)
    with expanded([heavy], limits) as items:
        assert [(i.path, i.error) for i in items] == [
            (heavy, f"ZIP archive expands to {3 * MiB} bytes; the limit is {2 * MiB}")]


@pytest.fixture(scope="module")
def settings(dev_pki) -> ValidationSettings:
    return ValidationSettings.from_paths(dev_pki.trust_roots, revocation="offline")


@pytest.mark.parametrize("variant", ["no-startxref", "offset-into-whitespace"])
def test_whitespace_pdf_of_128_mib_is_refused_without_a_scan(tmp_path, settings, variant):
    """75 s and 1.37 GB in pyHanko's scans before; now refused by a constant-time look at the
    trailer (the message names that check, not the time limit)."""
    pdf = whitespace_pdf(tmp_path / "trang.pdf", 128)
    if variant == "no-startxref":
        with pdf.open("r+b") as handle:
            handle.seek(-len(b"\nstartxref\n9\n%%EOF\n"), 2)
            handle.write(b"\n%%EOF\n".rjust(len(b"\nstartxref\n9\n%%EOF\n")))
    expected = {"no-startxref": "unreadable PDF: no startxref at the end of the file",
                "offset-into-whitespace": "unreadable PDF: startxref points at a run of "
                                          "whitespace"}[variant]
    with IsolatedValidator(settings, Limits(seconds=600)) as isolated:
        result = isolated.validate_file(pdf, "trang.pdf")
    assert (result.error, result.signatures) == (expected, ())


def test_a_file_outlasting_the_time_limit_is_stopped_and_the_next_file_still_checked(
        tmp_path, settings):
    slow = whitespace_pdf(tmp_path / "cham.pdf", 24, before_offset=b"xref")  # ~20 s of scan
    good = tmp_path / "tot.pdf"
    good.write_bytes(simple_pdf("mot trang"))
    with IsolatedValidator(settings, Limits(seconds=2)) as isolated:
        first = isolated.validate_file(slow, "cham.pdf")
        second = isolated.validate_file(good, "tot.pdf")
    assert first.error == "validation stopped: the file took longer than the limit of 2 s"
    assert (second.path, second.error, second.signatures) == ("tot.pdf", None, ())


def test_the_worker_runs_under_an_address_space_limit(tmp_path, settings):
    good = tmp_path / "tot.pdf"
    good.write_bytes(simple_pdf("mot trang"))
    with IsolatedValidator(settings, Limits(memory_bytes=768 * MiB)) as isolated:
        assert isolated.validate_file(good, "tot.pdf").error is None
        limits = Path(f"/proc/{isolated.worker_pid}/limits").read_text()
    line = next(row for row in limits.splitlines() if row.startswith("Max address space"))
    assert line.split()[3:5] == [str(768 * MiB), str(768 * MiB)]


def test_a_pdf_whose_xref_misplaces_its_catalog_is_an_error_verdict(tmp_path, settings):
    """Found by the fuzz target ``pdf``: pyHanko asserted on it (a crash, a 500 in a page)."""
    pdf = bytearray(simple_pdf("fuzz"))
    at = pdf.index(b"xref\n") + len(b"xref\n")
    pdf[at:at + 3] = b"1 6"  # entries numbered from 1: object 1 is read where 0 was
    target = tmp_path / "hong.pdf"
    target.write_bytes(bytes(pdf))
    with IsolatedValidator(settings, Limits()) as isolated:
        result = isolated.validate_file(target, "hong.pdf")
    assert result.error is not None and result.error.startswith("unreadable or truncated PDF")
