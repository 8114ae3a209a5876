"""Issue 13, item 1 (the attachment link): a specialist uploaded ``phu-luc.html`` declared
``text/html`` — a valid PDF with a ``<script>`` in an unused stream — and the hub served it
inline as HTML on its own origin. Now a file is a PDF by its bytes or refused, is stored and
served as ``application/pdf`` whatever was declared, and every file answer is sandboxed; a
received attachment of another type is only ever offered for download. Every page carries a
Content-Security-Policy without inline script."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import func, select

from documents.adapters import db
from documents.adapters.models import Attachment, OutgoingDocument
from documents.domain.ports import DocumentEnvelope, FilePart, Party
from documents.http.app import create_app
from documents.http.server import serving
from documents.services import incoming
from tests.documents.page_client import page_csrf, page_login
from tests.helpers.api import api_client
from tests.helpers.net import free_port
from tests.helpers.register import PDF, add_users

SCRIPT = b"<html><body><script>fetch('http://127.0.0.1:8765/sign')</script></body></html>"
#: a whole, valid PDF that also carries a script in a stream nothing refers to
PDF_WITH_SCRIPT = PDF + (b"\n99 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n"
                         b"%%%%EOF\n" % (len(SCRIPT), SCRIPT))
SANDBOX = "sandbox; default-src 'none'"
TEMPLATES = Path(__file__).resolve().parents[2] / "documents" / "http" / "pages" / "templates"


def _draft(client: httpx.Client, attachment: tuple[str, bytes, str]) -> httpx.Response:
    body = {"doc_type": "Quyết định", "subject": "Quyết định có phụ lục",
            "recipients": [{"organ_id": "000.00.00.G09", "name": "Bộ Mẫu"}]}
    return client.post("/outgoing", data={"metadata": json.dumps(body)},
                       files=[("document", ("qd.pdf", PDF, "application/pdf")),
                              ("attachments", attachment)])


def _counts(hub) -> tuple[int, int, int]:  # noqa: ANN001
    with hub.sessions() as session:
        return (session.scalar(select(func.count()).select_from(OutgoingDocument)),
                session.scalar(select(func.count()).select_from(Attachment)),
                sum(1 for p in Path(hub.settings.file_store).rglob("*") if p.is_file()))


def _assert_sandboxed(answer: httpx.Response, disposition: str) -> None:
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Security-Policy"] == SANDBOX
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"].startswith(disposition)


def test_an_html_named_pdf_is_stored_and_served_as_a_sandboxed_pdf(hub):
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        specialist = api_client(url, "specialist")
        created = _draft(specialist, ("phu-luc.html", PDF_WITH_SCRIPT, "text/html"))
        assert created.status_code == 201, created.text
        document = created.json()
        [annex] = [f for f in document["files"] if not f["is_main"]]
        with hub.sessions() as session:
            assert session.get(Attachment, annex["id"]).content_type == "application/pdf"
        leader = api_client(url, "leader")
        served = leader.get(f"/outgoing/{document['id']}/files/{annex['id']}")
        _assert_sandboxed(served, 'inline; filename="phu-luc.html.pdf"')
        assert served.headers["Content-Type"] == "application/pdf"
        page = page_login(url, "leader")
        shown = page.get(f"/ui/outgoing/{document['id']}/files/{annex['id']}")
        _assert_sandboxed(shown, 'inline; filename="phu-luc.html.pdf"')
        assert shown.headers["Content-Type"] == "application/pdf"
        assert shown.content == PDF_WITH_SCRIPT


def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(hub):
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        specialist = api_client(url, "specialist")
        before = _counts(hub)
        for attachment in (("phu-luc.pdf", SCRIPT, "application/pdf"),
                           ("phu-luc.html", SCRIPT, "text/html")):
            refused = _draft(specialist, attachment)
            assert refused.status_code == 422
            assert refused.json()["detail"] == (
                f"attachment {attachment[0]!r}: not a PDF file (no %PDF- header)")
        page = page_login(url, "specialist")
        csrf = page_csrf(page, "/ui/outgoing/new")
        form = page.post("/ui/outgoing/new", data={
            "csrf": csrf, "doc_type": "Quyết định", "subject": "Có phụ lục HTML",
            "recipients": "000.00.00.G09, Bộ Mẫu"}, files=[
            ("document", ("qd.pdf", PDF, "application/pdf")),
            ("attachments", ("phu-luc.html", SCRIPT, "text/html"))])
        assert form.status_code == 422 and "not a PDF file" in form.text
        assert _counts(hub) == before


def test_a_received_attachment_of_another_type_is_only_downloaded(hub):
    """An agency may send any type in edXML: it is kept, but never shown on the hub's
    origin."""
    add_users(hub)
    envelope = DocumentEnvelope(
        Party("000.00.00.G09", "Bộ Mẫu"), (Party("000.00.00.H41", "UBND tỉnh Mẫu"),), "12",
        "QĐ-BM", date(2026, 12, 1), "Hà Nội", "Quyết định", "Văn bản có trang HTML",
        files=(FilePart("qd.pdf", "application/pdf", PDF),
               FilePart("trang.html", "text/html", SCRIPT),
               FilePart("gia-pdf.pdf", "application/pdf", SCRIPT)))
    with db.transaction(hub.sessions) as session:
        document = incoming.accept_document(session, hub, envelope, "0" * 64,
                                            incoming.Verification((), (), "G09"))
        files = {f.name: f.id for f in document.files}
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        page = page_login(url, "clerk")
        for name in ("trang.html", "gia-pdf.pdf"):  # HTML, and HTML declared as a PDF
            served = page.get(f"/ui/incoming/{document.id}/files/{files[name]}")
            _assert_sandboxed(served, f'attachment; filename="{name}"')
            assert served.headers["Content-Type"] == "application/octet-stream"
        main = page.get(f"/ui/incoming/{document.id}/files/{files['qd.pdf']}")
        _assert_sandboxed(main, 'inline; filename="qd.pdf"')


def test_every_page_has_a_policy_without_inline_script(hub):
    add_users(hub)
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    for template in TEMPLATES.glob("*.html"):
        assert not inline.search(template.read_text("utf-8")), template.name
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        anonymous = httpx.get(f"{url}/ui/login")
        pages = [anonymous]
        for username, paths in (("specialist", ("/ui/incoming", "/ui/outgoing",
                                                "/ui/outgoing/new", "/ui/outgoing/999")),
                                ("admin", ("/ui/admin/users", "/ui/archive", "/ui/overdue"))):
            client = page_login(url, username)
            pages += [client.get(path) for path in paths]
        for page in pages:
            policy = page.headers["Content-Security-Policy"]
            script = re.search(r"script-src ([^;]*)", policy).group(1)
            assert script.strip() == "'self'", (page.url, policy)
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
            assert not inline.search(page.text), page.url
