"""The first look at bytes said to be a PDF, before any parser sees them: shared by signing,
validation and the register's upload checks."""

from __future__ import annotations

from signing.errors import BadInputError


def check_pdf_bytes(data: bytes) -> None:
    """Refuse what is plainly not a whole PDF: no ``%PDF-`` header, or truncated (the file
    does not end with ``%%EOF``; pyHanko's tolerant reader would otherwise repair a cut-off
    file, or read an earlier revision, silently)."""
    if data.lstrip()[:5] != b"%PDF-":
        raise BadInputError("not a PDF file (no %PDF- header)")
    if not data.rstrip(b" \t\r\n\x00").endswith(b"%%EOF"):
        raise BadInputError("truncated PDF (it does not end with the %%EOF marker)")
