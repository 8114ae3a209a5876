"""Hostile PDFs made on the spot (issue 13, item 9): each is a whole PDF (header, objects,
cross-reference table, ``%%EOF``) that a careless reader loops, recurses or inflates on."""

from __future__ import annotations

import zlib

PAGE_TEXT = b"BT /F1 12 Tf 72 720 Td (So: /QD-UBND) Tj ET"


def build(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF of ``objects`` (number → body between ``obj`` and ``endobj``) with a correct
    cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in objects else \
            b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _page_objects(catalog_extra: bytes = b"", content: bytes | None = None) -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
           b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: content if content is not None else _stream(PAGE_TEXT),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }


def plain() -> bytes:
    """The same page, harmless: what the hostile ones are variations of."""
    return build(_page_objects())


def nested_arrays(depth: int = 10_000) -> bytes:
    return build(_page_objects(b"/Deep " + b"[" * depth + b"]" * depth + b" "))


def reference_loop() -> bytes:
    """The page's content is a reference to a reference to the first one (6 → 7 → 6), and
    the page tree's first kid is the tree itself."""
    objects = _page_objects()
    objects[2] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"
    objects[3] = objects[3].replace(b"/Contents 4 0 R", b"/Contents 6 0 R")
    objects[6] = b"7 0 R"
    objects[7] = b"6 0 R"
    return build(objects)


def field_loop() -> bytes:
    """An AcroForm whose field is its own kid (and its own parent)."""
    objects = _page_objects(b"/AcroForm << /Fields [6 0 R] >> ")
    objects[6] = b"<< /T (loop) /FT /Tx /Kids [6 0 R] /Parent 6 0 R >>"
    return build(objects)


def decode_bomb(inflated: int = 1 << 30) -> bytes:
    """A page content stream of about a megabyte that inflates to ``inflated`` bytes (1 GiB)
    of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    parts = [compressor.compress(PAGE_TEXT + b"\n")]
    parts += [compressor.compress(chunk) for _ in range(inflated >> 20)]
    parts.append(compressor.flush())
    return build(_page_objects(content=_stream(b"".join(parts), b"/Filter /FlateDecode ")))
