"""Issue 13, item 9: requests that answered 500 answer 4xx with a message, and change nothing:
ids and limits beyond what a database holds, digits that are no ASCII digits, a file name too
long for the disk, hostile PDFs submitted for signing, a JSON step posted as a form."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from documents.adapters import db
from documents.adapters.models import OutgoingDocument
from documents.http.app import create_app
from documents.http.pages.archive_jobs import JOBS_FOLDER
from documents.http.server import serving
from tests import pdf_bombs
from tests.documents.page_client import page_csrf, page_login
from tests.helpers.api import api_client
from tests.helpers.net import free_port
from tests.helpers.register import add_users, decree30_draft, with_real_signing

HUGE = "4055275243482812520305545707520"


@pytest.fixture()
def served(hub):  # noqa: ANN201
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        yield hub, url


def _refused(answer: httpx.Response, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and detail
    for word in words:
        assert word in detail, detail


def test_ids_and_limits_beyond_the_database_are_refused(served):
    hub, url = served
    clerk = api_client(url, "clerk")
    for path in (f"/outgoing/{HUGE}", f"/incoming/{HUGE}", f"/outgoing/1/files/{HUGE}",
                 "/outgoing/0"):
        _refused(clerk.get(path), 422, "document_id" if "files" not in path else "file_id")
    for path in ("/outgoing", "/incoming", "/search"):
        for limit in ("-399715511905500856320", "-1", "0"):
            _refused(clerk.get(path, params={"limit": limit}), 422, "limit")
        assert clerk.get(path, params={"limit": "99999999999999999999999"}).status_code == 200
    _refused(clerk.get("/search", params={"before": HUGE}), 422, "before")
    page = page_login(url, "clerk")
    assert page.get(f"/ui/outgoing/{HUGE}").status_code == 422
    admin = api_client(url, "admin")
    _refused(admin.post(f"/users/{HUGE}/deactivate"), 422, "user_id")


def test_digits_that_are_not_ascii_are_refused_in_a_number(served):
    hub, url = served
    clerk = api_client(url, "clerk")
    for number in ("²", "05²/QĐ-UBND", "٣", "1234567890123"):
        _refused(clerk.get("/search", params={"number": number}), 422,
                 "is not a number/notation")
    assert clerk.get("/search", params={"number": "QĐ-UBND"}).json() == []
    page = page_login(url, "clerk")
    assert page.get("/ui/incoming", params={"number": "²"}).status_code == 422


def test_an_archive_upload_with_a_300_character_name_is_refused(served):
    hub, url = served
    archivist = page_login(url, "archivist")
    csrf = page_csrf(archivist, "/ui/archive")
    jobs = hub.settings.local_data_dir() / JOBS_FOLDER
    before = sorted(jobs.iterdir()) if jobs.is_dir() else []
    answer = archivist.post("/ui/archive", data={"csrf": csrf}, files=[
        ("files", ("a" * 296 + ".pdf", pdf_bombs.plain(), "application/pdf"))])
    assert answer.status_code == 422
    assert "dài quá 200 byte" in answer.text
    assert (sorted(jobs.iterdir()) if jobs.is_dir() else []) == before


def _draft(client: httpx.Client, pdf: bytes) -> httpx.Response:
    body = {"doc_type": "Quyết định", "subject": "Dự thảo độc hại",
            "recipients": [{"organ_id": "000.00.00.G09", "name": "Bộ Mẫu"}]}
    return client.post("/outgoing", data={"metadata": json.dumps(body)},
                       files=[("document", ("qd.pdf", pdf, "application/pdf"))])


def _main_file(hub, document_id: int) -> tuple[str, str]:  # noqa: ANN001
    with hub.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        return document.state, next(f.blob_hash for f in document.files if f.is_main)


@pytest.mark.parametrize(("make", "words"), [
    (pdf_bombs.nested_arrays, "nested too deeply"),
    (pdf_bombs.reference_loop, "loop of references"),
    (pdf_bombs.field_loop, "Circular reference in form tree"),
])
def test_submitting_a_hostile_pdf_is_refused_and_changes_nothing(hub, real_signing, make,
                                                                 words):
    with_real_signing(hub, real_signing, "org-h41")
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        specialist = api_client(url, "specialist")
        created = _draft(specialist, make())
        assert created.status_code == 201, created.text
        document_id = created.json()["id"]
        before = _main_file(hub, document_id)
        _refused(specialist.post(f"/outgoing/{document_id}/submit"), 422, words)
        assert _main_file(hub, document_id) == before
        assert before[0] == "draft"


def test_a_decode_bomb_is_refused_at_upload_and_at_submit(hub, real_signing):
    """About a megabyte that inflates to a gigabyte: refused before it is stored; one stored
    before the limit existed is refused when submitted."""
    with_real_signing(hub, real_signing, "org-h41")
    add_users(hub)
    bomb = pdf_bombs.decode_bomb()
    files = Path(hub.settings.file_store)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        specialist = api_client(url, "specialist")
        stored = sorted(files.rglob("*")) if files.is_dir() else []
        _refused(_draft(specialist, bomb), 422, "inflates to more than")
        assert (sorted(files.rglob("*")) if files.is_dir() else []) == stored

        document_id = specialist.post("/outgoing", data={"metadata": json.dumps({
            "doc_type": "Quyết định", "subject": "Dự thảo cũ",
            "recipients": [{"organ_id": "000.00.00.G09", "name": "Bộ Mẫu"}]})}, files=[
            ("document", ("qd.pdf", decree30_draft(), "application/pdf"))]).json()["id"]
        with db.transaction(hub.sessions) as session:  # as stored before the check existed
            main = next(f for f in session.get(OutgoingDocument, document_id).files
                        if f.is_main)
            main.blob_hash = hub.store.put(bomb)
        before = _main_file(hub, document_id)
        _refused(specialist.post(f"/outgoing/{document_id}/submit"), 422,
                 "inflates to more than")
        assert _main_file(hub, document_id) == before


def test_the_token_sign_page_step_posted_as_a_form_is_refused(served):
    hub, url = served
    document_id = api_client(url, "specialist").post("/outgoing", data={
        "metadata": json.dumps({"doc_type": "Quyết định", "subject": "Dự thảo",
                                "recipients": [{"organ_id": "000.00.00.G09",
                                                "name": "Bộ Mẫu"}]})},
        files=[("document", ("qd.pdf", pdf_bombs.plain(), "application/pdf"))]).json()["id"]
    leader = page_login(url, "leader")
    csrf = page_csrf(leader)
    for step in ("prepare", "complete"):
        answer = leader.post(f"/ui/outgoing/{document_id}/token-sign/{step}",
                             data={"csrf": csrf, "certificate": "x"},
                             headers={"Accept": "application/json"})
        _refused(answer, 422, "application/json")
