"""Appearance profiles on ``edochub sign``: attachment and copy text at the top right of page 1,
placement on rotated pages and offset crop boxes, explicit boxes, existing fields, and the role
``verify`` reports."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime

import pytest

from signing.stamping import placement
from signing.stamping.specimens import draft_decision_pdf, signature_png
from tests.pdf_samples import write_simple_pdf
from tests.signing import decree30_support as support

ISO_VN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


@pytest.fixture(scope="module")
def draft_pdf() -> bytes:
    return draft_decision_pdf()


@pytest.fixture(scope="module")
def signature_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sig") / "chu-ky.png"
    path.write_bytes(signature_png())
    return path


def sign(cli, pki, source, target, label, *options):
    done = cli("sign", source, "-o", target, "--p12", pki.p12(label), *options)
    assert done.returncode == 0, done.stderr
    return target


def top_right_text_box(pdf, image) -> support.PixelBox | None:
    """Dark pixels in the top right quarter-width, 80 pt high band of the rendered page."""
    return support.pixels_box(image, support.is_dark, support.PixelBox(
        image.width * 3 // 4 - 60, 0, image.width, 80))


def test_attachment_text_top_right_of_page_one(cli, pki_services, tmp_path):
    source = write_simple_pdf(tmp_path / "phu-luc.pdf", pages=2)
    signed = sign(cli, pki_services, source, tmp_path / "signed.pdf", "org-h41",
                  "--profile", "attachment", "--number-notation", "05/QĐ-UBND")
    text = support.pdftotext(signed)
    assert "05/QĐ-UBND" in text
    shown = ISO_VN.search(text)
    assert shown is not None, text
    assert "05/QĐ-UBND" not in support.pdftotext(signed, page=2)

    image = support.render(signed)
    ink = top_right_text_box(signed, image)
    assert ink is not None and ink.x1 > image.width - 40 and ink.y0 < 40
    # black text, not coloured
    assert support.pixels_box(image, support.is_red) is None
    assert support.pixels_box(image, support.is_blue) is None

    [signature] = support.verify_json(cli, signed, pki_services.trust_roots)
    assert signature["role"] == "attachment" and signature["indication"] == "TOTAL-PASSED"
    signed_at = datetime.fromisoformat(signature["signing_time"])
    assert abs((datetime.fromisoformat(shown.group()) - signed_at).total_seconds()) < 2


def test_attachment_font_is_embedded_liberation_serif_10pt(cli, pki_services, tmp_path):
    from pyhanko.pdf_utils.reader import PdfFileReader

    source = write_simple_pdf(tmp_path / "phu-luc.pdf")
    signed = sign(cli, pki_services, source, tmp_path / "signed.pdf", "org-h41",
                  "--profile", "attachment", "--number-notation", "12/UBND-VX")
    with signed.open("rb") as handle:
        widget = PdfFileReader(handle).embedded_signatures[0].sig_field
        appearance = widget["/AP"]["/N"]
        fonts = appearance["/Resources"]["/Font"]
        [font] = [f.get_object() for f in fonts.values()]
        assert "LiberationSerif" in str(font["/BaseFont"])
        descendant = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]
        assert b"/F1 10 Tf" in appearance.data


def test_copy_shows_form_organization_and_time(cli, pki_services, tmp_path):
    source = write_simple_pdf(tmp_path / "ban-giay.pdf")
    signed = sign(cli, pki_services, source, tmp_path / "sao-y.pdf", "org-h41",
                  "--profile", "copy", "--copy-form", "SAO LỤC",
                  "--organization", "Văn phòng Ủy ban nhân dân tỉnh Mẫu")
    text = support.pdftotext(signed)
    for expected in ("SAO LỤC", "Văn phòng Ủy ban nhân dân tỉnh Mẫu"):
        assert expected in text
    assert ISO_VN.search(text)
    assert top_right_text_box(signed, support.render(signed)) is not None
    [signature] = support.verify_json(cli, signed, pki_services.trust_roots)
    assert signature["role"] == "copy"


def test_plain_signature_has_no_role(cli, pki_services, tmp_path):
    source = write_simple_pdf(tmp_path / "doc.pdf")
    signed = sign(cli, pki_services, source, tmp_path / "signed.pdf", "leader-an")
    [signature] = support.verify_json(cli, signed, pki_services.trust_roots)
    assert signature["indication"] == "TOTAL-PASSED" and signature["role"] is None


FRAMES = [
    pytest.param(90, (0, 0), 0, id="rotate-90"),
    pytest.param(0, (37, 53), 20, id="offset-crop-box"),
    pytest.param(270, (-40, 25), 15, id="rotate-270-offset-crop-box"),
    pytest.param(180, (12, 7), 5, id="rotate-180-offset-crop-box"),
]


@pytest.mark.parametrize(("rotation", "offset", "margin"), FRAMES)
def test_leader_placement_on_turned_and_cropped_pages(cli, pki_services, tmp_path, draft_pdf,
                                                      signature_file, rotation, offset, margin):
    source = tmp_path / "framed.pdf"
    source.write_bytes(support.reframe(draft_pdf, rotation, offset, margin))
    text = placement.page_text(source.read_bytes(), 0)
    assert text.geometry.rotation == rotation
    signed = sign(cli, pki_services, source, tmp_path / "leader.pdf", "leader-an",
                  "--profile", "leader", "--image", signature_file)

    geometry, name = support.text_box(signed.read_bytes(), "Nguyễn Văn An")
    _, position = support.text_box(signed.read_bytes(), "PHÓ CHỦ TỊCH")
    image = support.render(signed)
    width, height = geometry.visual_size
    assert abs(image.width - width) <= 1 and abs(image.height - height) <= 1
    name_px, position_px = support.to_pixels(geometry, name), support.to_pixels(geometry, position)
    blue = support.pixels_box(image, support.is_blue, support.PixelBox(
        0, position_px.y1 - 40, image.width, name_px.y0 + 40))
    assert blue is not None
    assert position_px.y1 <= blue.y0 and blue.y1 <= name_px.y0
    assert abs((blue.x0 + blue.x1) / 2 - (name_px.x0 + name_px.x1) / 2) < 0.15 * blue.width
    assert blue.width > blue.height, "the signature is drawn upright, as wide as it is written"


@pytest.mark.parametrize(("rotation", "offset", "margin"), FRAMES)
def test_attachment_top_right_on_turned_and_cropped_pages(cli, pki_services, tmp_path,
                                                         draft_pdf, rotation, offset, margin):
    source = tmp_path / "framed.pdf"
    source.write_bytes(support.reframe(draft_pdf, rotation, offset, margin))
    signed = sign(cli, pki_services, source, tmp_path / "attachment.pdf", "org-h41",
                  "--profile", "attachment", "--number-notation", "05/QĐ-UBND")
    image = support.render(signed)
    # the draft's own text stays below 70 pt from the top; the stamp is above it, at the right
    ink = support.pixels_box(image, support.is_dark, support.PixelBox(
        image.width // 2, 0, image.width, 45))
    assert ink is not None and ink.x1 > image.width - 40
    assert ink.width > ink.height, "the text runs left to right for the reader"
    done = subprocess.run(["pdftotext", "-layout", str(signed), "-"], capture_output=True,
                          text=True, check=True)
    assert "05/QĐ-UBND" in done.stdout and ISO_VN.search(done.stdout)


def test_explicit_box_is_in_displayed_coordinates(cli, pki_services, tmp_path, draft_pdf,
                                                  signature_file):
    source = tmp_path / "framed.pdf"
    source.write_bytes(support.reframe(draft_pdf, 90, (30, 40), 10))
    signed = sign(cli, pki_services, source, tmp_path / "boxed.pdf", "leader-an",
                  "--profile", "leader", "--image", signature_file,
                  "--box", "1,100,300,260,370")
    image = support.render(signed)
    blue = support.pixels_box(image, support.is_blue)
    height = image.height
    assert blue is not None
    assert blue.x0 >= 95 and blue.x1 <= 265
    assert height - 375 <= blue.y0 and blue.y1 <= height - 295


def test_existing_empty_field_is_used(cli, pki_services, tmp_path, signature_file):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    from tests.pdf_samples import simple_pdf

    writer = IncrementalPdfFileWriter(__import__("io").BytesIO(simple_pdf()))
    append_signature_field(writer, SigFieldSpec("KyDuyet", box=(300, 500, 460, 570)))
    source = tmp_path / "with-field.pdf"
    with source.open("wb") as handle:
        writer.write(handle)
    signed = sign(cli, pki_services, source, tmp_path / "signed.pdf", "leader-an",
                  "--profile", "leader", "--image", signature_file, "--field", "KyDuyet")
    [signature] = support.verify_json(cli, signed, pki_services.trust_roots)
    assert signature["field"] == "KyDuyet" and signature["role"] == "leader"
    blue = support.pixels_box(support.render(signed), support.is_blue)
    assert blue is not None and blue.x0 >= 295 and blue.x1 <= 465


@pytest.mark.parametrize(("options", "message"), [
    (["--profile", "leader"], "needs the signature image"),
    (["--profile", "attachment"], "--number-notation"),
    (["--profile", "copy"], "--copy-form"),
    (["--profile", "leader", "--image", "{sig}", "--signer-name", "Lê Thị Không Có"],
     "is not in the document"),
    (["--profile", "leader", "--image", "{sig}", "--box", "9,1,1,50,50"], "no page 9"),
    (["--image", "{sig}"], "need --profile"),
])
def test_profile_mistakes_are_one_line_errors(cli, pki_services, tmp_path, draft_pdf,
                                              signature_file, options, message):
    source = tmp_path / "draft.pdf"
    source.write_bytes(draft_pdf)
    options = [str(signature_file) if o == "{sig}" else o for o in options]
    done = cli("sign", source, "-o", tmp_path / "out.pdf", "--p12",
               pki_services.p12("leader-an"), *options)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.pdf").exists()


def test_bad_box_is_refused_by_the_parser(cli, tmp_path):
    done = cli("sign", tmp_path / "x.pdf", "-o", tmp_path / "y.pdf", "--box", "1,2,3")
    assert done.returncode == 2 and "PAGE,X1,Y1,X2,Y2" in done.stderr


@pytest.mark.parametrize("content", [b"not a pdf at all", b"%PDF-1.7\n1 0 obj <<", b""])
def test_unusable_pdf_is_one_line_error(cli, pki_services, tmp_path, signature_file, content):
    source = tmp_path / "bad.pdf"
    source.write_bytes(content)
    for args in (["sign", source, "-o", tmp_path / "out.pdf", "--p12",
                  pki_services.p12("leader-an"), "--profile", "leader",
                  "--image", signature_file],
                 ["prepare", source, "-o", tmp_path / "out.pdf"]):
        done = cli(*args)
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        assert not (tmp_path / "out.pdf").exists()


def test_images_must_be_transparent_png(cli, pki_services, tmp_path, draft_pdf):
    from PIL import Image

    source = tmp_path / "draft.pdf"
    source.write_bytes(draft_pdf)
    opaque, jpeg, junk = tmp_path / "opaque.png", tmp_path / "sig.jpg", tmp_path / "junk.png"
    Image.new("RGB", (300, 120), "white").save(opaque)
    Image.new("RGB", (300, 120), "white").save(jpeg, "JPEG")
    junk.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    for image, message in ((opaque, "transparent background"), (jpeg, "must be a PNG"),
                           (junk, "not a readable image")):
        done = cli("sign", source, "-o", tmp_path / "out.pdf", "--p12",
                   pki_services.p12("leader-an"), "--profile", "leader", "--image", image)
        assert done.returncode == 2 and message in done.stderr, done.stderr


def test_report_names_attachment_and_copy_roles(cli, pki_services, tmp_path):
    """The Vietnamese report names the role of an attachment (đính kèm) and a copy (bản sao)
    signature, as the validator reads it from the signature."""
    folder = tmp_path / "in"
    source = write_simple_pdf(tmp_path / "plain.pdf")
    sign(cli, pki_services, source, folder / "dinh-kem.pdf", "org-h41",
         "--profile", "attachment", "--number-notation", "05/QĐ-UBND")
    sign(cli, pki_services, source, folder / "ban-sao.pdf", "org-h41",
         "--profile", "copy", "--copy-form", "SAO Y")
    out = tmp_path / "reports"
    trust = [arg for root in pki_services.trust_roots for arg in ("--trust", root)]
    done = cli("verify", folder, "--report", out, *trust)
    assert done.returncode == 0, done.stderr

    def role(stem: str) -> str:
        html = (out / f"{stem}.report.html").read_text(encoding="utf-8")
        return re.search(r"<th>Vai trò ký</th><td>([^<]*)</td>", html).group(1)

    assert "đính kèm" in role("dinh-kem")
    assert "bản sao" in role("ban-sao")
