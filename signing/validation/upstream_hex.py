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
from typing import IO

_HEX_DIGITS = b"0123456789abcdefABCDEF"
_FIRST_CHUNK = 8192
_MAX_CHUNK = 1 << 20


def read_hex_string_from_stream(stream: IO[bytes]):
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
        digits = chunk if end < 0 else chunk[:end]
        if not chunk or digits.translate(None, _HEX_DIGITS):
            stream.seek(start)  # not the plain form: pyHanko's reader decides
            return _ORIGINAL(stream)
        parts.append(digits)
        if end >= 0:
            break
        size = min(size * 2, _MAX_CHUNK)
    hex_digits = b"".join(parts)
    stream.seek(start + len(hex_digits) + 2)
    if len(hex_digits) % 2:
        hex_digits += b"0"
    return generic.pdf_string(binascii.unhexlify(hex_digits))


_ORIGINAL = None


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

    if _ORIGINAL is not None:
        generic.read_hex_string_from_stream = _ORIGINAL
