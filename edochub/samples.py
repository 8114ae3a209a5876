"""Small, valid sample PDFs for the demo, tests and benchmarks (ASCII text, Helvetica).

``simple_pdf(text, pages=1)`` returns the bytes of a classic PDF (one xref table, no
compression), so tests can also find and change bytes at known places. The Vietnamese
specimen document (Decree 30 layout) is made elsewhere.
"""

from __future__ import annotations

from pathlib import Path


def simple_pdf(text: str = "edochub test document", pages: int = 1) -> bytes:
    """A ``pages``-page PDF showing ``text`` (ASCII) and the page number on each page."""
    if not text.isascii():
        raise ValueError("simple_pdf writes ASCII text only")
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree number is known
    pages_ref = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for number in range(1, pages + 1):
        line = f"{text} - page {number}".replace("\\", "\\\\").replace("(", "\\(")
        line = line.replace(")", "\\)")
        stream = f"BT /F1 14 Tf 72 740 Td ({line}) Tj ET".encode()
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
            % (pages_ref, font, content)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_ref
    objects[pages_ref - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, xref)
    return bytes(out)


def write_simple_pdf(path: Path, text: str = "edochub test document", pages: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(simple_pdf(text, pages))
    return path
