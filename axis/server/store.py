"""Where the axis keeps envelopes: one file per message, written durably before any answer.

An incoming body is streamed into a staging file in the same folder (so the final rename is
atomic), hashed on the way, bounded by the size limit; it never sits whole in memory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from axis.errors import MessageTooLarge

CHUNK = 1 << 20


def private_dir(path: Path) -> Path:
    """``path`` and every missing folder above it, created 0700 (owner only)."""
    for folder in reversed([p for p in (path, *path.parents) if not p.exists()]):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path


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
        self._file.write(chunk)

    def finish(self) -> None:
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
        """Drop the trailing CRLF (after ``finish``), once the hash showed it is not content."""
        os.truncate(self.path, self.size - 2)
        self.size -= 2
        self._tail = b""

    def check_size(self) -> None:
        if self.size > self._max_size:
            raise MessageTooLarge(f"message of {self.size} bytes is larger than the limit of "
                                  f"{self._max_size} bytes")

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class MessageStore:
    def __init__(self, root: Path, max_size: int) -> None:
        self.root = root
        self.max_size = max_size
        private_dir(root)

    def sweep_staging(self) -> int:
        """Delete bodies a crash left half-received (never acknowledged, so never owed)."""
        leftovers = list(self.root.glob("incoming-*.part"))
        for path in leftovers:
            path.unlink(missing_ok=True)
        return len(leftovers)

    def stage(self) -> Staged:
        return Staged(self.root, self.max_size)

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

    def path(self, doc_id: str) -> Path:
        return self.root / f"{doc_id}.edxml"

    def keep(self, staged: Staged, doc_id: str) -> None:
        """Move a finished staging file into place and make the rename itself durable."""
        os.replace(staged.path, self.path(doc_id))
        directory = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def remove(self, doc_id: str) -> None:
        self.path(doc_id).unlink(missing_ok=True)
