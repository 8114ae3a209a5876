"""Helpers for the Decree 30 tests: rendering pages with poppler (an outside witness), finding
coloured pixels, reading text positions, and re-framing a page with a /Rotate or an offset crop
box while keeping it upright for the reader."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from signing.stamping import placement

DPI = 72  # one pixel per point: visual coordinates and pixels differ only by the y flip


@dataclass(frozen=True)
class PixelBox:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def render(pdf: Path, page: int = 1) -> Image.Image:
    """Page ``page`` (from 1) as displayed (crop box, rotation), rendered by pdftoppm at
    :data:`DPI`."""
    done = subprocess.run(["pdftoppm", "-cropbox", "-png", "-r", str(DPI), "-f", str(page),
                           "-l", str(page), "-singlefile", str(pdf)],
                          capture_output=True, check=True)
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


def is_blue(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return b > 120 and r < 110 and g < 130 and b - r > 60


def is_red(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return r > 150 and g < 110 and b < 110


def is_dark(rgb: tuple[int, int, int]) -> bool:
    return max(rgb) < 110


def pixels_box(image: Image.Image, test, within: PixelBox | None = None) -> PixelBox | None:
    """Bounding box of the pixels satisfying ``test`` (inside ``within``), or None."""
    region = within or PixelBox(0, 0, image.width, image.height)
    data = image.load()
    xs, ys = [], []
    for y in range(region.y0, region.y1):
        for x in range(region.x0, region.x1):
            if test(data[x, y]):
                xs.append(x)
                ys.append(y)
    if not xs:
        return None
    return PixelBox(min(xs), min(ys), max(xs) + 1, max(ys) + 1)


def to_pixels(geometry: placement.PageGeometry, visual: placement.Rect) -> PixelBox:
    """A visual-space rectangle (points, origin bottom-left) as pixels (origin top-left)."""
    height = geometry.visual_size[1]
    scale = DPI / 72
    return PixelBox(round(visual[0] * scale), round((height - visual[3]) * scale),
                    round(visual[2] * scale), round((height - visual[1]) * scale))


def text_box(pdf: bytes, needle: str, page_index: int = 0) -> tuple[placement.PageGeometry,
                                                                     placement.Rect]:
    text = placement.page_text(pdf, page_index)
    found = text.find(needle)
    assert found is not None, f"{needle!r} not on page {page_index + 1}"
    return text.geometry, found[1]


def field_rect(pdf: bytes, field_name: str) -> tuple[int, placement.Rect]:
    """(page index, user-space rect) of a form field's widget."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from signing.stamping.role_signing import widget_location

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if str(field.get("/T")) == field_name:
            return widget_location(reader, field)
    raise AssertionError(f"no field {field_name!r}")


def reframe(pdf: bytes, rotation: int, crop_offset: tuple[float, float] = (0, 0),
            margin: float = 0) -> bytes:
    """A one-page PDF showing ``pdf``'s first page upright to the reader, but stored in a page
    with ``/Rotate rotation`` and a crop box offset by ``crop_offset`` inside a media box larger
    by ``margin`` on every side: what scanners and imposition tools produce."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import PdfFileWriter

    source = PdfFileReader(io.BytesIO(pdf))
    x0, y0, x1, y1 = (float(v) for v in source.root["/Pages"]["/Kids"][0]["/MediaBox"])
    width, height = x1 - x0, y1 - y0
    if rotation in (90, 270):
        width, height = height, width  # the user-space crop box of a turned page
    cx0, cy0 = crop_offset
    crop = (cx0, cy0, cx0 + width, cy0 + height)
    geometry = placement.PageGeometry(0, crop, rotation)
    a, b, c, d, e, f = geometry.user_to_visual
    det = a * d - b * c
    # visual -> user: the inverse of user_to_visual
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    ie, if_ = -(ia * e + ic * f), -(ib * e + id_ * f)

    writer = PdfFileWriter()
    xobject = writer.import_page_as_xobject(source, 0)
    content = b"q %g %g %g %g %g %g cm /Src Do Q" % (ia, ib, ic, id_, ie, if_)
    page = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"),
        pdf_name("/MediaBox"): generic.ArrayObject(generic.FloatObject(v) for v in (
            cx0 - margin, cy0 - margin, cx0 + width + margin, cy0 + height + margin)),
        pdf_name("/CropBox"): generic.ArrayObject(generic.FloatObject(v) for v in crop),
        pdf_name("/Rotate"): generic.NumberObject(rotation),
        pdf_name("/Resources"): generic.DictionaryObject({
            pdf_name("/XObject"): generic.DictionaryObject({pdf_name("/Src"): xobject})}),
        pdf_name("/Contents"): writer.add_object(generic.StreamObject(stream_data=content)),
    })
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def verify_json(cli, pdf: Path, trust: list[Path]) -> list[dict]:
    args = ["verify", str(pdf), "--json"]
    for root in trust:
        args += ["--trust", str(root)]
    done = cli(*args)
    assert done.stdout, done.stderr
    return json.loads(done.stdout)["files"][0]["signatures"]


def pdftotext(pdf: Path, page: int = 1) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout
