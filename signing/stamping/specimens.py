"""Specimen assets (MẪU / SPECIMEN) for tests and the README walk-through: a draft Quyết định
laid out as Decree 30/2020 Appendix I shows it, a blue handwritten-style signature and a red
round seal, both PNG with transparent background. Everything is generated, nothing is a real
person's signature or a real organization's seal.

The draft is HTML + CSS rendered by WeasyPrint with Liberation Serif embedded (metric-compatible
with Times New Roman, carries the Vietnamese letters).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

SPECIMEN_MARK = "MẪU / SPECIMEN"
LEADER_NAME = "Nguyễn Văn An"
ORGANIZATION_NAME = "Ủy ban nhân dân tỉnh Mẫu"
#: Liberation 2 (Debian fonts-liberation2): version 1 lacks the Vietnamese letters
SANS_BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"
#: resolution written into the PNGs; with it the seal's pixel size gives its real size
PNG_DPI = 300
SEAL_DIAMETER_MM = 36
SIGNATURE_BLUE = (16, 46, 170)
SEAL_RED = (215, 25, 32)

_DRAFT_HTML = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
body {{ font-family: "Liberation Serif"; font-size: 13pt; line-height: 1.25; }}
.mark {{ text-align: center; color: #b00; font-size: 9pt; border: 1px solid #b00;
         padding: 1mm; margin-bottom: 3mm; }}
table {{ width: 100%; border-collapse: collapse; }}
table.head {{ font-size: 12pt; margin-left: -12mm; width: calc(100% + 12mm); }}
td {{ vertical-align: top; text-align: center; padding: 0; }}
.org {{ width: 38%; }} .motto {{ width: 62%; }}
.b {{ font-weight: bold; }}
.rule {{ display: inline-block; border-top: 1px solid #000; width: 40mm; margin-top: 0.5mm; }}
.short {{ width: 20mm; }}
.no {{ padding-top: 3mm; font-size: 13pt; white-space: pre; }}
.date {{ padding-top: 3mm; font-size: 13pt; font-style: italic; white-space: pre; }}
h1 {{ font-size: 14pt; text-align: center; margin: 10mm 0 0; }}
.subject {{ text-align: center; font-weight: bold; margin: 0; }}
.authority {{ text-align: center; font-weight: bold; margin: 6mm 0 3mm; }}
p.body {{ text-indent: 10mm; text-align: justify; margin: 1.5mm 0; }}
.decide {{ text-align: center; font-weight: bold; margin: 3mm 0; }}
.recipients {{ width: 45%; text-align: left; font-size: 11pt; }}
.signer {{ width: 55%; }}
.gap {{ height: 30mm; }}
</style></head><body>
<div class="mark">{mark} — văn bản mẫu để thử nghiệm, không có giá trị pháp lý</div>
<table class="head"><tr>
 <td class="org">ỦY BAN NHÂN DÂN<br><span class="b">TỈNH MẪU</span><br>
  <span class="rule short"></span></td>
 <td class="motto"><span class="b">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</span><br>
  <span class="b">Độc lập - Tự do - Hạnh phúc</span><br><span class="rule"></span></td>
</tr><tr>
 <td class="no">{number_line}</td>
 <td class="date">{date_line}</td>
</tr></table>
<h1>QUYẾT ĐỊNH</h1>
<p class="subject">Về việc ban hành Quy chế mẫu thử nghiệm ký số văn bản điện tử</p>
<p class="authority">CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH MẪU</p>
<p class="body"><i>Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về
công tác văn thư;</i></p>
<p class="body"><i>Theo đề nghị của Chánh Văn phòng Ủy ban nhân dân tỉnh.</i></p>
<p class="decide">QUYẾT ĐỊNH:</p>
<p class="body"><b>Điều 1.</b> Ban hành kèm theo Quyết định này Quy chế mẫu thử nghiệm ký số
văn bản điện tử (đây là văn bản mẫu, chữ ký và con dấu đều là mẫu).</p>
<p class="body"><b>Điều 2.</b> Quyết định này có hiệu lực kể từ ngày ký.</p>
<p class="body"><b>Điều 3.</b> Chánh Văn phòng, Thủ trưởng các sở, ngành và các cơ quan, đơn vị
có liên quan chịu trách nhiệm thi hành Quyết định này./.</p>
<table style="margin-top: 6mm"><tr>
 <td class="recipients"><b><i>Nơi nhận:</i></b><br>- Như Điều 3;<br>- Lưu: VT.</td>
 <td class="signer"><span class="b">KT. CHỦ TỊCH<br>PHÓ CHỦ TỊCH</span>
  <div class="gap"></div><span class="b">{leader}</span></td>
</tr></table>
</body></html>
"""


#: the number and place/date lines of the specimen draft, left blank for issuance
NUMBER_LINE = "Số: ..../QĐ-UBND"
DATE_LINE = "...., ngày ... tháng ... năm ...."


def draft_decision_pdf(number_line: str = NUMBER_LINE, date_line: str = DATE_LINE) -> bytes:
    """The draft Quyết định (unsigned), its number and date lines left blank as given
    (spaces are kept: a clerk's "ngày      tháng" stays as typed)."""
    from html import escape

    from weasyprint import HTML

    html = _DRAFT_HTML.format(mark=SPECIMEN_MARK, leader=LEADER_NAME,
                              number_line=escape(number_line), date_line=escape(date_line))
    return HTML(string=html).write_pdf()


def signature_png() -> bytes:
    """A blue handwritten-style signature (a generated scribble), transparent background."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 600, 260
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = (*SIGNATURE_BLUE, 255)
    # a flowing stroke: a loop for the initial, then a decaying wave, then an underline flourish
    points = []
    for step in range(0, 361, 4):
        angle = math.radians(step)
        points.append((110 + 55 * math.cos(angle) * (1 - step / 900),
                       110 - 70 * math.sin(angle)))
    for step in range(0, 101):
        x = 150 + step * 3.6
        points.append((x, 120 - 45 * math.sin(step / 6) * math.exp(-step / 70)))
    draw.line(points, fill=colour, width=9, joint="curve")
    draw.line([(60, 200), (250, 178), (470, 168), (560, 150)], fill=colour, width=7,
              joint="curve")
    font = ImageFont.truetype(SANS_BOLD, 22)
    draw.text((width - 10, height - 8), SPECIMEN_MARK, font=font, fill=colour, anchor="rd")
    return _png(image, "Chữ ký mẫu (SPECIMEN), không phải chữ ký thật")


def seal_png(organization: str = ORGANIZATION_NAME) -> bytes:
    """A red round seal, ``SEAL_DIAMETER_MM`` across at ``PNG_DPI``: organization name around
    the ring, a star and ``MẪU`` in the middle; transparent background."""
    from PIL import Image, ImageDraw, ImageFont

    size = round(SEAL_DIAMETER_MM / 25.4 * PNG_DPI)
    centre = size / 2
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = (*SEAL_RED, 255)
    draw.ellipse((6, 6, size - 6, size - 6), outline=colour, width=12)
    inner = size * 0.30
    draw.ellipse((centre - inner, centre - inner, centre + inner, centre + inner),
                 outline=colour, width=6)
    _star(draw, centre, centre - inner * 0.35, inner * 0.38, colour)
    small = ImageFont.truetype(SANS_BOLD, round(size * 0.07))
    draw.text((centre, centre + inner * 0.45), "MẪU", font=small, fill=colour, anchor="mm")
    _ring_text(image, organization.upper(), centre, size * 0.385,
               ImageFont.truetype(SANS_BOLD, round(size * 0.075)), colour)
    return _png(image, f"Con dấu mẫu (SPECIMEN) của {organization}, không phải con dấu thật")


def write_specimens(directory: Path) -> dict[str, Path]:
    """Write the three specimens into ``directory``; returns their paths by name."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "draft": (directory / "du-thao-quyet-dinh-MAU.pdf", draft_decision_pdf),
        "signature": (directory / "chu-ky-MAU.png", signature_png),
        "seal": (directory / "con-dau-MAU.png", seal_png),
    }
    for path, make in files.values():
        path.write_bytes(make())
    return {name: path for name, (path, _) in files.items()}


def _star(draw, cx: float, cy: float, radius: float, colour) -> None:
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.4
        angle = math.radians(-90 + k * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=colour)


def _ring_text(image, text: str, cx: float, radius: float, font, colour) -> None:
    """Set ``text`` clockwise along the upper part of a circle, one rotated letter at a time."""
    from PIL import Image, ImageDraw

    advances = [font.getlength(char) for char in text]
    total_angle = min(300.0, math.degrees(sum(advances) / radius))
    angle = -90 - total_angle / 2  # start left of the top, centred on it
    for char, advance in zip(text, advances, strict=True):
        step = math.degrees(advance / radius)
        middle = math.radians(angle + step / 2)
        box = round(font.size * 2)
        glyph = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((box / 2, box / 2), char, font=font, fill=colour,
                                   anchor="mm")
        glyph = glyph.rotate(-(angle + step / 2 + 90), resample=Image.BICUBIC)
        x = cx + radius * math.cos(middle) - box / 2
        y = cx + radius * math.sin(middle) - box / 2
        image.alpha_composite(glyph, (round(x), round(y)))
        angle += step


def _png(image, description: str) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("Description", description)
    info.add_itxt("Title", SPECIMEN_MARK)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(PNG_DPI, PNG_DPI), pnginfo=info)
    return out.getvalue()
