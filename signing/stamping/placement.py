"""Where things go on a page: finding text (the signer's printed name, "Số:", "ngày ... tháng ...
năm") and turning what a reader sees into PDF user-space rectangles.

All reasoning happens in *visual* space — the page as displayed: origin at the bottom-left of the
crop box, after the page's ``/Rotate`` — because "between the position line and the name" or
"top right of the first page" are statements about what a reader sees. :class:`PageGeometry`
converts visual rectangles back to user space for annotation ``/Rect`` entries.

Text is located with pdfminer.six: it reports every glyph's box (pypdf's text visitor only gives
the start of each text-showing operator) and groups glyphs into lines, which is what matching a
name or a date line needs.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from signing.errors import BadInputError, SigningError

if TYPE_CHECKING:
    from pdfminer.pdfpage import PDFPage

Rect = tuple[float, float, float, float]
_Item = TypeVar("_Item")
_Answer = TypeVar("_Answer")

#: points between two pieces of text on one baseline below which they are one row
ROW_GAP = 45.0


class PlacementError(SigningError):
    """The place for a signature or a field could not be found or is not usable."""


@dataclass(frozen=True)
class PageGeometry:
    """One page's crop box (user space) and rotation (clockwise degrees, as ``/Rotate``)."""

    index: int
    crop_box: Rect
    rotation: int

    @property
    def visual_size(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.crop_box
        width, height = x1 - x0, y1 - y0
        return (height, width) if self.rotation in (90, 270) else (width, height)

    @property
    def user_to_visual(self) -> tuple[float, float, float, float, float, float]:
        """The PDF matrix ``[a b c d e f]`` taking user space to visual space."""
        x0, y0, x1, y1 = self.crop_box
        return {
            0: (1, 0, 0, 1, -x0, -y0),
            90: (0, -1, 1, 0, -y0, x1),
            180: (-1, 0, 0, -1, x1, y1),
            270: (0, 1, -1, 0, y1, -x0),
        }[self.rotation]

    def to_user(self, visual: Rect) -> Rect:
        """A visual-space rectangle as a normalised user-space rectangle."""
        a, b, c, d, e, f = self.user_to_visual
        det = a * d - b * c
        corners = []
        for vx, vy in ((visual[0], visual[1]), (visual[2], visual[3])):
            # invert x' = a x + c y + e, y' = b x + d y + f
            x = (d * (vx - e) - c * (vy - f)) / det
            y = (a * (vy - f) - b * (vx - e)) / det
            corners.append((x, y))
        (ux0, uy0), (ux1, uy1) = corners
        return (min(ux0, ux1), min(uy0, uy1), max(ux0, ux1), max(uy0, uy1))

    def to_visual(self, user: Rect) -> Rect:
        a, b, c, d, e, f = self.user_to_visual
        points = [(a * x + c * y + e, b * x + d * y + f)
                  for x, y in ((user[0], user[1]), (user[2], user[3]))]
        (vx0, vy0), (vx1, vy1) = points
        return (min(vx0, vx1), min(vy0, vy1), max(vx0, vx1), max(vy0, vy1))


@dataclass(frozen=True)
class TextLine:
    """A line of text as the reader sees it: each glyph's text and visual box."""

    glyphs: tuple[tuple[str, Rect], ...]

    # computed once per line (a frozen dataclass keeps a cached_property in its __dict__,
    # outside the fields that equality compares): rows, finds and searches ask again and again

    @functools.cached_property
    def text(self) -> str:
        return "".join(text for text, _ in self.glyphs)

    @functools.cached_property
    def box(self) -> Rect:
        return _union([box for _, box in self.glyphs])

    @functools.cached_property
    def _folded(self) -> tuple[str, list[int]]:
        return _fold_with_map(self.glyphs)

    def find(self, needle: str) -> Rect | None:
        """Visual box of the first occurrence of ``needle`` (case-, space- and
        Unicode-normalisation-insensitive), or ``None``."""
        folded, glyph_of = self._folded
        wanted = _fold(needle)
        start = folded.find(wanted)
        if start < 0 or not wanted:
            return None
        return self._span(glyph_of[start], glyph_of[start + len(wanted) - 1])

    def search(self, pattern: re.Pattern[str]) -> Rect | None:
        """Visual box of the first match of ``pattern`` in the folded text (see
        :func:`folded`: patterns are written for it), or ``None``."""
        text, glyph_of = self._folded
        match = pattern.search(text)
        if match is None or match.end() == match.start():
            return None
        return self._span(glyph_of[match.start()], glyph_of[match.end() - 1])

    def _span(self, first: int, last: int) -> Rect:
        """The box of glyphs ``first`` to ``last`` (inclusive)."""
        return _union([box for _, box in self.glyphs[first:last + 1]])


@dataclass(frozen=True)
class PageText:
    geometry: PageGeometry
    lines: tuple[TextLine, ...]

    def find(self, needle: str) -> tuple[TextLine, Rect] | None:
        for line in self.lines:
            box = line.find(needle)
            if box is not None:
                return line, box
        return None

    def search(self, pattern: re.Pattern[str]) -> tuple[TextLine, Rect] | None:
        """The first row (see :meth:`rows`), from the top, whose folded text matches
        ``pattern``, with the box of the match."""
        for row in self.rows():
            box = row.search(pattern)
            if box is not None:
                return row, box
        return None

    def rows(self, max_gap: float = ROW_GAP) -> tuple[TextLine, ...]:
        """The lines joined into rows: pieces of text on one baseline less than ``max_gap``
        points apart are one row, with a space between them. Blanks typed for a day or a
        number ("ngày      tháng") often come out of a word processor as a gap with no space
        glyph, which splits what a reader sees as one line."""
        if max_gap == ROW_GAP:
            return self._rows
        return _rows(self.lines, max_gap)

    @functools.cached_property
    def _rows(self) -> tuple[TextLine, ...]:
        # the number and the date line are both looked for in the same rows
        return _rows(self.lines, ROW_GAP)

    def line_above(self, box: Rect) -> TextLine | None:
        """The nearest line wholly above ``box`` that overlaps it horizontally."""
        candidates = [line for line in self.lines
                      if line.box[1] >= box[3] - 0.5 and _overlap(line.box, box) > 0]
        return min(candidates, key=lambda line: line.box[1], default=None)


def page_geometry(pdf: bytes, page_index: int) -> PageGeometry:
    """The page's crop box and rotation; the same document's pages are read once (the last few
    documents' answers are kept, by content hash), and not again when their text was read."""
    digest = _digest(pdf)
    text = _page_text.known(digest, page_index)
    if text is not None:
        return text.geometry
    return _page_geometry(digest, pdf, page_index)


def page_text(pdf: bytes, page_index: int) -> PageText:
    """The text lines of a page in visual space (pdfminer.six with a crop-box-relative CTM).
    A page is parsed once per document: preparing, placing and filling ask for the same pages
    (the last few documents' answers are kept, by content hash)."""
    return _page_text(_digest(pdf), pdf, page_index)


def carry_over(source: bytes, derived: bytes) -> None:
    """Keep what was read of ``source``'s pages (text, geometry) for ``derived`` too:
    ``derived`` is ``source`` with an incremental update of ours that adds or fills form fields
    and signatures, which changes no page's contents, resources, boxes or rotation. The next
    signing step then does not parse the document again to find what it already knows."""
    source_digest, derived_digest = _digest(source), _digest(derived)
    _page_text.carry_over(source_digest, derived_digest)
    _page_geometry.carry_over(source_digest, derived_digest)


def _digest(pdf: bytes) -> bytes:
    return hashlib.sha256(pdf).digest()


class _ByDigest(Generic[_Answer]):
    """The answers of ``function(pdf, page_index)`` for the last ``size`` (digest, page)
    pairs; the PDF itself is not kept. Exceptions are not remembered."""

    def __init__(self, function: Callable[[bytes, int], _Answer], size: int) -> None:
        self._function, self._size = function, size
        self._answers: OrderedDict[tuple[bytes, int], _Answer] = OrderedDict()
        self._lock = threading.Lock()  # the hub signs on several threads

    def known(self, digest: bytes, page_index: int) -> _Answer | None:
        """The answer kept for (``digest``, ``page_index``), if it is."""
        with self._lock:
            return self._answers.get((digest, page_index))

    def __call__(self, digest: bytes, pdf: bytes, page_index: int) -> _Answer:
        key = (digest, page_index)
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = self._function(pdf, page_index)
        self._keep(key, answer)
        return answer

    def carry_over(self, source: bytes, derived: bytes) -> None:
        """The answers for ``source``'s pages are ``derived``'s too (see :func:`carry_over`)."""
        with self._lock:
            known = [(page, answer) for (digest, page), answer in self._answers.items()
                     if digest == source]
        for page, answer in known:
            self._keep((derived, page), answer)

    def _keep(self, key: tuple[bytes, int], answer: _Answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            if len(self._answers) > self._size:
                self._answers.popitem(last=False)


def _read_page_geometry(pdf: bytes, page_index: int) -> PageGeometry:
    page = _pdfminer_page(pdf, page_index)
    return PageGeometry(page_index, _rect(page.cropbox), page.rotate % 360)


def _read_page_text(pdf: bytes, page_index: int) -> PageText:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar, LTTextLine
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager

    page = _pdfminer_page(pdf, page_index)
    geometry = PageGeometry(page_index, _rect(page.cropbox), page.rotate % 360)
    contents, page_resources = _fingerprint(page.contents), _fingerprint(page.resources)
    fingerprint = None if contents is None or page_resources is None \
        else (geometry, contents, page_resources)
    known = None if fingerprint is None else _TEXT_BY_PAGE.get(fingerprint)
    if known is not None:
        return known
    resources = PDFResourceManager()
    device = PDFPageAggregator(resources, laparams=LAParams(
        char_margin=1.0, line_margin=0.3, all_texts=True))  # all_texts: text in form XObjects too
    interpreter = PDFPageInterpreter(resources, device)
    try:
        device.begin_page(page, geometry.user_to_visual)
        interpreter.render_contents(page.resources, page.contents, ctm=geometry.user_to_visual)
        device.end_page(page)
    except _pdfminer_errors() as exc:
        raise BadInputError(f"cannot read the text of page {page_index + 1}: {exc}") from None
    layout = device.get_result()

    lines: list[TextLine] = []
    for line in _walk(layout, LTTextLine):
        chars = [c for c in line if isinstance(c, LTChar)]
        if chars:
            lines.append(TextLine(tuple((c.get_text(), _rect(c.bbox)) for c in chars)))
    lines.sort(key=lambda line: (-line.box[3], line.box[0]))
    text = PageText(geometry, tuple(lines))
    if fingerprint is not None:
        if len(_TEXT_BY_PAGE) >= 64:
            _TEXT_BY_PAGE.clear()
        _TEXT_BY_PAGE[fingerprint] = text
    return text


#: page text by what it is read from (geometry, content streams, resources): a draft and the
#: same draft with fields added or signed have the same page, read once
_TEXT_BY_PAGE: dict[tuple[PageGeometry, bytes, bytes], PageText] = {}


def _fingerprint(value: object) -> bytes | None:
    """SHA-256 of a pdfminer object with every reference resolved and every stream's data
    included: equal fingerprints, equal input to the text extraction. None (nothing is
    remembered) for what cannot be read, or is nested too deep or too large to be worth it."""
    from pdfminer.pdftypes import PDFObjRef, PDFStream

    digest = hashlib.sha256()
    budget = [20_000]

    def feed(item: Any, level: int) -> None:  # Any: any pdfminer object
        budget[0] -= 1
        if level > 32 or budget[0] < 0:
            raise _NotRemembered
        if isinstance(item, PDFObjRef):
            item = item.resolve()
        if isinstance(item, PDFStream):
            feed(item.attrs, level + 1)
            raw = item.rawdata is not None
            data = item.rawdata if item.rawdata is not None else item.get_data()
            digest.update((b"R" if raw else b"S") + len(data).to_bytes(8, "big") + data)
        elif isinstance(item, dict):
            digest.update(b"D%d" % len(item))
            for key in sorted(item, key=str):
                feed(str(key), level + 1)
                feed(item[key], level + 1)
        elif isinstance(item, list | tuple):
            digest.update(b"L%d" % len(item))
            for element in item:
                feed(element, level + 1)
        else:
            text = repr(item).encode("utf-8", "surrogatepass")
            digest.update(type(item).__name__.encode() + len(text).to_bytes(8, "big") + text)

    not_remembered: tuple[type[Exception], ...] = (_NotRemembered, *_pdfminer_errors())
    try:
        feed(value, 0)
    except not_remembered:
        return None
    return digest.digest()


class _NotRemembered(Exception):
    pass


_page_geometry: _ByDigest[PageGeometry] = _ByDigest(_read_page_geometry, 64)
_page_text: _ByDigest[PageText] = _ByDigest(_read_page_text, 16)

def parse_box(spec: str) -> tuple[int, Rect]:
    """``PAGE,X1,Y1,X2,Y2`` (page from 1, coordinates in points in visual space: origin at the
    bottom-left of the page as displayed) → (page index, rectangle)."""
    parts = spec.split(",")
    try:
        page, *coords = int(parts[0]), *(float(p) for p in parts[1:])
    except ValueError:
        raise PlacementError(f"bad box {spec!r}: expected PAGE,X1,Y1,X2,Y2 numbers") from None
    if len(coords) != 4 or page < 1:
        raise PlacementError(f"bad box {spec!r}: expected PAGE,X1,Y1,X2,Y2 with PAGE >= 1")
    x1, y1, x2, y2 = coords
    if x1 == x2 or y1 == y2:
        raise PlacementError(f"bad box {spec!r}: the box is empty")
    return page - 1, (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def leader_box(text: PageText, signer_name: str, image_aspect: float) -> Rect:
    """Visual box for the leader's signature image: centred between the position line (the line
    just above the printed name) and the name, as tall as the gap allows."""
    found = text.find(signer_name)
    if found is None:
        raise PlacementError(f"the signer's printed name {signer_name!r} is not on page "
                             f"{text.geometry.index + 1}")
    _, name_box = found
    position = text.line_above(name_box)
    if position is None:
        raise PlacementError(f"no position line above the name {signer_name!r}")
    gap_bottom, gap_top = name_box[3], position.box[1]
    gap = gap_top - gap_bottom
    if gap < 20:
        raise PlacementError(f"no room for a signature between the position line and "
                             f"{signer_name!r} ({gap:.0f} pt)")
    height = min(gap * 0.9, 75)  # about 26 mm: a handwritten signature's usual height
    width = height * image_aspect
    centre_x = (name_box[0] + name_box[2]) / 2
    centre_y = (gap_bottom + gap_top) / 2
    return (centre_x - width / 2, centre_y - height / 2,
            centre_x + width / 2, centre_y + height / 2)


def seal_box(leader: Rect, seal_size: tuple[float, float]) -> Rect:
    """Visual box for the seal at real size: its right edge a third into the leader's signature
    image, vertically centred on it, so it covers about the image's left third."""
    width, height = seal_size
    right = leader[0] + (leader[2] - leader[0]) / 3
    centre_y = (leader[1] + leader[3]) / 2
    return (right - width, centre_y - height / 2, right, centre_y + height / 2)


def top_right_box(geometry: PageGeometry, size: tuple[float, float],
                  margin: float = 20) -> Rect:
    """Visual box of ``size`` in the top right corner of the page as displayed."""
    page_width, page_height = geometry.visual_size
    width, height = size
    return (page_width - margin - width, page_height - margin - height,
            page_width - margin, page_height - margin)


def _pdfminer_page(pdf: bytes, page_index: int) -> PDFPage:
    from pdfminer.pdfpage import PDFPage

    try:
        for index, page in enumerate(PDFPage.get_pages(io.BytesIO(pdf))):
            if index == page_index:
                return page
    except _pdfminer_errors() as exc:
        raise BadInputError(f"cannot read the PDF's pages: {exc}") from None
    raise PlacementError(f"the document has no page {page_index + 1}")


def _pdfminer_errors() -> tuple[type[Exception], ...]:
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.psexceptions import PSException

    return (PDFException, PSException, ValueError, KeyError, TypeError, AttributeError)


def _walk(item: Any, kind: type[_Item]) -> Iterator[_Item]:  # Any: a pdfminer layout item
    if isinstance(item, kind):
        yield item
        return
    try:
        children = iter(item)
    except TypeError:
        return
    for child in children:
        yield from _walk(child, kind)


def folded(text: str) -> str:
    """``text`` as :meth:`TextLine.search` sees it, escaped for a regular expression."""
    return re.escape(_fold(text))


def _rows(lines: tuple[TextLine, ...], max_gap: float) -> tuple[TextLine, ...]:
    """See :meth:`PageText.rows`."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda line: line.box[0]):
        box = line.box
        middle = (box[1] + box[3]) / 2
        for row in rows:
            last = row[-1].box
            if abs((last[1] + last[3]) / 2 - middle) < 2 and -1 <= box[0] - last[2] < max_gap:
                row.append(line)
                break
        else:
            rows.append([line])
    joined = [_join(row) for row in rows]
    joined.sort(key=lambda line: (-line.box[3], line.box[0]))
    return tuple(joined)


def _join(lines: list[TextLine]) -> TextLine:
    glyphs: list[tuple[str, Rect]] = list(lines[0].glyphs)
    for line in lines[1:]:
        left, right = glyphs[-1][1], line.glyphs[0][1]
        glyphs.append((" ", (left[2], min(left[1], right[1]), max(left[2], right[0]),
                             max(left[3], right[3]))))
        glyphs.extend(line.glyphs)
    return TextLine(tuple(glyphs))


def _fold(text: str) -> str:
    """Decomposed (NFD, so that a glyph's text and a precomposed letter compare alike),
    case-folded, runs of white space as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFD", text.casefold())).strip()


def _fold_with_map(glyphs: Iterable[tuple[str, Rect]]) -> tuple[str, list[int]]:
    """Fold the glyphs' text as :func:`_fold` does (without the final strip) and map each
    folded character back to the index of the glyph it came from."""
    folded: list[str] = []
    glyph_of: list[int] = []
    for index, (text, _) in enumerate(glyphs):
        for char in unicodedata.normalize("NFD", text.casefold()):
            if char.isspace():
                if folded and folded[-1] == " ":
                    continue
                char = " "
            folded.append(char)
            glyph_of.append(index)
    return "".join(folded), glyph_of


def _union(boxes: Sequence[Rect]) -> Rect:
    x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
    return (min(x0s), min(y0s), max(x1s), max(y1s))


def _rect(values: Sequence[float]) -> Rect:
    """A PDF rectangle (four numbers) as floats."""
    x0, y0, x1, y1 = map(float, values)
    return (x0, y0, x1, y1)


def _overlap(a: Rect, b: Rect) -> float:
    return min(a[2], b[2]) - max(a[0], b[0])
