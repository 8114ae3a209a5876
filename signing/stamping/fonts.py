"""Fonts for appearance text, prepared once: the TrueType font rescaled to 1000 units per em,
and a copy cut down to the letters Vietnamese documents use, both kept on disk by content
hash (under the user cache directory) so a process pays for them at most once and usually
never.

Why 1000 units per em: pyHanko 0.38 writes glyph widths (/W) in the font's own units although
PDF reads them as thousandths of an em, so a 2048-unit font such as Liberation Serif came out
with its letters spread apart. Rescaling (fontTools ``scale_upem``) takes seconds.

Why a cut-down copy: pyHanko's font engine subsets the font for every text box (parsed once
per process, :mod:`signing.stamping.font_engine`); on the whole font (2,600 glyphs, large
kerning tables) that is most of a signature's time. The copy keeps every glyph of the ranges
below with their glyph ids (``retain_gids``) and their layout tables (kerning, marks), so
HarfBuzz shapes the same glyphs at the same positions and the content stream does not change;
text with a character outside these ranges uses the whole rescaled font.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

#: printable ASCII and Latin-1, the Vietnamese letters outside them (Ă ă Đ đ Ĩ ĩ Ũ ũ Ơ ơ Ư ư
#: and U+1EA0-1EF9), the combining tone marks, dashes, quotes, ellipsis, bullet, đồng sign
_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x102, 0x103), (0x110, 0x111), (0x128, 0x129),
           (0x168, 0x169), (0x1A0, 0x1A1), (0x1AF, 0x1B0), (0x300, 0x301), (0x303, 0x303),
           (0x309, 0x309), (0x323, 0x323), (0x1EA0, 0x1EF9), (0x2013, 0x2014),
           (0x2018, 0x2019), (0x201C, 0x201D), (0x2022, 0x2022), (0x2026, 0x2026),
           (0x20AB, 0x20AB))
REPERTOIRE = frozenset(c for low, high in _RANGES for c in range(low, high + 1))
#: bump when the recipe below changes, so cached files from the old one are not used
_RECIPE = "1000upem-v2"


def font_bytes(font_path: str, text: str) -> bytes:
    """The font file to embed for ``text``: the cut-down copy when it covers every character
    of ``text``, the whole rescaled font otherwise."""
    if all(ord(char) in REPERTOIRE for char in text if not char.isspace()):
        return _prepared(font_path, "vietnamese")
    return _prepared(font_path, "whole")


@functools.cache
def _prepared(font_path: str, variant: str) -> bytes:
    from fontTools import version as fonttools_version

    source = Path(font_path).read_bytes()
    digest = hashlib.sha256(b"\0".join((source, _RECIPE.encode(), variant.encode(),
                                        fonttools_version.encode()))).hexdigest()
    cached = _cache_dir() / f"{Path(font_path).stem}-{variant}-{digest[:32]}.ttf"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    data = _rescaled(source) if variant == "whole" else _cut_down(_prepared(font_path, "whole"))
    _store(cached, data)
    return data


def _rescaled(source: bytes) -> bytes:
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(io.BytesIO(source))
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    if "FFTM" in font:  # FontForge's time stamp: no use here, and the subsetter warns about it
        del font["FFTM"]
    return _saved(font)


def _cut_down(whole: bytes) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(whole))
    options = subset.Options()
    options.retain_gids = True  # the same glyph ids as the whole font
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    options.hinting = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(REPERTOIRE))
    subsetter.subset(font)
    return _saved(font)


def _saved(font: TTFont) -> bytes:
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edochub" / "fonts"


def _store(path: Path, data: bytes) -> None:
    """Write atomically; a cache that cannot be written only costs the next process time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError:
        return
