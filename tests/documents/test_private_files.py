"""The hub's data at rest (issue 13, item 10): the SQLite database, stored files and the
archive's jobs are the service account's alone (files 0600, folders 0700), and the API's
schema is served without FastAPI's /docs pages (whose scripts come from a third-party CDN)."""

from __future__ import annotations

import httpx

from documents.adapters import db
from documents.adapters.storage import LocalStore
from documents.http.app import create_app
from documents.http.pages.archive_jobs import JobStore
from documents.http.server import serving
from tests.helpers.net import free_port


def _mode(path) -> int:  # noqa: ANN001
    return path.stat().st_mode & 0o777


def test_database_files_and_jobs_are_owner_only(tmp_path):
    database = tmp_path / "hub" / "edochub.db"
    engine = db.make_engine(db.sqlite_url(database))
    db.migrate(engine)
    engine.dispose()
    assert (_mode(database.parent), _mode(database)) == (0o700, 0o600)
    store = LocalStore(tmp_path / "hub" / "files")
    digest = store.put(b"%PDF-1.7 mat\n")
    blob = next(p for p in (tmp_path / "hub" / "files").rglob(digest))
    assert _mode(blob) == 0o600
    assert {_mode(p) for p in (tmp_path / "hub" / "files").rglob("*") if p.is_dir()} == {0o700}
    jobs = JobStore(tmp_path / "hub")
    job = jobs.create(1, ["a.pdf"])
    assert {_mode(jobs.root), _mode(jobs.folder(job.id)),
            _mode(jobs.folder(job.id) / "upload")} == {0o700}


def test_api_docs_pages_are_off_and_the_schema_is_served(hub):
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        assert httpx.get(f"{url}/docs").status_code == 404
        assert httpx.get(f"{url}/redoc").status_code == 404
        schema = httpx.get(f"{url}/openapi.json")
    assert schema.status_code == 200 and "/outgoing" in schema.json()["paths"]
