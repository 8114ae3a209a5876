"""How the hub answers with a stored file (API and pages alike).

A file is shown in the browser (``inline``) only when it is a PDF by its bytes and by the type
the register keeps for it, and then always as ``application/pdf``; anything else (an edXML
attachment of another type received from an agency) is offered for download as
``application/octet-stream``. Every answer forbids sniffing and sandboxes the document, so a
file can never run script on the hub's origin, whatever it holds.
"""

from __future__ import annotations

from fastapi.responses import Response

PDF = "application/pdf"
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "no-store",
}


def looks_like_pdf(data: bytes) -> bool:
    """The PDF header, where readers look for it (the first KiB)."""
    return b"%PDF-" in data[:1024]


def safe_file_name(name: str, extension: str | None = None) -> str:
    """``name`` as ASCII letters, digits and ``._-`` (for the header), ending in
    ``extension`` when given."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_"
                   for c in name)[:150] or "file"
    if extension and not safe.lower().endswith(extension):
        safe += extension
    return safe


def file_response(name: str, content_type: str, data: bytes) -> Response:
    if content_type == PDF and looks_like_pdf(data):
        media_type, disposition = PDF, f'inline; filename="{safe_file_name(name, ".pdf")}"'
    else:
        media_type = "application/octet-stream"
        disposition = f'attachment; filename="{safe_file_name(name)}"'
    return Response(data, media_type=media_type,
                    headers={**FILE_HEADERS, "Content-Disposition": disposition})
