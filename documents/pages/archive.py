"""Lưu trữ: the archivist uploads PDFs or ZIP archives and gets the validation report.

Validation runs in a background thread (one job per upload) with the hub's validator; the page
shows a progress bar fed by polling, then each file's verdict and its human report
(``signing.reports.human``, Vietnamese or English). ZIP archives are opened by the batch
verifier's safe extraction. Jobs live in memory: a restarted hub forgets them (re-upload).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from documents.errors import Forbidden, InvalidInput, NotFound
from documents.hub import Hub
from documents.models import User
from documents.pages import i18n, signatures
from documents.pages.rendering import PREFIX, SECURITY_HEADERS, PageRoute, go, render
from documents.pages.session import check_csrf, current_user, hub_of, language_of
from documents.workflow import Role
from signing.results import FileResult

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]
KEEP_JOBS = 20


@dataclass
class Job:
    id: str
    owner_id: int
    folder: Path
    names: list[str]
    total: int = 0
    results: list[tuple[FileResult, Path | None]] = field(default_factory=list)
    state: str = "running"  # running | done | failed
    error: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def done(self) -> int:
        return len(self.results)


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def _archivist(user: User) -> None:
    if user.role not in (Role.ARCHIVIST, Role.ADMIN):
        raise Forbidden(f"a {user.role} may not use the archive's validation")


def _job(job_id: str, user: User) -> Job:
    job = _jobs.get(job_id)
    if job is None or (job.owner_id != user.id and user.role != Role.ADMIN):
        raise NotFound(f"no validation job {job_id}")
    return job


def _keep(job: Job) -> None:
    with _lock:
        _jobs[job.id] = job
        while len(_jobs) > KEEP_JOBS:
            oldest = _jobs.pop(next(iter(_jobs)))
            shutil.rmtree(oldest.folder, ignore_errors=True)


def _run(hub: Hub, job: Job, inputs: list[Path]) -> None:
    from signing.batch_verify import expanded  # the batch verifier's safe ZIP extraction

    uploaded = f"{job.folder / 'upload'}/"

    async def validate_all(items: list) -> None:  # noqa: ANN001 - batch_verify's items
        for item in items:
            shown = item.display.replace(uploaded, "")  # names as the archivist gave them
            if item.error is not None:
                job.results.append((FileResult(path=shown, error=item.error), None))
                continue
            kept = job.folder / f"{len(job.results)}.pdf"
            shutil.copyfile(item.path, kept)
            try:
                result = await signatures.validate(hub, shown, kept.read_bytes())
            except Exception as exc:  # one broken file must not stop the job
                result = FileResult(path=shown, error=f"validation failed: {exc}")
            job.results.append((result, kept))

    try:
        with expanded(inputs) as items:
            job.total = len(items)
            asyncio.run(validate_all(items))
        job.state = "done"
    except Exception as exc:  # reported on the page, never lost in a thread
        job.state, job.error = "failed", " ".join(str(exc).split()) or type(exc).__name__


@router.get(PREFIX + "/archive")
def archive_form(request: Request, user: PageUser) -> HTMLResponse:
    _archivist(user)
    mine = [j for j in _jobs.values() if j.owner_id == user.id]
    return render(request, "archive.html", user=user, errors={}, jobs=list(reversed(mine)))


@router.post(PREFIX + "/archive", dependencies=[Depends(check_csrf)])
async def upload(request: Request, user: PageUser) -> Response:
    _archivist(user)
    hub = hub_of(request)
    form = await request.form()
    uploads = [f for f in form.getlist("files") if hasattr(f, "read") and f.filename]
    if not uploads:
        t = i18n.Translator(language_of(request))
        return render(request, "archive.html", status_code=422, user=user,
                      errors={"files": t("no_file")}, jobs=[])
    folder = Path(tempfile.mkdtemp(prefix="edochub-archive-"))
    (folder / "upload").mkdir()
    inputs = []
    for index, part in enumerate(uploads):
        name = Path(part.filename).name or f"file-{index}.pdf"
        target = folder / "upload" / name
        with target.open("wb") as out:
            while chunk := await part.read(1024 * 1024):
                out.write(chunk)
                if out.tell() > hub.settings.max_file_bytes:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise InvalidInput(f"{name} is larger than the limit of "
                                    f"{hub.settings.max_file_bytes} bytes")
        inputs.append(target)
    job = Job(id=uuid.uuid4().hex, owner_id=user.id, folder=folder,
              names=[p.name for p in inputs])
    _keep(job)
    threading.Thread(target=_run, args=(hub, job, inputs), daemon=True,
                     name=f"archive-{job.id[:8]}").start()
    return go(f"{PREFIX}/archive/{job.id}")


@router.get(PREFIX + "/archive/{job_id}")
def job_page(request: Request, user: PageUser, job_id: str) -> HTMLResponse:
    _archivist(user)
    job = _job(job_id, user)
    return render(request, "archive_job.html", user=user, job=job,
                  overall=_overall_words(job, language_of(request)))


@router.get(PREFIX + "/archive/{job_id}/progress")
def job_progress(request: Request, user: PageUser, job_id: str) -> JSONResponse:
    _archivist(user)
    job = _job(job_id, user)
    return JSONResponse({"state": job.state, "done": job.done, "total": job.total,
                         "error": job.error}, headers={"Cache-Control": "no-store"})


@router.get(PREFIX + "/archive/{job_id}/report/{index}")
def job_report(request: Request, user: PageUser, job_id: str, index: int) -> HTMLResponse:
    """The human validation report of one file (signing.reports)."""
    from signing.reports.human import render_html

    _archivist(user)
    job = _job(job_id, user)
    if not 0 <= index < job.done:
        raise NotFound(f"job {job_id} has no file {index}")
    result, kept = job.results[index]
    document = kept.read_bytes() if kept is not None else None
    html = render_html(result, document, job.started_at, language_of(request))
    return HTMLResponse(html, headers={**SECURITY_HEADERS,
                                       "Content-Security-Policy": "default-src 'none'; "
                                       "style-src 'unsafe-inline'; img-src data:"})


def _overall_words(job: Job, language: str) -> list[tuple[str, str, bool]]:
    """(file, verdict in words, passed) per file, worded as the report words them."""
    from signing.batch_verify import overall
    from signing.reports import texts
    from signing.results import Indication

    rows = []
    for result, _ in job.results:
        verdict = overall(result)
        if verdict == "ERROR":
            words = f"{texts.LABELS[language]['error']}: {result.error}"
        elif verdict == "UNSIGNED":
            words = texts.LABELS[language]["no_signature"]
        else:
            words = texts.INDICATIONS[language][Indication(verdict)]
        rows.append((result.path, words, result.bottom_line))
    return rows
