"""The first look at bytes said to be a PDF, before any parser sees them: shared by signing,
validation and the register's upload checks; and the guards against hostile PDFs around the
parsers (below)."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING

from signing.errors import BadInputError

if TYPE_CHECKING:
    from pyhanko.pdf_utils.reader import PdfFileReader


def check_pdf_bytes(data: bytes) -> None:
    """Refuse what is plainly not a whole PDF: no ``%PDF-`` header, or truncated (the file
    does not end with ``%%EOF``; pyHanko's tolerant reader would otherwise repair a cut-off
    file, or read an earlier revision, silently)."""
    if data.lstrip()[:5] != b"%PDF-":
        raise BadInputError("not a PDF file (no %PDF- header)")
    if not data.rstrip(b" \t\r\n\x00").endswith(b"%%EOF"):
        raise BadInputError("truncated PDF (it does not end with the %%EOF marker)")


# --- hostile PDFs, before a parser reads them for preparation or signing ---------------------
# check_inflation: every Flate stream (and a Flate stream inside one) is inflated once, in
#   bounded steps, and counted; a file whose streams inflate beyond MAX_STREAM_INFLATED each or
#   MAX_TOTAL_INFLATED together is refused before a reader decodes it whole (a one-megabyte
#   stream can inflate to gigabytes);
# check_reference_loops: an object that is only a reference to another, which is only a
#   reference back (pdfminer's resolve1 would follow them for ever), is refused;
# readable: a structure the readers trip over (10,000 nested arrays, a loop of form fields)
#   becomes BadInputError instead of escaping as a RecursionError or a reader's own error.
# The first two remember (by SHA-256, in this process, the last _PASSED_KEPT) the files that
# passed them: the hub checks a file when it is uploaded and again when it is prepared, and a
# client may send the same draft many times. A file that failed is checked again every time.

MAX_STREAM_INFLATED = 128 * 1024 * 1024
MAX_TOTAL_INFLATED = 512 * 1024 * 1024
#: a Flate stream holding another (``/Filter [/FlateDecode /FlateDecode]``) is followed down
#: this many levels
NESTED_LEVELS = 3
_STREAM = re.compile(rb"stream\r?\n")
_STEP = 1 << 20
_INPUT_STEP = 1 << 16
_PASSED_KEPT = 256


class _Passed:
    """The last ``_PASSED_KEPT`` (check, SHA-256 of the file) that passed; thread-safe (the hub
    prepares documents on several threads)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[object, bytes], None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: tuple[object, bytes]) -> bool:
        with self._lock:
            if key not in self._kept:
                return False
            self._kept.move_to_end(key)
            return True

    def add(self, key: tuple[object, bytes]) -> None:
        with self._lock:
            self._kept[key] = None
            self._kept.move_to_end(key)
            if len(self._kept) > _PASSED_KEPT:
                self._kept.popitem(last=False)


_PASSED = _Passed()


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The inflated bytes of the zlib stream at the start of ``chunks``, one bounded step at
    a time; stops at its end or at the first error (the reader will refuse that itself)."""
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            data = chunk
            while data and not inflater.eof:
                out = inflater.decompress(data, _STEP)
                if out:
                    yield out
                data = inflater.unconsumed_tail
            if inflater.eof:
                return
    except zlib.error:
        return


def _inflated_size(pdf: bytes, start: int, limit: int) -> int:
    """How much the stream at ``start`` inflates to, counting at most ``limit + 1``."""
    view = memoryview(pdf)
    stream: Iterator[bytes] = _inflate(bytes(view[i:i + _INPUT_STEP])
                                       for i in range(start, len(pdf), _INPUT_STEP))
    for _ in range(NESTED_LEVELS):
        first = next(stream, b"")
        if not _zlib_header(first):
            stream = chain([first], stream)
            break
        stream = _inflate(chain([first], stream))
    size = 0
    for out in stream:
        size += len(out)
        if size > limit:
            return size
    return size


def check_inflation(pdf: bytes, per_stream: int = MAX_STREAM_INFLATED,
                    total: int = MAX_TOTAL_INFLATED) -> None:
    """Refuse a PDF whose compressed streams inflate beyond the limits."""
    key = (("inflation", per_stream, total), hashlib.sha256(pdf).digest())
    if key in _PASSED:
        return
    _check_inflation(pdf, per_stream, total)
    _PASSED.add(key)


def _check_inflation(pdf: bytes, per_stream: int, total: int) -> None:
    inflated = 0
    for match in _STREAM.finditer(pdf):
        start = match.end()
        if not _zlib_header(pdf[start:start + 2]):
            continue
        size = _inflated_size(pdf, start, min(per_stream, total - inflated))
        if size > per_stream:
            raise BadInputError(f"a stream of the PDF inflates to more than {per_stream} bytes "
                                "(a decompression bomb?)")
        inflated += size
        if inflated > total:
            raise BadInputError(f"the PDF's streams inflate to more than {total} bytes")


_ALIAS = re.compile(rb"(\d+)\s+(\d+)\s+obj\s*(\d+)\s+(\d+)\s+R\s*endobj")


def _aliases(pdf: bytes, reader: PdfFileReader | None = None,
             ) -> dict[tuple[int, int], tuple[int, int]]:
    """Objects whose whole value is a reference to another: as written in the file, and as
    pyHanko reads them through the cross-reference tables (object streams included)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    found = {(int(m[1]), int(m[2])): (int(m[3]), int(m[4])) for m in _ALIAS.finditer(pdf)}
    try:
        if reader is None:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        refs = set().union(*(reader.xrefs.explicit_refs_in_revision(revision)
                             for revision in range(reader.xrefs.total_revisions)))
    except (PdfError, ValueError, KeyError, IndexError, TypeError, RecursionError):
        return found  # unreadable here: the reader that follows says so in its own words
    for ref in refs:
        try:
            value = reader.get_object(ref)
        except (PdfError, ValueError, KeyError, IndexError, TypeError, RecursionError):
            continue
        if isinstance(value, generic.IndirectObject):
            found[ref.idnum, ref.generation] = (value.idnum, value.generation)
    return found


def check_reference_loops(pdf: bytes, reader: PdfFileReader | None = None) -> None:
    """Refuse a PDF where following references from one object leads back to it.
    ``reader``: a pyHanko reader (``strict=False``) just opened on ``pdf``, to read it with
    (and leave its objects read for what follows); by default one is opened."""
    key = ("reference loops", hashlib.sha256(pdf).digest())
    if key in _PASSED:
        return
    _check_reference_loops(pdf, reader)
    _PASSED.add(key)


def _check_reference_loops(pdf: bytes, reader: PdfFileReader | None) -> None:
    aliases = _aliases(pdf, reader)
    for start in aliases:
        seen = {start}
        current = aliases[start]
        while current in aliases:
            if current in seen:
                raise BadInputError(f"object {start[0]} of the PDF is a loop of references")
            seen.add(current)
            current = aliases[current]


@contextmanager
def readable(what: str = "the PDF") -> Iterator[None]:
    """Reading ``what``: what the readers cannot cope with is :class:`BadInputError`."""
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.psexceptions import PSException
    from pyhanko.pdf_utils.misc import PdfError

    try:
        yield
    except RecursionError:
        raise BadInputError(f"{what} is nested too deeply or loops on itself") from None
    except (PdfError, PDFException, PSException) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise BadInputError(f"{what} cannot be read: {reason}") from None
