"""Lưu trữ: the archivist uploads PDFs or ZIP archives and gets the validation report.

Validation runs in a background thread (one job per upload, at most
``settings.max_archive_jobs`` at once); each file is validated in a worker process with memory
and time limits (``signing.validation.isolation``); the page shows a progress bar fed by
polling, then each file's verdict and its human report (``signing.reports.human``, Vietnamese or
English). ZIP archives are opened by the batch verifier's safe extraction, within the hub's
limits on members, each member's size and the total, checked before anything is read.
Jobs and their reports are files under the hub's data directory
(:mod:`documents.http.pages.archive_jobs`): they are still there after a restart, and a job the
restart cut off is shown as interrupted with the reports it had finished.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import UploadFile

from documents.adapters.models import User
from documents.domain.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from documents.domain.ports import IsolatedChecker
from documents.domain.workflow import Role
from documents.http.pages import i18n
from documents.http.pages.archive_jobs import FileVerdict, Job, JobStore, unique_names
from documents.http.pages.rendering import PREFIX, SECURITY_HEADERS, PageRoute, go, render
from documents.http.pages.session import check_csrf, current_user, hub_of, language_of
from documents.services.hub import Hub
from signing.validation import BatchItem, FileResult

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]
KEEP_JOBS = 20
#: uploads being received (not yet jobs on disk), counted with the running jobs
_starting = 0
_counting = threading.Lock()


def _archivist(user: User) -> None:
    if user.role not in (Role.ARCHIVIST, Role.ADMIN):
        raise Forbidden(f"a {user.role} may not use the archive's validation")


def _store(hub: Hub) -> JobStore:
    return JobStore(hub.settings.local_data_dir())


def _job(hub: Hub, job_id: str, user: User) -> Job:
    job = _store(hub).load(job_id)
    if job is None or (job.owner_id != user.id and user.role != Role.ADMIN):
        raise NotFound(f"no validation job {job_id}")
    return job


def _run(hub: Hub, store: JobStore, job: Job, inputs: list[Path], lock: int) -> None:
    """Validate every file, saving the manifest and the reports after each one."""
    # expanded: the batch verifier's safe ZIP extraction
    from signing.reports import render_html
    from signing.validation import ZipLimits, expanded, overall

    settings = hub.settings
    limits = ZipLimits(members=settings.max_archive_members,
                       member_bytes=settings.max_file_bytes,
                       total_bytes=settings.max_archive_bytes)

    uploaded = f"{store.folder(job.id) / 'upload'}/"

    def keep(result: FileResult, data: bytes | None) -> None:
        index = job.done
        for language in i18n.LANGUAGES:
            store.report(job.id, index, language).write_text(
                render_html(result, data, job.started_at, language), encoding="utf-8")
        job.results.append(FileVerdict(result.path, overall(result), result.bottom_line,
                                       result.error))
        store.save(job)

    def validate_all(items: list[BatchItem], isolated: IsolatedChecker) -> None:
        for item in items:
            shown = item.display.replace(uploaded, "")  # names as the archivist gave them
            if item.error is not None:
                keep(FileResult(path=shown, error=item.error), None)
                continue
            # the hub's validator is the signing package's: its verdicts are FileResults
            result = cast(FileResult, isolated.validate_file(item.path, shown))
            keep(result, item.path.read_bytes())

    try:
        if hub.validator is None:
            raise InvalidInput("this hub has no validator configured")
        with expanded(inputs, limits) as items, hub.validator.isolated(
                settings.validation_memory_bytes, settings.validation_seconds) as isolated:
            job.total = len(items)
            store.save(job)
            validate_all(items, isolated)
        job.state = "done"
    except Exception as exc:  # reported on the page, never lost in a thread
        job.state, job.error = "failed", " ".join(str(exc).split()) or type(exc).__name__
    finally:
        store.save(job)
        shutil.rmtree(store.folder(job.id) / "upload", ignore_errors=True)
        store.release(lock)


@router.get(PREFIX + "/archive")
def archive_form(request: Request, user: PageUser) -> HTMLResponse:
    _archivist(user)
    mine = [j for j in _store(hub_of(request)).all() if j.owner_id == user.id]
    return render(request, "archive.html", user=user, errors={}, jobs=mine)


#: an uploaded file keeps its name on disk: room left for " (2)" within 255 bytes
MAX_NAME_BYTES = 200


def _usable_name(name: str) -> bool:
    return (len(Path(name).name.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES
            and not any(ord(c) < 32 or c == "\x7f" for c in name))


def _shortened(name: str) -> str:
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= 60 else printable[:60] + "…"


@router.post(PREFIX + "/archive", dependencies=[Depends(check_csrf)])
async def upload(request: Request, user: PageUser) -> Response:
    _archivist(user)
    hub = hub_of(request)
    store = _store(hub)
    global _starting
    with _counting:  # two uploads cannot both take the last place
        running = _starting + sum(1 for job in store.all() if job.state == "running")
        if running >= hub.settings.max_archive_jobs:
            raise TooManyRequests(f"{running} validation jobs are running, the most this hub "
                                  "runs at once; try again when one has finished",
                                  retry_after=30)
        _starting += 1
    try:
        return await _start(request, hub, store, user)
    finally:
        with _counting:
            _starting -= 1


async def _start(request: Request, hub: Hub, store: JobStore, user: User) -> Response:
    form = await request.form()
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not uploads:
        t = i18n.Translator(language_of(request))
        return render(request, "archive.html", status_code=422, user=user,
                      errors={"files": t("no_file")}, jobs=[])
    t = i18n.Translator(language_of(request))
    unusable = [name for part in uploads if not _usable_name(name := part.filename or "")]
    if unusable:
        return render(request, "archive.html", status_code=422, user=user, jobs=[],
                      errors={"files": t("bad_file_name", name=_shortened(unusable[0]),
                                         limit=MAX_NAME_BYTES)})
    names = unique_names([name if (name := Path(part.filename or "").name) not in ("", ".", "..")
                          else f"file-{index}.pdf" for index, part in enumerate(uploads)])
    job = store.create(user.id, names)
    lock = store.lock(job.id)  # taken before the answer: the job never looks interrupted
    inputs = []
    try:
        for name, part in zip(names, uploads, strict=True):
            target = store.folder(job.id) / "upload" / name
            with target.open("wb") as out:
                while chunk := await part.read(1024 * 1024):
                    out.write(chunk)
                    if out.tell() > hub.settings.max_file_bytes:
                        raise InvalidInput(f"{name} is larger than the limit of "
                                           f"{hub.settings.max_file_bytes} bytes")
            inputs.append(target)
    except BaseException:
        store.release(lock)
        shutil.rmtree(store.folder(job.id), ignore_errors=True)
        raise
    store.prune(KEEP_JOBS)
    threading.Thread(target=_run, args=(hub, store, job, inputs, lock), daemon=True,
                     name=f"archive-{job.id[:8]}").start()
    return go(f"{PREFIX}/archive/{job.id}")


@router.get(PREFIX + "/archive/{job_id}")
def job_page(request: Request, user: PageUser, job_id: str) -> HTMLResponse:
    _archivist(user)
    job = _job(hub_of(request), job_id, user)
    return render(request, "archive_job.html", user=user, job=job,
                  overall=_overall_words(job, language_of(request)))


@router.get(PREFIX + "/archive/{job_id}/progress")
def job_progress(request: Request, user: PageUser, job_id: str) -> JSONResponse:
    _archivist(user)
    job = _job(hub_of(request), job_id, user)
    return JSONResponse({"state": job.state, "done": job.done, "total": job.total,
                         "error": job.error}, headers={"Cache-Control": "no-store"})


@router.get(PREFIX + "/archive/{job_id}/report/{index}")
def job_report(request: Request, user: PageUser, job_id: str, index: int) -> HTMLResponse:
    """The human validation report of one file (signing.reports), as written when the file
    was checked."""
    _archivist(user)
    hub = hub_of(request)
    job = _job(hub, job_id, user)
    if not 0 <= index < job.done:
        raise NotFound(f"job {job_id} has no file {index}")
    report = _store(hub).report(job.id, index, language_of(request))
    return HTMLResponse(report.read_text("utf-8"), headers={**SECURITY_HEADERS,
                                       "Content-Security-Policy": "sandbox; default-src 'none'; "
                                       "style-src 'unsafe-inline'; img-src data:"})


def _overall_words(job: Job, language: str) -> list[tuple[str, str, bool]]:
    """(file, verdict in words, passed) per file, worded as the report words them."""
    from signing.reports import texts
    from signing.validation import Indication

    rows = []
    for checked in job.results:
        if checked.verdict == "ERROR":
            words = f"{texts.LABELS[language]['error']}: {checked.error}"
        elif checked.verdict == "UNSIGNED":
            words = texts.LABELS[language]["no_signature"]
        else:
            words = texts.INDICATIONS[language][Indication(checked.verdict)]
        rows.append((checked.path, words, checked.passed))
    return rows
