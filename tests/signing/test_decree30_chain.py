"""The Decree 30 chain through the real command: specimens → prepare → leader signs → issue
(number, date and seal in one update); checked by our validator, by poppler's pdfsig, and by
looking at the rendered page."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from signing.stamping.issuance import Issuance, IssuanceError
from tests.pdf_samples import rewrite_page_content
from tests.signing import decree30_support as support

NAME = "Nguyễn Văn An"


@pytest.fixture(scope="module")
def chain(tmp_path_factory, pki_services):
    """Paths of every step, made with ``edochub`` as a clerk and a leader would."""
    from tests.helpers.cli import run_cli

    pki = pki_services
    d = tmp_path_factory.mktemp("decree30-chain")
    done = run_cli("specimens", d)
    assert done.returncode == 0, done.stderr
    paths = {"draft": d / "du-thao-quyet-dinh-MAU.pdf", "signature": d / "chu-ky-MAU.png",
             "seal": d / "con-dau-MAU.png", "prepared": d / "prepared.pdf",
             "leader": d / "leader.pdf", "issued": d / "issued.pdf", "dir": d}
    steps = [
        ("prepare", paths["draft"], "-o", paths["prepared"]),
        ("sign", paths["prepared"], "-o", paths["leader"], "--p12", pki.p12("leader-an"),
         "--profile", "leader", "--image", paths["signature"]),
        ("issue", paths["leader"], "-o", paths["issued"], "--p12", pki.p12("org-h41"),
         "--seal", paths["seal"], "--number", "5", "--notation", "QĐ-UBND",
         "--place", "Hà Nội", "--date", "2026-01-05", *trust_args(pki)),
    ]
    for step in steps:
        done = run_cli(*step)
        assert done.returncode == 0, (step[0], done.stderr)
    return paths


def trust_args(pki) -> list:
    return [arg for root in pki.trust_roots for arg in ("--trust", root)]


def test_specimens_are_marked(chain):
    from PIL import Image

    assert "MẪU / SPECIMEN" in support.pdftotext(chain["draft"])
    for name in ("signature", "seal"):
        with Image.open(chain[name]) as image:
            assert image.mode == "RGBA"
            assert image.getpixel((0, 0))[3] == 0, "background must be transparent"
            assert "SPECIMEN" in image.info["Title"]


def test_prepare_puts_fields_on_number_and_date(chain):
    prepared = chain["prepared"].read_bytes()
    geometry, label = support.text_box(prepared, "Số:")
    _, date_line = support.text_box(prepared, "ngày ... tháng")
    page, number_rect = support.field_rect(prepared, "SoKyHieu")
    _, date_rect = support.field_rect(prepared, "DiaDanhNgayThang")
    assert page == 0
    number_visual = geometry.to_visual(number_rect)
    date_visual = geometry.to_visual(date_rect)
    # the number field starts right after "Số:" on the same line; the date field holds the line
    assert label[2] <= number_visual[0] <= label[2] + 5
    assert number_visual[1] < label[1] + 3 and number_visual[3] > label[3] - 3
    assert date_visual[0] <= date_line[0] and date_visual[2] >= date_line[2]
    assert number_visual[2] < date_visual[0], "the fields must not overlap"


def test_leader_signature_sits_between_position_line_and_name(chain):
    leader = chain["leader"].read_bytes()
    geometry, name = support.text_box(leader, NAME)
    _, position = support.text_box(leader, "PHÓ CHỦ TỊCH")
    image = support.render(chain["leader"])
    name_px, position_px = support.to_pixels(geometry, name), support.to_pixels(geometry, position)
    search = support.PixelBox(0, position_px.y1 - 40, image.width, name_px.y0 + 40)
    blue = support.pixels_box(image, support.is_blue, search)
    assert blue is not None, "no blue signature near the signature block"
    assert position_px.y1 <= blue.y0 and blue.y1 <= name_px.y0
    blue_centre = (blue.x0 + blue.x1) / 2
    name_centre = (name_px.x0 + name_px.x1) / 2
    assert abs(blue_centre - name_centre) < 0.15 * blue.width
    assert support.pixels_box(image, support.is_red, search) is None, "no seal before issuing"


def test_seal_overlaps_left_third_of_leader_signature(chain):
    issued = chain["issued"].read_bytes()
    page, leader_rect = support.field_rect(issued, "ChuKyLanhDao1")
    geometry, _ = support.text_box(issued, NAME)
    leader_px = support.to_pixels(geometry, geometry.to_visual(leader_rect))
    image = support.render(chain["issued"])
    around = support.PixelBox(0, leader_px.y0 - 80, image.width, leader_px.y1 + 80)
    red = support.pixels_box(image, support.is_red, around)
    assert red is not None, "no red seal near the leader's signature"
    third = leader_px.x0 + leader_px.width / 3
    assert red.x0 < leader_px.x0, "the seal starts left of the signature image"
    assert abs(red.x1 - third) < 0.12 * leader_px.width, "and ends about a third into it"
    assert red.y0 < leader_px.y1 and red.y1 > leader_px.y0
    # real size: the specimen seal is 36 mm across
    assert abs(red.width - 36 / 25.4 * support.DPI) < 4


def test_issued_number_and_date_read_back(chain):
    text = support.pdftotext(chain["issued"])
    assert "05/QĐ-UBND" in text
    assert "Hà Nội, ngày 05 tháng 01 năm 2026" in text


def test_issued_number_and_date_are_visible(chain):
    issued = chain["issued"].read_bytes()
    geometry, _ = support.text_box(issued, "Số:")
    _, number_rect = support.field_rect(issued, "SoKyHieu")
    number_px = support.to_pixels(geometry, geometry.to_visual(number_rect))
    before = support.render(chain["prepared"])
    after = support.render(chain["issued"])
    ink_before = support.pixels_box(before, support.is_dark, number_px)
    ink_after = support.pixels_box(after, support.is_dark, number_px)
    assert ink_after is not None and ink_before is not None
    assert ink_after.width > ink_before.width, "the number is drawn over the dotted blank"


def test_chain_validates_as_decree30_requires(chain, cli, pki_services):
    signatures = support.verify_json(cli, chain["issued"], pki_services.trust_roots)
    leader, organization = signatures
    assert (leader["role"], leader["indication"], leader["modification_level"]) == \
        ("leader", "TOTAL-PASSED", "FORM_FILLING")
    assert (organization["role"], organization["indication"], organization["coverage"]) == \
        ("organization", "TOTAL-PASSED", "ENTIRE_FILE")
    assert organization["signer"]["organization_identifier"] == "000.00.00.H41"
    # Decree 30: the signing time in Vietnam time
    assert organization["signing_time"].endswith("+07:00")


def test_pdfsig_agrees(chain):
    done = subprocess.run(["pdfsig", str(chain["issued"])], capture_output=True, text=True)
    report = done.stdout
    assert report.count("Signature is Valid.") == 2, report
    blocks = report.split("Signature #")[1:]
    assert "ChuKyLanhDao1" in blocks[0] and "ChuKyCoQuan1" in blocks[1]
    assert "Total document signed" in blocks[1]


def test_organization_signature_names_the_organization(chain):
    from pyhanko.pdf_utils.reader import PdfFileReader

    with chain["issued"].open("rb") as handle:
        signature = PdfFileReader(handle).embedded_signatures[1]
        assert str(signature.sig_object["/Name"]) == "Ủy ban nhân dân tỉnh Mẫu"
        assert signature.self_reported_timestamp is not None


def issue_again(cli, pki, chain, source: Path, out: Path):
    """Issue ``source`` as number 06; the refusal cases expect this to fail."""
    return cli("issue", source, "-o", out, "--p12", pki.p12("org-h41"), "--seal", chain["seal"],
               "--number", "6", "--notation", "QĐ-UBND", "--place", "Hà Nội",
               *trust_args(pki))


def test_issue_refuses_a_document_without_leader_signature(chain, cli, pki_services, tmp_path):
    out = tmp_path / "out.pdf"
    done = issue_again(cli, pki_services, chain, chain["prepared"], out)
    assert done.returncode == 2
    assert "no leader signature" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_issue_refuses_an_already_issued_document(chain, cli, pki_services, tmp_path):
    out = tmp_path / "again.pdf"
    done = issue_again(cli, pki_services, chain, chain["issued"], out)
    assert done.returncode == 2 and "already issued" in done.stderr
    assert not out.exists()


def test_change_between_leader_and_issuance_is_flagged(chain, cli, pki_services, tmp_path):
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(rewrite_page_content(chain["leader"].read_bytes()))
    [leader] = support.verify_json(cli, tampered, pki_services.trust_roots)
    assert leader["indication"] != "TOTAL-PASSED"
    assert leader["modification_level"] == "OTHER"

    out = tmp_path / "issued.pdf"
    done = issue_again(cli, pki_services, chain, tampered, out)
    assert done.returncode == 2 and "is not valid" in done.stderr
    assert not out.exists()


def test_organization_profile_on_sign_also_needs_the_leader(chain, cli, pki_services, tmp_path):
    out = tmp_path / "sealed.pdf"
    done = cli("sign", chain["prepared"], "-o", out, "--p12", pki_services.p12("org-h41"),
               "--profile", "organization", "--image", chain["seal"])
    assert done.returncode == 2 and "no leader signature" in done.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def seal() -> bytes:
    from signing.stamping.specimens import seal_png

    return seal_png()


@pytest.mark.parametrize(("number", "day", "expected_number", "expected_date"), [
    (5, date(2026, 1, 5), "05/QĐ-UBND", "Hà Nội, ngày 05 tháng 01 năm 2026"),
    (12, date(2026, 2, 28), "12/QĐ-UBND", "Hà Nội, ngày 28 tháng 02 năm 2026"),
    (123, date(2026, 3, 9), "123/QĐ-UBND", "Hà Nội, ngày 09 tháng 3 năm 2026"),
    (9, date(2026, 12, 31), "09/QĐ-UBND", "Hà Nội, ngày 31 tháng 12 năm 2026"),
])
def test_number_and_date_are_written_as_decree30_says(seal, number, day, expected_number,
                                                       expected_date):
    issuance = Issuance(seal, number, "QĐ-UBND", "Hà Nội", day)
    assert issuance.number_notation == expected_number
    assert issuance.date_line == expected_date


@pytest.mark.parametrize(("number", "notation"), [(0, "QĐ-UBND"), (1, "QĐ UBND"),
                                                  (1, "../x"), (1, "")])
def test_bad_number_or_notation_is_refused(seal, number, notation):
    with pytest.raises(IssuanceError):
        Issuance(seal, number, notation, "Hà Nội", date(2026, 1, 5))


def test_prepare_without_number_line_says_so(cli, tmp_path):
    from tests.pdf_samples import write_simple_pdf

    draft = tmp_path / "plain.pdf"
    write_simple_pdf(draft)
    done = cli("prepare", draft, "-o", tmp_path / "out.pdf")
    assert done.returncode == 2
    assert re.search(r"no \"Số:\" line", done.stderr)
    assert "give the number box with --number-box" in done.stderr  # the command line's hint
    assert not (tmp_path / "out.pdf").exists()


def test_long_term_chain_leader_b_t_then_issue_b_lta(chain, cli, pki_services, tmp_path):
    """The archive's case: leader time-stamped, organization signature at B-LTA; the form
    filling and the later validation data and document time-stamp keep the leader valid."""
    pki = pki_services
    leader, issued = tmp_path / "leader.pdf", tmp_path / "issued.pdf"
    done = cli("sign", chain["prepared"], "-o", leader, "--p12", pki.p12("leader-an"),
               "--profile", "leader", "--image", chain["signature"], "--level", "B-T",
               "--tsa", pki.tsa_url, *trust_args(pki))
    assert done.returncode == 0, done.stderr
    done = cli("issue", leader, "-o", issued, "--p12", pki.p12("org-h41"), "--seal",
               chain["seal"], "--number", "15", "--notation", "QĐ-UBND", "--place", "Hà Nội",
               "--date", "2026-03-09", "--level", "B-LTA", "--tsa", pki.tsa_url,
               *trust_args(pki))
    assert done.returncode == 0, done.stderr
    first, second = support.verify_json(cli, issued, pki.trust_roots)
    assert (first["role"], first["indication"], first["modification_level"]) == \
        ("leader", "TOTAL-PASSED", "FORM_FILLING")
    assert (second["role"], second["indication"], second["level"]) == \
        ("organization", "TOTAL-PASSED", "B-LTA")
    assert "15/QĐ-UBND" in support.pdftotext(issued)
    assert "Hà Nội, ngày 09 tháng 3 năm 2026" in support.pdftotext(issued)


def test_number_date_and_seal_are_one_incremental_update(chain):
    from pyhanko.pdf_utils.reader import PdfFileReader

    def revisions(path: Path) -> int:
        with path.open("rb") as handle:
            return PdfFileReader(handle).xrefs.total_revisions

    leader, issued = chain["leader"].read_bytes(), chain["issued"].read_bytes()
    assert issued.startswith(leader), "issuing appends; it never rewrites what was signed"
    assert revisions(chain["issued"]) == revisions(chain["leader"]) + 1


def test_organization_profile_on_sign_seals_a_leader_signed_copy(chain, cli, pki_services,
                                                                 tmp_path):
    """``sign --profile organization`` (without number and date, e.g. for an already numbered
    document) puts the seal over the leader's signature as ``issue`` does."""
    out = tmp_path / "sealed.pdf"
    done = cli("sign", chain["leader"], "-o", out, "--p12", pki_services.p12("org-h41"),
               "--profile", "organization", "--image", chain["seal"])
    assert done.returncode == 0, done.stderr
    leader, organization = support.verify_json(cli, out, pki_services.trust_roots)
    assert (leader["indication"], organization["role"]) == ("TOTAL-PASSED", "organization")
    _, leader_rect = support.field_rect(out.read_bytes(), "ChuKyLanhDao1")
    _, seal_rect = support.field_rect(out.read_bytes(), "ChuKyCoQuan1")
    third = leader_rect[0] + (leader_rect[2] - leader_rect[0]) / 3
    assert seal_rect[2] == pytest.approx(third, abs=0.5)


def test_prepare_refuses_a_signed_document(chain, cli, tmp_path):
    out = tmp_path / "out.pdf"
    done = cli("prepare", chain["leader"], "-o", out)
    assert done.returncode == 2 and "already signed" in done.stderr
    assert not out.exists()


def test_leader_b_b_then_issue_b_lta(chain, cli, pki_services, tmp_path):
    """The common case: the leader signs without a time-stamp (B-B), the clerk issues at
    B-LTA. The leader's signature has no signature time-stamp but document time-stamps follow
    it: it is validated now (basic validation), not refused for lack of a time-stamp, and the
    document time-stamp is its proof of existence, so it reaches B-T (ETSI EN 319 142-1)."""
    pki = pki_services
    issued = tmp_path / "issued.pdf"
    done = cli("issue", chain["leader"], "-o", issued, "--p12", pki.p12("org-h41"), "--seal",
               chain["seal"], "--number", "16", "--notation", "QĐ-UBND", "--place", "Hà Nội",
               "--date", "2026-03-10", "--level", "B-LTA", "--tsa", pki.tsa_url,
               *trust_args(pki))
    assert done.returncode == 0, done.stderr
    first, second = support.verify_json(cli, issued, pki.trust_roots)
    assert (first["role"], first["indication"], first["level"], first["modification_level"]) \
        == ("leader", "TOTAL-PASSED", "B-T", "FORM_FILLING"), first["problems"]
    assert first["timestamp_time"] is not None and not first["problems"]
    assert (second["role"], second["indication"], second["level"]) == \
        ("organization", "TOTAL-PASSED", "B-LTA")


@pytest.mark.parametrize(("language", "leader_role", "organization_role"), [
    ("vi", "Người có thẩm quyền ký (lãnh đạo)", "Cơ quan, tổ chức ban hành"),
    ("en", "Competent signatory (leader)", "Issuing agency"),
])
def test_report_names_the_role_of_each_signature(chain, cli, pki_services, tmp_path, language,
                                                 leader_role, organization_role):
    """``verify --report`` on an issued document: the role recorded inside each signature
    (commitment type) is read back by the validator and shown in the report's language."""
    out = tmp_path / "reports"
    done = cli("verify", chain["issued"], "--report", out, "--report-lang", language,
               *trust_args(pki_services))
    assert done.returncode == 0, done.stderr
    html = (out / "issued.report.html").read_text(encoding="utf-8")
    roles = re.findall(r"<th>(?:Vai trò ký|Signing role)</th><td>([^<]*)</td>", html)
    assert roles == [leader_role, organization_role]
    summary = json.loads((out / "issued.json").read_text(encoding="utf-8"))
    assert [s["role"] for s in summary["signatures"]] == ["leader", "organization"]
    text = subprocess.run(["pdftotext", out / "issued.report.pdf", "-"], capture_output=True,
                          text=True, check=True).stdout
    assert leader_role in " ".join(text.split())


def test_verify_human_output_names_the_roles(chain, cli, pki_services):
    done = cli("verify", chain["issued"], *trust_args(pki_services))
    assert done.returncode == 0, done.stderr
    assert "ChuKyLanhDao1: TOTAL-PASSED - Nguyễn Văn An (leader);" in done.stdout
    assert "ChuKyCoQuan1: TOTAL-PASSED - Ủy ban nhân dân tỉnh Mẫu (organization);" \
        in done.stdout
