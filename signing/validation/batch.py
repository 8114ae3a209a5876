"""Batch validation (kiểm tra hàng loạt) of folders and ZIP archives of PDFs.

- inputs: PDF files, folders (every ``*.pdf`` below them) and ZIP archives (their ``*.pdf``
  members, extracted safely to a private temporary folder: no absolute or ``..`` names, no
  links, bounded member count and size);
- ``workers`` processes, each with one long-lived :class:`signing.validation.validator.Validator`,
so
  OCSP responses, CRLs and fetched certificates are fetched once per worker for the whole batch;
- results in input order, a progress callback per file, and one broken file never stops the
  batch: it gets a :class:`FileResult` with ``error``;
- CSV and JSON summaries.
"""

from __future__ import annotations

import asyncio
import atexit
import csv
import dataclasses
import json
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from signing.validation.results import FileResult, combined_exit_code

if TYPE_CHECKING:
    from signing.validation.validator import Validator
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """What one ZIP archive may make us write to disk. Checked on the archive's directory
    (declared sizes) before any member is read, and again on the bytes that come out while a
    member is streamed to disk (a lying header cannot get past them either)."""

    members: int = 100_000
    member_bytes: int = 8 * 1024**3
    total_bytes: int = 8 * 1024**3


#: the command line's limits (the hub passes its own, smaller ones)
CLI_ZIP_LIMITS = ZipLimits()


@dataclass(frozen=True)
class BatchSettings:
    """What a worker process needs to build its validator (paths, not parsed certificates,
    so that it pickles cheaply)."""

    trust: tuple[Path, ...]
    timestamp_trust: tuple[Path, ...] | None
    revocation: str
    at: datetime | None

    def validation_settings(self):
        from signing.validation.validator import ValidationSettings

        return ValidationSettings.from_paths(
            list(self.trust),
            None if self.timestamp_trust is None else list(self.timestamp_trust),
            self.revocation, self.at,
        )


@dataclass(frozen=True)
class BatchItem:
    path: Path
    display: str
    #: set when the input could not even be turned into a PDF to validate (e.g. a bad ZIP)
    error: str | None = None


def verify_batch(inputs: list[Path], settings: BatchSettings, workers: int = 1,
                 progress: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Validate every PDF named by ``inputs``; results in input order."""
    with expanded(inputs) as items:
        if workers <= 1 or len(items) <= 1:
            results = _run_in_process(items, settings, progress)
        else:
            results = _run_in_pool(items, settings, workers, progress)
    return results


def _run_in_process(items: list[BatchItem], settings: BatchSettings,
                    progress: Callable[[FileResult], None] | None) -> list[FileResult]:
    from signing.validation.validator import Validator

    async def run() -> list[FileResult]:
        results = []
        async with Validator(settings.validation_settings()) as validator:
            for item in items:
                result = await _validate(validator, item)
                results.append(result)
                if progress is not None:
                    progress(result)
        return results

    return asyncio.run(run())


def _run_in_pool(items: list[BatchItem], settings: BatchSettings, workers: int,
                 progress: Callable[[FileResult], None] | None) -> list[FileResult]:
    results = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(settings,)) as pool:
        chunk = max(1, min(32, len(items) // (workers * 4)))
        for result in pool.map(_validate_in_worker, items, chunksize=chunk):
            results.append(result)
            if progress is not None:
                progress(result)
    return results


async def _validate(validator: Validator, item: BatchItem) -> FileResult:
    if item.error is not None:
        return FileResult(path=item.display, error=item.error)
    try:
        result = await validator.async_validate_file(item.path)
    except Exception as exc:  # one broken file must not stop the batch
        text = " ".join(str(exc).split()) or type(exc).__name__
        return FileResult(path=item.display, error=f"validation failed: {text}")
    return dataclasses.replace(result, path=item.display)


# --- worker processes: one validator (and fetch cache) per process, for the whole batch -----

_worker: tuple[asyncio.AbstractEventLoop, Validator] | None = None


def _init_worker(settings: BatchSettings) -> None:
    from signing.validation.validator import Validator

    global _worker
    loop = asyncio.new_event_loop()
    validator = Validator(settings.validation_settings())
    loop.run_until_complete(validator.__aenter__())
    _worker = (loop, validator)
    atexit.register(lambda: loop.run_until_complete(validator.aclose()))


def _validate_in_worker(item: BatchItem) -> FileResult:
    assert _worker is not None, "worker not initialised"
    loop, validator = _worker
    return loop.run_until_complete(_validate(validator, item))


# --- inputs -----------------------------------------------------------------------------------

@contextmanager
def expanded(inputs: list[Path], limits: ZipLimits = CLI_ZIP_LIMITS) -> Iterator[list[BatchItem]]:
    """The PDFs ``inputs`` name, as items to validate: folders walked, ZIP archives extracted
    safely (within ``limits``) into a temporary folder that lives as long as the context."""
    with tempfile.TemporaryDirectory(prefix="edochub-batch-") as scratch:
        items: list[BatchItem] = []
        for index, path in enumerate(inputs):
            if path.is_dir():
                items.extend(BatchItem(p, str(p)) for p in sorted(path.rglob("*"))
                             if p.is_file() and p.suffix.lower() == ".pdf")
            elif path.suffix.lower() == ".zip" and path.is_file():
                items.extend(_extract_zip(path, Path(scratch) / str(index), limits))
            else:
                items.append(BatchItem(path, str(path)))
        yield items


def _extract_zip(archive: Path, target: Path, limits: ZipLimits) -> list[BatchItem]:
    """The archive's PDF members, extracted under ``target``; a bad archive or a hostile member
    becomes an item carrying the error, never an exception."""
    items: list[BatchItem] = []
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist()
                       if not m.is_dir() and m.filename.lower().endswith(".pdf")]
            refusal = _over_limits(members, limits)
            if refusal is not None:
                return [BatchItem(archive, str(archive), refusal)]
            budget = limits.total_bytes
            for number, member in enumerate(members):
                display = f"{archive}!{member.filename}"
                problem = _unsafe_member(member)
                if problem is not None:
                    items.append(BatchItem(archive, display, problem))
                    continue
                destination = target / f"{number}.pdf"
                destination.parent.mkdir(parents=True, exist_ok=True)
                written = _copy_bounded(bundle, member, destination,
                                        min(budget, limits.member_bytes))
                if written is None:
                    destination.unlink()
                    items.append(BatchItem(archive, display, "ZIP member expands beyond its "
                                           "declared size or the archive's limits"))
                    break
                budget -= written
                items.append(BatchItem(destination, display))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        items.append(BatchItem(archive, str(archive), f"unreadable ZIP archive: {exc}"))
    return items


def _over_limits(members: list[zipfile.ZipInfo], limits: ZipLimits) -> str | None:
    """Why the archive's directory alone already exceeds ``limits`` (nothing read yet)."""
    if len(members) > limits.members:
        return f"ZIP archive has {len(members)} PDF members; the limit is {limits.members}"
    for member in members:
        if member.file_size > limits.member_bytes:
            return (f"ZIP member {member.filename[:80]} expands to {member.file_size} bytes; "
                    f"the limit is {limits.member_bytes}")
    total = sum(m.file_size for m in members)
    if total > limits.total_bytes:
        return f"ZIP archive expands to {total} bytes; the limit is {limits.total_bytes}"
    return None


def _unsafe_member(member: zipfile.ZipInfo) -> str | None:
    name = PurePosixPath(member.filename.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts:
        return "unsafe path in ZIP archive (absolute or with ..)"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "symbolic link in ZIP archive"
    if member.flag_bits & 0x1:
        return "encrypted ZIP member"
    return None


def _copy_bounded(bundle: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path,
                  budget: int) -> int | None:
    """Copy a member, stopping (None) once more than ``budget`` bytes come out of it."""
    written = 0
    with bundle.open(member) as source, destination.open("wb") as sink:
        while block := source.read(_CHUNK):
            written += len(block)
            if written > budget:
                return None
            sink.write(block)
    return written


# --- summaries --------------------------------------------------------------------------------

CSV_COLUMNS = ("path", "result", "exit_code", "signatures", "details", "error")


def overall(result: FileResult) -> str:
    if result.error is not None:
        return "ERROR"
    if not result.signatures:
        return "UNSIGNED"
    return {0: "TOTAL-PASSED", 1: "TOTAL-FAILED", 3: "INDETERMINATE"}[result.exit_code]


def write_csv(results: list[FileResult], target: Path) -> None:
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for result in results:
            details = "; ".join(
                f"{s.field}: {s.indication.value}"
                + (f"/{s.sub_indication.value}" if s.sub_indication else "")
                for s in result.signatures
            )
            writer.writerow((result.path, overall(result), result.exit_code,
                             len(result.signatures), details, result.error or ""))


def summary_json(results: list[FileResult]) -> dict:
    counts: dict[str, int] = {}
    for result in results:
        counts[overall(result)] = counts.get(overall(result), 0) + 1
    return {
        "files": len(results),
        "counts": counts,
        "exit_code": combined_exit_code(results) if results else 0,
        "results": [r.to_json() for r in results],
    }


def write_json(results: list[FileResult], target: Path) -> None:
    target.write_text(json.dumps(summary_json(results), ensure_ascii=False, indent=2) + "\n",
                      encoding="utf-8")
