"""PDFs for tests: simple documents (from :mod:`edochub.samples`) and the tampering a test needs
to make on signed files (a byte changed inside the signed range, page content rewritten in an
incremental update)."""

from __future__ import annotations

import io

from edochub.samples import simple_pdf, write_simple_pdf

__all__ = ["flip_signed_byte", "rewrite_page_content", "simple_pdf", "write_simple_pdf"]


def flip_signed_byte(signed: bytes, marker: bytes = b"page 1") -> bytes:
    """Change one byte of ``marker`` (inside the first signed byte range) without touching the
    file's structure: the hash over the signed range no longer matches."""
    at = signed.index(marker)
    return signed[:at] + (b"P" if signed[at:at + 1] != b"P" else b"Q") + signed[at + 1:]


def rewrite_page_content(signed: bytes, text: str = "REPLACED AFTER SIGNING") -> bytes:
    """Append an incremental update replacing the first page's content stream, as an attacker
    (or careless tool) would after a signature; the signed revision itself stays intact."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=f"BT /F1 14 Tf 72 700 Td ({text}) Tj ET".encode())
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
