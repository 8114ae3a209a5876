"""Hex strings read in one piece: a change that could go upstream to pyHanko
(``pyhanko.pdf_utils.generic.read_hex_string_from_stream``).

pyHanko reads a hex string token by token, one ``read(1)`` and a whitespace/comment check per
digit. A signature's ``/Contents`` (the byte-range gap) is tens of thousands of digits, so that
loop was about a third of validating a one-page signed PDF. Here the digits up to the closing
``>`` are read in a few chunks and decoded by one ``binascii.unhexlify`` call.

The result is the same as pyHanko's by construction: the fast path is taken only when every
byte between ``<`` and the first ``>`` is a hex digit (the form signers write); any other byte
(white space, a comment, a stray character, a missing ``>``) rewinds the stream and hands it to
pyHanko's own reader, errors and all. :func:`install` is idempotent; :func:`uninstall` undoes
it.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from pyhanko.pdf_utils import generic

    _PdfString = generic.ByteStringObject | generic.TextStringObject

_FIRST_CHUNK = 8192
_MAX_CHUNK = 1 << 20


def read_hex_string_from_stream(stream: IO[bytes]) -> _PdfString:
    """``<hex digits>`` at the stream's position as a PDF string object, the stream left just
    after the ``>`` (as pyHanko's reader leaves it)."""
    from pyhanko.pdf_utils import generic

    start = stream.tell()
    stream.read(1)  # the "<"
    parts: list[bytes] = []
    size = _FIRST_CHUNK
    while True:
        chunk = stream.read(size)
        end = chunk.find(b">")
        if not chunk:
            return _pyhankos(stream, start)
        parts.append(chunk if end < 0 else chunk[:end])
        if end >= 0:
            break
        size = min(size * 2, _MAX_CHUNK)
    hex_digits = b"".join(parts)
    length = len(hex_digits)
    try:
        # unhexlify refuses any byte but a hex digit (white space included), as the check
        # for the plain form needs
        value = binascii.unhexlify(hex_digits + b"0" if length % 2 else hex_digits)
    except binascii.Error:
        return _pyhankos(stream, start)
    stream.seek(start + length + 2)
    return generic.pdf_string(value)


def _pyhankos(stream: IO[bytes], start: int) -> _PdfString:
    """Not the plain form: pyHanko's reader decides, from the "<"."""
    from pyhanko.pdf_utils import generic

    stream.seek(start)
    # (when not installed, pyHanko's reader is still in its place)
    original = _ORIGINAL if _ORIGINAL is not None else generic.read_hex_string_from_stream
    return original(stream)


_ORIGINAL: Callable[[IO[bytes]], _PdfString] | None = None


def install() -> None:
    """Make pyHanko's object reader use :func:`read_hex_string_from_stream`."""
    global _ORIGINAL
    from pyhanko.pdf_utils import generic

    if generic.read_hex_string_from_stream is read_hex_string_from_stream:
        return
    _ORIGINAL = generic.read_hex_string_from_stream
    generic.read_hex_string_from_stream = read_hex_string_from_stream


def uninstall() -> None:
    """Put pyHanko's own reader back (benchmarks compare against it in one process)."""
    from pyhanko.pdf_utils import generic

    if _ORIGINAL is not None:  # (mypy sees pyHanko's function, not any callable, there)
        generic.read_hex_string_from_stream = _ORIGINAL  # type: ignore[assignment]
