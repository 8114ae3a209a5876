"""Decree 30/2020 (Appendix I) signature appearances and the role a signature is made in.

Profiles (hồ sơ hiển thị chữ ký):

- ``leader`` (người có thẩm quyền): the handwritten-signature image, blue, no text;
- ``organization`` (cơ quan, tổ chức): the seal image at real size; the organization's name is
  the signature's ``/Name`` and the signing time its ``/M`` and CMS signing time;
- ``attachment`` (phụ lục, tài liệu kèm theo): no image; the main document's number/notation and
  the signing time (ISO 8601, +07:00), Liberation Serif 10 pt black;
- ``copy`` (bản sao điện tử): as attachment, with the form of copy and the copying organization.

The role is recorded inside the signature (see :mod:`signing.validation.roles`).

The appearance stream is drawn upright as the reader sees the page and carries a ``/Matrix``
undoing the page's ``/Rotate``; pyHanko's own stamps assume an unrotated page.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory
from pyhanko.pdf_utils.writer import BasePdfFileWriter, init_xobject_dictionary
from pyhanko.stamp import BaseStamp, TextStampStyle

from decree30 import vietnam_time
from signing.errors import SigningError
from signing.validation.results import SignatureRole

#: Liberation 2 (Debian fonts-liberation2): Times New Roman metrics and the Vietnamese letters
SERIF_REGULAR = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
SERIF_ITALIC = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf"
TEXT_SIZE = 10
#: how pyHanko hands the signing time to a TextStampStyle; parsed back in :class:`Decree30Stamp`
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
#: sample of the shown time, to size boxes before the time is known
_TIME_SAMPLE = "2026-12-31T23:59:59+07:00"


class CopyForm(StrEnum):
    """Hình thức sao (Decree 30, Art. 25)."""

    SAO_Y = "SAO Y"
    SAO_LUC = "SAO LỤC"
    TRICH_SAO = "TRÍCH SAO"


def text_width(text: str, font_path: str = SERIF_REGULAR, size: float = TEXT_SIZE) -> float:
    """Advance width of ``text`` in points (no kerning: boxes get a small margin anyway)."""
    font = _font_metrics(font_path)
    cmap, hmtx, units = font
    missing = [char for char in text if ord(char) not in cmap]
    if missing:
        raise SigningError(f"the font has no glyph for {''.join(missing)!r}")
    return sum(hmtx[cmap[ord(char)]][0] for char in text) * size / units


def text_lines(role: SignatureRole, *, number_notation: str | None = None,
               copy_form: CopyForm | None = None, organization: str | None = None,
               ) -> tuple[str, ...]:
    """The lines an attachment or copy signature shows; ``{time}`` stands for the signing
    time. Leader and organization signatures show no text."""
    if role is SignatureRole.ATTACHMENT:
        if not number_notation:
            raise SigningError("an attachment signature needs --number-notation, e.g. 05/QĐ-UBND")
        return (number_notation, "{time}")
    if role is SignatureRole.COPY:
        if copy_form is None or not organization:
            raise SigningError("a copy signature needs --copy-form and the copying organization")
        return (copy_form.value, organization, "{time}")
    return ()


def text_block_size(lines: tuple[str, ...], size: float = TEXT_SIZE) -> tuple[float, float]:
    widest = max(text_width(line.replace("{time}", _TIME_SAMPLE), size=size) for line in lines)
    return widest + 4, len(lines) * size * 1.2 + 4


#: larger images are refused (a real seal or signature at 600 dpi is far below this)
MAX_IMAGE_PIXELS = 4000 * 4000


#: PNGs that passed :func:`check_png`: a hub checks the same few signature and seal images for
#: every document, and decoding them is most of building a signing profile
_GOOD_PNGS: dict[bytes, None] = {}
_GOOD_PNGS_KEPT = 16


def check_png(png: bytes, what: str) -> None:
    """Refuse what is not a PNG with a transparent background (Decree 30 Appendix I), or is
    absurdly large (decompression bombs)."""
    if png in _GOOD_PNGS:
        return
    _check_png(png, what)
    if len(_GOOD_PNGS) >= _GOOD_PNGS_KEPT:
        _GOOD_PNGS.clear()
    _GOOD_PNGS[png] = None


def _check_png(png: bytes, what: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise SigningError(f"the {what} must be a PNG image, not {image.format}")
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise SigningError(f"the {what} is too large ({image.width}x{image.height} "
                                   "pixels)")
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            if not transparent:
                raise SigningError(f"the {what} needs a transparent background (PNG with "
                                   "alpha channel)")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise SigningError(f"the {what} is not a readable image") from None


@functools.lru_cache(maxsize=16)  # a hub places the same few images on every document
def image_size_pt(png: bytes) -> tuple[float, float]:
    """Real size of an image in points, from the resolution recorded in it (default 300 dpi)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        dpi = image.info.get("dpi", (300, 300))
        return image.width / float(dpi[0]) * 72, image.height / float(dpi[1]) * 72


@dataclass(frozen=True)
class Decree30StampStyle(TextStampStyle):
    """A pyHanko stamp style drawing an image and/or lines of text upright on a page turned by
    ``rotation`` degrees. ``{time}`` in a line becomes the signing time in Vietnam time."""

    image_png: bytes | None = None
    lines: tuple[str, ...] = ()
    rotation: int = 0
    font_size: int = TEXT_SIZE
    border_width: int = 0
    timestamp_format: str = _TS_FORMAT
    stamp_text: str = "%(ts)s"

    # pyHanko types the result as its TextStamp; it draws any BaseStamp alike
    def create_stamp(  # type: ignore[override]
            self, writer: BasePdfFileWriter, box: layout.BoxConstraints,
            text_params: dict) -> Decree30Stamp:
        if self.rotation in (90, 270):
            box = layout.BoxConstraints(width=box.height, height=box.width)
        return Decree30Stamp(writer, self, box, text_params)


class Decree30Stamp(BaseStamp):
    def __init__(self, writer: BasePdfFileWriter, style: Decree30StampStyle,
                 box: layout.BoxConstraints, text_params: dict) -> None:
        super().__init__(writer=writer, style=style, box=box)
        self.text_params = text_params

    def render(self) -> bytes:
        style: Decree30StampStyle = self.style
        commands = [b"q"]
        if style.image_png is not None:
            commands.append(self._image_commands(style.image_png))
        if style.lines:
            moment = datetime.strptime(self.text_params["ts"], _TS_FORMAT)
            lines = [line.replace("{time}", vietnam_time.iso(moment)) for line in style.lines]
            commands.append(text_commands(self, lines, SERIF_REGULAR, style.font_size,
                                          self.box.width, self.box.height))
        commands.append(b"Q")
        return b" ".join(commands)

    def _image_commands(self, png: bytes) -> bytes:
        from signing.stamping.images import KeptImage

        image = KeptImage(png, writer=self.writer)
        rendered = image.render()
        self.import_resources(image.resources)
        fit = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ).fit(self.box, image.box.width, image.box.height)
        return b"q %s %s Q" % (fit.as_cm(), rendered)

    def as_form_xobject(self) -> generic.StreamObject:
        xobject = init_xobject_dictionary(
            command_stream=self.render(), box_width=self.box.width,
            box_height=self.box.height, resources=self._resources.as_pdf_object())
        xobject["/Matrix"] = generic.ArrayObject(
            generic.NumberObject(v) for v in rotation_matrix(self.style.rotation))
        return xobject


def rotation_matrix(rotation: int) -> tuple[int, ...]:
    """Appearance ``/Matrix`` for content drawn upright on a page with ``/Rotate rotation``."""
    return {0: (1, 0, 0, 1, 0, 0), 90: (0, 1, -1, 0, 0, 0),
            180: (-1, 0, 0, -1, 0, 0), 270: (0, -1, 1, 0, 0, 0)}[rotation]


def text_commands(content: PdfContent, lines: list[str], font_path: str, size: int,
                  width: float, height: float, *, centred: bool = False,
                  white_background: bool = False) -> bytes:
    """Content-stream operators drawing ``lines`` in black, vertically centred in a
    ``width`` × ``height`` box, the font embedded (subset) through pyHanko's OpenType engine
    and its resources added to ``content``."""
    from pyhanko.pdf_utils.text import TextBox, TextBoxStyle

    box_style = TextBoxStyle(
        font=_EmbeddedFontFactory(font_path, size, "".join(lines)), font_size=size,
        text_color=(0, 0, 0),
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=(layout.AxisAlignment.ALIGN_MID if centred
                     else layout.AxisAlignment.ALIGN_MIN),
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(2),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )
    box = TextBox(box_style, writer=content.writer, resources=content.resources,
                  box=layout.BoxConstraints(width=width, height=height))
    box.content = "\n".join(lines)
    # pyHanko's text box puts the last baseline on its lower edge; lift the text by the
    # descent so that descenders stay inside and the baseline matches the printed line's
    drawn = b"q 1 0 0 1 0 %g cm %s Q" % (round(size * 0.2, 2), box.render())
    background = b"q 1 1 1 rg 0 0 %g %g re f Q " % (width, height) if white_background else b""
    return background + drawn


@dataclass(frozen=True)
class _EmbeddedFontFactory(FontEngineFactory):
    """pyHanko font-engine factory embedding a subset of a TrueType font rescaled to 1000 units
    per em (see :mod:`signing.stamping.fonts`), prepared for ``text``."""

    font_file: str
    font_size: int
    text: str = ""

    def create_font_engine(self, writer: BasePdfFileWriter,
                           obj_stream: generic.StreamObject | None = None) -> FontEngine:
        from signing.stamping.font_engine import font_engine
        from signing.stamping.fonts import font_bytes

        return font_engine(writer, font_bytes(self.font_file, self.text), self.font_size,
                           obj_stream=obj_stream)


_METRICS: dict[str, tuple[dict[int, str], Any, int]] = {}


def _font_metrics(font_path: str) -> tuple[dict[int, str], Any, int]:
    if font_path not in _METRICS:
        from fontTools.ttLib import TTFont

        font = TTFont(font_path, lazy=True)
        _METRICS[font_path] = (font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm)
    return _METRICS[font_path]
