"""Where the axis keeps envelopes: one file per message in a folder (the default), or one
object per message in an S3-compatible object store (``store_s3``), written before any answer.

An incoming body is streamed into a staging file on local disk, hashed on the way, bounded by
the size limit; it never sits whole in memory. Each upload removes its own staging file when it
fails or its sender hangs up; only a crash leaves one behind, and ``sweep_staging`` removes those
untouched for longer than a lease (a live upload writes, so it keeps its file fresh), so several
servers may share nothing, or a folder, without deleting each other's uploads. A disk that is
full or failing is ``AxisUnavailable`` in one line (503: worth retrying, nothing was kept).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from axis.errors import AxisError, AxisUnavailable, MessageNotFound, MessageTooLarge

CHUNK = 1 << 20
STAGING_PATTERN = "incoming-*.part"
SUFFIX = ".edxml"


@contextmanager
def _disk_errors(what: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise AxisUnavailable(f"the axis could not {what}: "
                              f"{exc.strerror or type(exc).__name__}") from None


def private_dir(path: Path) -> Path:
    """``path`` and every missing folder above it, created 0700 (owner only)."""
    missing, folder = [], path
    while not folder.exists() and folder != folder.parent:  # up to the first that exists
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path


def sync_folder(folder: Path) -> None:
    """Make ``folder``'s entries durable (a file renamed into it, a folder made in it)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_file(path: Path) -> Path:
    """``path`` created empty 0600 unless it exists (databases: SQLite keeps the mode for its
    journal files)."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return path


class Staged:
    """A body being received. ``sha256`` covers the bytes written; ``sha256_without_crlf`` the
    bytes minus a trailing CRLF, which the national SDK appends after the envelope."""

    def __init__(self, directory: Path, max_size: int) -> None:
        with _disk_errors("receive the message"):
            fd, name = tempfile.mkstemp(dir=directory, prefix="incoming-", suffix=".part")
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._max_size = max_size
        self._head = hashlib.sha256()  # everything but the last two bytes
        self._tail = b""
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._max_size + 2:  # +2: the CRLF some clients append
            raise MessageTooLarge(f"message larger than the limit of {self._max_size} bytes")
        data = self._tail + chunk
        self._head.update(data[:-2])
        self._tail = data[-2:]
        with _disk_errors("receive the message"):
            self._file.write(chunk)

    def finish(self) -> None:
        with _disk_errors("receive the message"):
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    @property
    def sha256(self) -> str:
        digest = self._head.copy()
        digest.update(self._tail)
        return digest.hexdigest()

    @property
    def sha256_without_crlf(self) -> str | None:
        return self._head.hexdigest() if self._tail == b"\r\n" else None

    def strip_crlf(self) -> None:
        """Drop the trailing CRLF (after ``finish``), once the hash showed it is not content;
        made durable as ``finish`` made the bytes, so that the envelope kept is the one whose
        hash is recorded, even after a crash."""
        with _disk_errors("receive the message"), open(self.path, "r+b") as file:
            file.truncate(self.size - 2)
            os.fsync(file.fileno())
        self.size -= 2
        self._tail = b""

    def check_size(self) -> None:
        if self.size > self._max_size:
            raise MessageTooLarge(f"message of {self.size} bytes is larger than the limit of "
                                  f"{self._max_size} bytes")

    def discard(self) -> None:
        if not self._file.closed:
            with suppress(OSError):  # a full disk: closing flushes what could not be written
                self._file.close()
        self.path.unlink(missing_ok=True)


class StagingArea:
    """Where bodies are received: a local folder of staging files, shared by both stores."""

    def __init__(self, staging: Path, max_size: int) -> None:
        self.staging, self.max_size = staging, max_size
        private_dir(staging)

    def sweep_staging(self, lease: timedelta) -> int:
        """Delete staging files nobody wrote to for longer than ``lease``: a crash left them
        half-received (never acknowledged, so never owed). Younger ones may be live uploads of
        this or another server."""
        cutoff = time.time() - lease.total_seconds()
        removed = 0
        for path in self.staging.glob(STAGING_PATTERN):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # its upload finished or failed meanwhile
        return removed

    def stage(self) -> Staged:
        return Staged(self.staging, self.max_size)

    def stage_file(self, path: Path) -> Staged:
        """Stage a copy of a local file (the in-process transport and SOAP use this)."""
        staged = self.stage()
        try:
            with open(path, "rb") as source:
                while chunk := source.read(CHUNK):
                    staged.write(chunk)
            staged.finish()
        except BaseException:
            staged.discard()
            raise
        return staged


class MessageStore(StagingArea):
    """Envelopes as files ``<doc id>.edxml`` in ``root``; staging files beside them, so keeping
    one is an atomic rename. The other stores keep this interface (``store_s3``)."""

    def __init__(self, root: Path, max_size: int) -> None:
        super().__init__(root, max_size)
        self.root = root

    def path(self, doc_id: str) -> Path:
        return self.root / f"{doc_id}{SUFFIX}"

    def keep(self, staged: Staged, doc_id: str) -> None:
        """Move a finished staging file into place and make the rename itself durable."""
        with _disk_errors("keep the message"):
            os.replace(staged.path, self.path(doc_id))
            sync_folder(self.root)

    def open(self, doc_id: str) -> BinaryIO:
        """The stored envelope, to read as a stream (close it)."""
        try:
            return open(self.path(doc_id), "rb")
        except FileNotFoundError:
            raise MessageNotFound(f"message {doc_id} is not in the store") from None

    def remove(self, doc_id: str) -> None:
        self.path(doc_id).unlink(missing_ok=True)

    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every kept envelope's doc id and when it was kept."""
        for path in self.root.glob(f"*{SUFFIX}"):
            try:
                kept = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except FileNotFoundError:
                continue
            yield path.name.removesuffix(SUFFIX), kept

    def check(self) -> None:
        """Raise unless an envelope could be written now (the readiness probe)."""
        probe = self.root / f".readyz-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()


class EnvelopeStore(Protocol):
    """What the core needs of a store (``MessageStore``, ``store_s3.S3MessageStore``)."""

    max_size: int

    def sweep_staging(self, lease: timedelta) -> int: ...

    def stage(self) -> Staged: ...

    def stage_file(self, path: Path) -> Staged: ...

    def keep(self, staged: Staged, doc_id: str) -> None: ...

    def open(self, doc_id: str) -> BinaryIO: ...

    def remove(self, doc_id: str) -> None: ...

    def stored(self) -> Iterator[tuple[str, datetime]]: ...

    def check(self) -> None: ...


class StoredEnvelope:
    """A kept envelope, opened on demand (the faces stream it from the store)."""

    def __init__(self, store: EnvelopeStore, doc_id: str) -> None:
        self.store, self.doc_id = store, doc_id

    def open(self) -> BinaryIO:
        return self.store.open(self.doc_id)

    def read_bytes(self) -> bytes:
        with self.open() as source:
            return source.read()


def parse_store(spec: str | None) -> tuple[str, str] | None:
    """``(bucket, prefix)`` of an ``s3://bucket/prefix`` spec, None for a folder (or none);
    anything else is refused in one line."""
    if spec and spec.startswith("s3://"):
        bucket, _, prefix = spec[len("s3://"):].partition("/")
        if not bucket:
            raise AxisError(f"no bucket in message store {spec!r}: use s3://bucket/prefix")
        return bucket, prefix if not prefix or prefix.endswith("/") else prefix + "/"
    if spec and "://" in spec:
        raise AxisError(f"unsupported message store {spec!r}: use a folder or "
                        "s3://bucket/prefix")
    return None
