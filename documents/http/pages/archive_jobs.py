"""The archive's validation jobs, kept as files so that they survive a restart of the hub.

One folder per job under ``<data dir>/archive-jobs/<id>/``: ``job.json`` (owner, state,
progress, each file's verdict; replaced atomically after every file), the human report of each
file in each language (``report-<n>.<language>.html``) and, while the job runs, the uploaded
files. The job's runner holds an exclusive ``flock`` on ``running.lock`` for as long as it
works; the kernel drops it when the process ends, so a job marked running whose lock is free
was cut off by a restart or a crash and is shown as interrupted, with the reports it finished.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

JOBS_FOLDER = "archive-jobs"
MANIFEST = "job.json"
LOCK = "running.lock"
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class FileVerdict:
    """One checked file: its name as uploaded, ``signing.validation.batch.overall``'s verdict
    (TOTAL-PASSED, INDETERMINATE, TOTAL-FAILED, UNSIGNED or ERROR), and the error if any."""

    path: str
    verdict: str
    passed: bool
    error: str | None = None


@dataclass
class Job:
    id: str
    owner_id: int
    names: list[str]
    total: int = 0
    results: list[FileVerdict] = field(default_factory=list)
    state: str = "running"  # running | done | failed | interrupted (never stored)
    error: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def done(self) -> int:
        return len(self.results)

    def to_json(self) -> dict:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> Job:
        return cls(id=data["id"], owner_id=data["owner_id"], names=list(data["names"]),
                   total=data["total"], results=[FileVerdict(**r) for r in data["results"]],
                   state=data["state"], error=data["error"],
                   started_at=datetime.fromisoformat(data["started_at"]))


def unique_names(names: list[str]) -> list[str]:
    """The uploaded files' names made distinct, in order: a second ``a.pdf`` becomes
    ``a (2).pdf`` (then ``a (3).pdf``...), so that files of the same name, from different
    folders of the archivist's PC, are all kept and checked instead of overwriting each other.
    Case is folded in the comparison: ``A.PDF`` and ``a.pdf`` collide on some file systems."""
    taken: set[str] = set()
    out = []
    for name in names:
        stem, dot, suffix = name.rpartition(".")
        if not stem:  # no extension, or a dot file
            stem, dot, suffix = name, "", ""
        candidate, number = name, 1
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{stem} ({number}){dot}{suffix}"
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


class JobStore:
    """The jobs of one hub, in ``root``."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / JOBS_FOLDER

    def folder(self, job_id: str) -> Path:
        return self.root / job_id

    def create(self, owner_id: int, names: list[str]) -> Job:
        job = Job(id=uuid.uuid4().hex, owner_id=owner_id, names=names)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder(job.id).mkdir(mode=0o700)
        (self.folder(job.id) / "upload").mkdir(mode=0o700)
        self.save(job)
        return job

    def save(self, job: Job) -> None:
        """Write the manifest whole (a temporary file renamed over it): a reader or a crash
        never meets half a manifest."""
        folder = self.folder(job.id)
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False,
                                         encoding="utf-8") as handle:
            json.dump(job.to_json(), handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, folder / MANIFEST)

    def load(self, job_id: str) -> Job | None:
        """The job as stored, ``interrupted`` if it was left running by a process now gone."""
        if not _ID.match(job_id):
            return None
        try:
            job = Job.from_json(json.loads((self.folder(job_id) / MANIFEST).read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if job.state == "running" and not self.is_running(job_id):
            job.state = "interrupted"
        return job

    def all(self) -> list[Job]:
        """Every stored job, newest first."""
        if not self.root.is_dir():
            return []
        jobs = [job for path in self.root.iterdir() if (job := self.load(path.name))]
        return sorted(jobs, key=lambda j: j.started_at, reverse=True)

    def report(self, job_id: str, index: int, language: str) -> Path:
        return self.folder(job_id) / f"report-{index}.{language}.html"

    def lock(self, job_id: str) -> int:
        """Take the job's running lock; the runner keeps the descriptor until it finishes
        (``release``)."""
        descriptor = os.open(self.folder(job_id) / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return descriptor

    @staticmethod
    def release(descriptor: int) -> None:
        os.close(descriptor)  # closing drops the flock

    def is_running(self, job_id: str) -> bool:
        """Whether some process (this one included) holds the job's lock now."""
        try:
            descriptor = os.open(self.folder(job_id) / LOCK, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)
        return False

    def prune(self, keep: int) -> None:
        """Keep the ``keep`` newest finished jobs (running ones are never removed)."""
        finished = [j for j in self.all() if j.state != "running"]
        for job in finished[keep:]:
            shutil.rmtree(self.folder(job.id), ignore_errors=True)
