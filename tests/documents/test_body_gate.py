"""Bodies are not read before credentials (issue 13, item 3): a 300 MB upload without a token,
a page upload with only an attacker-set login CSRF cookie, a body announced larger than the
limit, and a chunked body that keeps going are all answered while most of the body is still
unsent, and nothing is stored."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from documents.adapters import db
from documents.adapters.models import OutgoingDocument
from documents.http.app import create_app
from documents.http.server import serving
from tests.helpers.api import api_client
from tests.helpers.net import free_port
from tests.helpers.register import add_users
from tests.raw_http import post_partly

MB = 1_000_000
BOUNDARY = "----edochub-test"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
FIRST = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; "
         f"filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n").encode() \
    + b" " * 65536


@pytest.fixture()
def served(hub):
    hub.settings = dataclasses.replace(hub.settings, max_request_bytes=4 * MB)
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        yield hub, url


def _nothing_stored(hub) -> None:
    with db.transaction(hub.sessions) as session:
        assert session.scalar(select(func.count()).select_from(OutgoingDocument)) == 0
    files = hub.settings.local_data_dir() / "files"
    assert not files.exists() or not any(files.rglob("*"))
    assert not (hub.settings.local_data_dir() / "archive-jobs").exists()


def test_upload_without_token_is_refused_before_its_300_mb_are_read(served):
    hub, url = served
    hub.settings = dataclasses.replace(hub.settings, max_request_bytes=400 * MB)
    answer = post_partly(url, "/outgoing", {"Content-Type": MULTIPART,
                                            "Content-Length": str(300 * MB)}, FIRST)
    assert answer.status == 401
    assert answer.body == b'{"detail":"log in first: no bearer token was sent"}'
    answer = post_partly(url, "/outgoing", {"Content-Type": MULTIPART,
                                            "Content-Length": str(300 * MB),
                                            "Authorization": "Bearer not-a-token"}, FIRST)
    assert (answer.status, answer.body) == (401, b'{"detail":"the token is not valid"}')
    _nothing_stored(hub)


def test_page_upload_with_only_a_login_csrf_cookie_is_sent_to_the_login_form(served):
    hub, url = served
    hub.settings = dataclasses.replace(hub.settings, max_request_bytes=400 * MB)
    answer = post_partly(url, "/ui/archive", {
        "Content-Type": MULTIPART, "Content-Length": str(300 * MB),
        "Cookie": "edochub_login_csrf=attacker-chosen", "X-CSRF-Token": "attacker-chosen"},
        FIRST)
    assert (answer.status, answer.headers["location"]) == (303, "/ui/login")
    _nothing_stored(hub)


def test_body_announced_beyond_the_limit_is_refused_even_with_a_valid_token(served):
    hub, url = served
    token = api_client(url, "specialist").headers["Authorization"]
    answer = post_partly(url, "/outgoing", {"Content-Type": MULTIPART, "Authorization": token,
                                            "Content-Length": str(5 * MB)}, FIRST)
    assert answer.status == 413
    assert answer.body == (b'{"detail":"the request body of 5000000 bytes is larger than the '
                           b'limit of 4000000 bytes"}')
    _nothing_stored(hub)


def test_chunked_body_is_cut_off_at_the_limit(served):
    hub, url = served
    token = api_client(url, "specialist").headers["Authorization"]
    piece = b" " * MB
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(5))
    answer = post_partly(url, "/outgoing", {"Content-Type": MULTIPART, "Authorization": token,
                                            "Transfer-Encoding": "chunked"},
                         b"%x\r\n%s\r\n" % (len(FIRST), FIRST) + chunks)
    assert answer.status == 413
    assert answer.body == b'{"detail":"the request body is larger than the limit of 4000000 bytes"}'
    _nothing_stored(hub)


def test_login_forms_take_small_bodies_only(served):
    hub, url = served
    for path in ("/auth/token", "/ui/login"):
        answer = post_partly(url, path, {"Content-Type": "application/x-www-form-urlencoded",
                                         "Content-Length": str(MB)}, b"username=a&password=")
        assert answer.status == 413, path
        assert b"larger than the limit of 65536 bytes" in answer.body


def _page_session(hub, role: str) -> tuple[dict[str, str], str]:
    """A page session of ``role`` (its cookie) and the CSRF token its forms carry."""
    import hashlib
    import hmac

    from sqlalchemy import select as choose

    from documents.adapters.models import User
    from documents.http.security import issue_token

    with db.transaction(hub.sessions) as session:
        user = session.scalars(choose(User).where(User.username == role)).one()
        token = issue_token(hub, user)
    csrf = hmac.new(hub.settings.token_key.encode(), b"csrf\n" + token.encode(),
                    hashlib.sha256).hexdigest()
    return {"edochub_session": token}, csrf


def test_archive_jobs_at_once_are_limited(served, real_signing):
    import httpx

    from documents.http.pages.archive_jobs import JobStore
    from edochub.samples import simple_pdf

    hub, url = served
    hub.validator = real_signing.validator()
    store = JobStore(hub.settings.local_data_dir())
    busy = [store.create(1, ["a.pdf"]) for _ in range(hub.settings.max_archive_jobs)]
    locks = [store.lock(job.id) for job in busy]  # as their runners hold them
    cookies, csrf = _page_session(hub, "archivist")
    upload = {"files": ("ho-so.pdf", simple_pdf("ho so"), "application/pdf")}
    with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
        refused = client.post("/ui/archive", data={"csrf": csrf}, files=upload,
                              headers={"Accept": "application/json"})
        assert (refused.status_code, refused.json()) == (429, {
            "detail": "2 validation jobs are running, the most this hub runs at once; try "
                      "again when one has finished"})
        assert sorted(p.name for p in store.root.iterdir()) == sorted(j.id for j in busy)
        for lock in locks:
            store.release(lock)
        started = client.post("/ui/archive", data={"csrf": csrf}, files=upload,
                              follow_redirects=False)
    assert started.status_code == 303
    assert started.headers["location"].startswith("/ui/archive/")
