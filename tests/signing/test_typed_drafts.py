"""Drafts as clerks type them: the day, month and number left as spaces, dots, ellipses,
underscores, tabs or placeholders, in PDFs made by LibreOffice (from OpenDocument files the test
writes) and by WeasyPrint (the specimen generator). Each is prepared, signed by the leader and
issued, and ``pdftotext`` reads the number and the date line back."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edochub.cli import main
from signing.stamping.specimens import draft_decision_pdf, seal_png, signature_png
from tests.helpers.signing import trust_args
from tests.signing.typed_drafts import libreoffice_drafts

LIBREOFFICE = {
    "blanks": ("Số:      /QĐ-UBND", "Hà Nội, ngày      tháng      năm 2026"),
    "dots": ("Số: ......./QĐ-UBND", "Hà Nội, ngày ...... tháng ...... năm 2026"),
    "underscores": ("Số: ____/QĐ-UBND", "Hà Nội, ngày ____ tháng ____ năm 20__"),
    "ellipses": ("Số: …/QĐ-UBND", "Hà Nội, ngày … tháng … năm 2026"),
    # a tab is a gap with no glyph: the text extracted is split at it
    "tabs-placeholders": ("Số:\t/QĐ-UBND", "Hà Nội, ngày\ttháng [  ] năm 2026"),
}
SPECIMEN = {
    "specimen-blanks": ("Số:      /QĐ-UBND", "Hà Nội, ngày      tháng      năm 2026"),
    "specimen-underscores": ("Số: ___/QĐ-UBND", "Hà Nội, ngày ___ tháng ___ năm 2026"),
    "specimen-dots-placeholders": ("Số : xx/QĐ-UBND", "Hà Nội, ngày ..... tháng {tháng} năm"
                                   " 2026"),
}


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def drafts(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("typed")
    made = libreoffice_drafts(folder, LIBREOFFICE)
    for name, (number_line, date_line) in SPECIMEN.items():
        made[name] = folder / f"{name}.pdf"
        made[name].write_bytes(draft_decision_pdf(number_line, date_line))
    (folder / "chu-ky.png").write_bytes(signature_png())
    (folder / "con-dau.png").write_bytes(seal_png())
    return made


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-l", "1", "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("name", [*LIBREOFFICE, *SPECIMEN])
def test_typed_draft_is_prepared_signed_and_issued(capsys, pki_services, drafts, name,
                                                   tmp_path):
    pki, draft = pki_services, drafts[name]
    prepared, leader, issued = (tmp_path / n for n in ("p.pdf", "l.pdf", "i.pdf"))
    code, _, err = run(capsys, "prepare", draft, "-o", prepared)
    assert code == 0, err
    code, _, err = run(capsys, "sign", prepared, "-o", leader, "--p12", pki.p12("leader-an"),
                       "--profile", "leader", "--image", draft.parent / "chu-ky.png")
    assert code == 0, err
    code, out, err = run(capsys, "issue", leader, "-o", issued, "--p12", pki.p12("org-h41"),
                         "--seal", draft.parent / "con-dau.png", "--number", "5", "--notation",
                         "QĐ-UBND", "--place", "Hà Nội", "--date", "2026-01-05",
                         *trust_args(pki))
    assert code == 0, err
    text = pdftotext(issued)
    assert "05/QĐ-UBND" in text
    assert "Hà Nội, ngày 05 tháng 01 năm 2026" in text


def test_without_number_or_date_line_the_hint_stays(capsys, tmp_path):
    made = libreoffice_drafts(tmp_path, {
        "no-date": ("Số:      /QĐ-UBND", "Hà Nội, mùa xuân năm 2026"),
        "neither": ("Kính gửi: các sở, ngành", "Hà Nội, đầu năm 2026")})
    code, out, err = run(capsys, "prepare", made["no-date"], "-o", tmp_path / "a.pdf")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "ngày ... tháng ... năm" in err
    assert "--date-box" in err
    code, out, err = run(capsys, "prepare", made["neither"], "-o", tmp_path / "b.pdf")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "--number-box" in err
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()
