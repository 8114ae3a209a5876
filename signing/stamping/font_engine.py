"""pyHanko's OpenType font engine (``GlyphAccumulator``) on a font parsed once per process.

pyHanko's ``GlyphAccumulator.__init__`` parses the font file it is given with fontTools and
HarfBuzz, on every text box; a signature or a filled field draws one or two boxes. Here the
font is parsed once (:class:`ParsedFont`) and each accumulator borrows what it reads: the
HarfBuzz font it shapes with, the names, metrics and advance widths, and a fontTools font that
is only ever read. Subsetting rewrites the font it works on, so the subset is made from a fresh
parse of the file (the rare case: the same glyph sets recur and their subsets are kept, see
:data:`_SUBSETS`). The embedded result is what pyHanko embeds: the same glyphs, widths,
ToUnicode map and content stream; a text with digits gets all ten digits in its font program
(:attr:`ParsedFont.digits`), unused and harmless, so that its subset is kept across numbers.

This works around pyHanko internals (0.38: the accumulator's attributes and its
``_extract_subset``) and could be offered upstream as a ``GlyphAccumulator`` taking an already
parsed font.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from pyhanko.pdf_utils.font.api import FontEngine
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator

if TYPE_CHECKING:
    from fontTools.subset import Options
    from fontTools.ttLib import TTFont
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import BasePdfFileWriter

#: tables pyHanko's default subsetting options drop (``_extract_subset``); the copy of the font
#: that is subset goes without them, so they are not decompiled only to be dropped
_DROPPED_BY_PYHANKO = ("GPOS", "GDEF", "GSUB")

#: subset font programs by (font, glyph ids): the same few glyph sets recur from document to
#: document (the date line's words, the time's digits widened to all ten), and subsetting is
#: the dear part of a text box
_SUBSETS: dict[tuple[str, frozenset[int]], bytes] = {}
_SUBSETS_KEPT = 256


@dataclass(frozen=True, eq=False)
class ParsedFont:
    """A TrueType font file parsed once; shared by every accumulator and thread, so nothing
    here is changed after :func:`parsed_font` made it."""

    data: bytes
    digest: str
    #: read only (names, metrics for the font descriptor); every table read here is loaded
    #: when the font is parsed, so that threads never race fontTools' lazy loading
    tt: TTFont
    hb_font: Any  # uharfbuzz.Font (no type information)
    ps_name: str
    units_per_em: int
    #: advance width by glyph id (what pyHanko reads through the glyph set: ``hmtx``)
    widths: tuple[int, ...]
    #: glyph name to code points (pyHanko's ``cmap.buildReversed()``)
    reverse_cmap: dict[str, set[int]]
    #: the file without the tables subsetting drops (see :data:`_DROPPED_BY_PYHANKO`)
    to_subset: bytes
    #: the glyph ids of 0-9: a subset holding one holds them all, so that a number, a date or
    #: a time gives the same glyph set (and a kept subset) whatever its digits
    digits: frozenset[int]


@functools.lru_cache(maxsize=8)
def parsed_font(data: bytes) -> ParsedFont | None:
    """``data`` parsed for :class:`SharedFontAccumulator`; None for a font this module does not
    handle (a CFF font program: pyHanko embeds those otherwise, and changes the parsed font)."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont
    from pyhanko.pdf_utils.font.opentype import _read_ps_name

    tt = TTFont(io.BytesIO(data))
    if "CFF " in tt or "glyf" not in tt:
        return None
    for tag in ("head", "hhea", "OS/2", "post", "name", "maxp", "cmap", "hmtx"):
        tt[tag]  # loaded now (see ParsedFont.tt)
    order = tt.getGlyphOrder()
    hmtx = tt["hmtx"]
    cmap = tt.getBestCmap() or {}
    return ParsedFont(
        data=data, digest=hashlib.sha256(data).hexdigest(), tt=tt,
        hb_font=hb.Font(hb.Face(data)), ps_name=_read_ps_name(tt),
        units_per_em=tt["head"].unitsPerEm,
        widths=tuple(hmtx[name][0] for name in order),
        reverse_cmap=tt["cmap"].buildReversed(), to_subset=_without_layout(data),
        digits=frozenset(tt.getGlyphID(cmap[c]) for c in range(ord("0"), ord("9") + 1)
                         if c in cmap))


def _without_layout(data: bytes) -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data))
    # fontTools' subsetter also drops the legacy 'kern' table of a font with 'GPOS' (its
    # legacy_kern option, off in pyHanko's options): gone here too, or it would stay
    dropped = (*_DROPPED_BY_PYHANKO, "kern") if "GPOS" in font else _DROPPED_BY_PYHANKO
    for tag in dropped:
        if tag in font:
            del font[tag]
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    return out.getvalue()


def font_engine(writer: BasePdfFileWriter, data: bytes, font_size: int,
                obj_stream: generic.StreamObject | None = None) -> GlyphAccumulator:
    """pyHanko's font engine on the font file ``data``: parsed once per process, its subsets
    kept by glyph set."""
    font = parsed_font(data)
    if font is None:
        return GlyphAccumulator(writer, io.BytesIO(data), font_size, obj_stream=obj_stream)
    return SharedFontAccumulator(writer, font, font_size, obj_stream=obj_stream)


class SharedFontAccumulator(GlyphAccumulator):
    """A ``GlyphAccumulator`` (TrueType outlines, HarfBuzz default features, script and
    direction guessed) reading a :class:`ParsedFont` instead of parsing the file itself."""

    def __init__(self, writer: BasePdfFileWriter, font: ParsedFont, font_size: int,
                 obj_stream: generic.StreamObject | None = None) -> None:
        # what GlyphAccumulator.__init__ sets, in the same order, from the parsed font
        FontEngine.__init__(self, writer, font.ps_name, embedded_subset=True,
                            obj_stream=obj_stream, font_size=font_size)
        self._font = font
        self.hb_font = font.hb_font
        self.tt = font.tt
        self._font_ref = writer.allocate_placeholder()
        self.cff_charset = None
        self.use_raw_gids = True
        self.cidfont_obj = CIDFontType2(font.tt, font.ps_name, self.subset_prefix)
        self.features = None
        self.units_per_em = font.units_per_em
        self._glyphs: dict[int, tuple[int, int]] = {}
        self._cid_to_unicode: dict[int, str] = {}
        # the name-mangled cache behind GlyphAccumulator._reverse_cmap
        self._GlyphAccumulator__reverse_cmap = font.reverse_cmap
        self.ot_language_tag = self.ot_script_tag = None
        self.writing_direction = None
        self.bcp47_lang_code = None
        self._subset_created = self._write_prepared = False

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        # TrueType in pyHanko's subsetting setup: the CID is the glyph id
        known = self._glyphs.get(glyph_id)
        if known is None:
            known = self._glyphs[glyph_id] = (glyph_id, self._font.widths[glyph_id])
        return known

    def _extract_subset(self, options: Options | None = None) -> None:
        from fontTools.ttLib import TTFont

        font = self._font
        glyphs = frozenset(self._glyphs)
        if glyphs & font.digits:
            glyphs |= font.digits
        key = (font.digest, glyphs)
        known = _SUBSETS.get(key) if options is None else None
        if known is not None:
            # the same subset as subsetting would give; the font descriptor was read from
            # the whole font, as it is on the subsetting path
            self.tt = TTFont(io.BytesIO(known))
            self.cidfont_obj._tt = _FontProgram(known)
            return
        # the subsetter rewrites the font it is given: a fresh one, never the shared font
        # (pyHanko's default options drop the layout tables the copy is without)
        source = font.to_subset if options is None else font.data
        self.tt = self.cidfont_obj._tt = TTFont(io.BytesIO(source))
        # pyHanko's subsetting (its options; it populates from ``_glyphs``) on the widened
        # set; the widths and ToUnicode map are written from ``_glyphs``, so put it back
        used = self._glyphs
        self._glyphs = dict.fromkeys(glyphs, (0, 0)) | used
        try:
            super()._extract_subset(options)
        finally:
            self._glyphs = used
        out = io.BytesIO()
        self.tt.save(out)
        program = out.getvalue()
        self.cidfont_obj._tt = _FontProgram(program)
        if options is None:
            if len(_SUBSETS) >= _SUBSETS_KEPT:
                _SUBSETS.clear()
            _SUBSETS[key] = program


class _FontProgram:
    """A subset font already encoded, standing in for the fontTools font pyHanko's
    ``CIDFontType2.set_font_file`` would encode again (``save``, all it asks of it then)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def save(self, file: IO[bytes]) -> None:
        file.write(self.data)
