"""PDF tokens read in one piece: a change that could go upstream to pyHanko
(``pyhanko.pdf_utils.misc.read_until_delimiter`` and ``read_non_whitespace``, as
``pyhanko.pdf_utils.generic`` and the cross-reference reader use them, and
``pyhanko.pdf_utils.generic._decode_name``).

pyHanko reads every name (``/Type``, each dictionary key), number, keyword and reference of an
object one ``read(1)`` at a time, collecting the bytes in a generator, until white space or a
delimiter: a tenth of validating a one-page signed PDF. Here a small chunk is read and the first
white-space or delimiter byte found with one regular-expression search.

The result is the same as pyHanko's by construction: the same bytes up to the first byte of
``PDF_WHITESPACE + PDF_DELIMITERS`` (or the end of the stream), and the stream left where
pyHanko leaves it (on that byte, or at the end).

White space before a token is skipped alike (pyHanko tests each byte read with ``byte in
PDF_WHITESPACE``, and for a one-byte ``bytes`` CPython first tries it as an integer and makes,
formats and drops a TypeError: a twentieth of validating a one-page file). Here the byte is
tested as an integer, and a run of white space is skipped with one regular-expression search
in a small chunk; anything else (a comment, the end of the stream, a long run of white space)
goes to pyHanko's own function from where it started.

A name is then decoded byte by byte (escapes, forbidden bytes). A name made only of printable
ASCII that needs no decoding (no ``#``, no delimiter: pyHanko copies each such byte as it is)
is made at once; any other goes to pyHanko's decoder, errors and all.

:func:`install` is idempotent; :func:`uninstall` undoes it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from pyhanko.pdf_utils import generic

#: pyHanko's PDF_WHITESPACE + PDF_DELIMITERS, any one of them
_STOP = re.compile(rb"[ \n\r\t\f\x00()<>\[\]{}/%]")
#: pyHanko's PDF_WHITESPACE, and the start of a comment
_SPACE_OR_COMMENT = b" \n\r\t\f\x00%"
#: anything but pyHanko's PDF_WHITESPACE
_NOT_WHITESPACE = re.compile(rb"[^ \n\r\t\f\x00]")
_WHITESPACE_CHUNK = 64
_FIRST_CHUNK = 64
_MAX_CHUNK = 1 << 16


def read_until_delimiter(stream: IO[bytes]) -> bytes:
    """The bytes before the next white space or delimiter; the stream left on that byte (at
    the end of the stream when there is none)."""
    start = stream.tell()
    parts: list[bytes] = []
    size = _FIRST_CHUNK
    while True:
        chunk = stream.read(size)
        found = _STOP.search(chunk)
        if found is not None:
            parts.append(chunk[:found.start()])
            result = b"".join(parts)
            stream.seek(start + len(result))
            return result
        parts.append(chunk)
        if len(chunk) < size:  # the end of the stream, where pyHanko's reader stops too
            return b"".join(parts)
        size = min(size * 2, _MAX_CHUNK)


def read_non_whitespace(stream: IO[bytes], seek_back: bool = False,
                        allow_eof: bool = False) -> bytes:
    """The first byte after white space (comments skipped), the stream left after it (on it
    with ``seek_back``); pyHanko's function wherever that is not plain."""
    first = stream.read(1)
    if first and first[0] not in _SPACE_OR_COMMENT:  # the usual case: no white space
        if seek_back:
            stream.seek(-1, os.SEEK_CUR)
        return first
    start = stream.tell() - len(first)
    if first:
        stream.seek(start)
        chunk = stream.read(_WHITESPACE_CHUNK)
        found = _NOT_WHITESPACE.search(chunk)
        if found is not None and chunk[found.start()] != 0x25:  # not a "%"
            end = found.start()
            stream.seek(start + end + (0 if seek_back else 1))
            return chunk[end:end + 1]
        stream.seek(start)
    assert _ORIGINAL_SPACE is not None
    return _ORIGINAL_SPACE(stream, seek_back=seek_back, allow_eof=allow_eof)


#: bytes pyHanko copies into a name unchanged: printable ASCII but "#" and the delimiters
_PLAIN_NAME_BYTES = bytes(b for b in range(0x21, 0x7F) if b not in b"#()<>[]{}/%")


def _decode_name(name_bytes: bytes) -> generic.NameObject:
    """pyHanko's name decoder, at once for a name that needs no decoding."""
    from pyhanko.pdf_utils import generic

    if name_bytes.translate(None, _PLAIN_NAME_BYTES):
        assert _ORIGINAL_NAME is not None
        return _ORIGINAL_NAME(name_bytes)
    return generic.NameObject("/" + name_bytes.decode("ascii"))


_ORIGINAL: Callable[[IO[bytes]], bytes] | None = None
_ORIGINAL_NAME: Callable[[bytes], generic.NameObject] | None = None
_ORIGINAL_SPACE: Callable[..., bytes] | None = None


def install() -> None:
    """Make pyHanko's object reader use :func:`read_until_delimiter`."""
    global _ORIGINAL, _ORIGINAL_NAME, _ORIGINAL_SPACE
    from pyhanko.pdf_utils import generic, misc

    if generic.read_until_delimiter is read_until_delimiter:
        return
    _ORIGINAL, _ORIGINAL_NAME = generic.read_until_delimiter, generic._decode_name
    _ORIGINAL_SPACE = misc.read_non_whitespace
    generic.read_until_delimiter = read_until_delimiter
    generic._decode_name = _decode_name
    generic.read_non_whitespace = misc.read_non_whitespace = read_non_whitespace


def uninstall() -> None:
    """Put pyHanko's own reader back (benchmarks compare against it in one process)."""
    from pyhanko.pdf_utils import generic, misc

    if _ORIGINAL is not None and _ORIGINAL_NAME is not None and _ORIGINAL_SPACE is not None:
        # (mypy sees pyHanko's functions, not any callables, there)
        generic.read_until_delimiter = _ORIGINAL  # type: ignore[assignment]
        generic._decode_name = _ORIGINAL_NAME  # type: ignore[assignment]
        generic.read_non_whitespace = misc.read_non_whitespace = _ORIGINAL_SPACE
