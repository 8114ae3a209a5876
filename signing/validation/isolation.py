"""Validation of untrusted PDFs in a worker process with memory and time limits.

A hostile file can make a PDF parser work for minutes or grow to gigabytes (pyHanko scans a
128 MiB run of whitespace byte by byte for 75 s). :class:`IsolatedValidator` validates each file
in a worker process whose address space is capped (``RLIMIT_AS``) and which is killed when one
file takes longer than the time limit; the file then gets a :class:`FileResult` with ``error``
and the next file gets a fresh worker. The worker keeps one
:class:`signing.validation.validator.Validator` (and its fetch caches) across the files it sees.

API::

    with IsolatedValidator(settings, Limits(memory_bytes=1 << 30, seconds=30)) as isolated:
        result = isolated.validate_file(Path("upload.pdf"), "upload.pdf")
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import multiprocessing
import os
import resource
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from signing.validation.results import FileResult

if TYPE_CHECKING:
    from signing.validation.validator import ValidationSettings, Validator

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    #: address space of the worker process (its imports take about 150 MiB of it)
    memory_bytes: int = 2048 * MiB
    #: wall-clock time one file may take, fetching revocation data included
    seconds: float = 60.0


class IsolatedValidator:
    """Validates files one at a time in a limited worker process (not thread-safe)."""

    def __init__(self, settings: ValidationSettings, limits: Limits | None = None) -> None:
        self.settings = settings
        self.limits = limits or Limits()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None

    def __enter__(self) -> IsolatedValidator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id while one runs."""
        return self._process.pid if self._process is not None else None

    def validate_file(self, path: Path, name: str) -> FileResult:
        """``path`` validated in the worker; any failure of the worker is the file's error."""
        try:
            connection = self._worker()
        except _NoWorker as exc:
            return FileResult(path=name, error=str(exc))
        connection.send((str(path), name))
        if not connection.poll(self.limits.seconds):
            self._stop()
            return FileResult(path=name, error="validation stopped: the file took longer than "
                                               f"the limit of {self.limits.seconds:g} s")
        try:
            result = connection.recv()
        except (EOFError, OSError):
            self._stop()
            return FileResult(path=name, error="validation stopped: the worker ended while "
                                               "checking this file (memory limit of "
                                               f"{self.limits.memory_bytes // MiB} MiB)")
        if result.error is not None and result.error.startswith(_OUT_OF_MEMORY):
            self._stop()  # the worker ends itself after a MemoryError; collect it
        return result

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.send(None)
        self._stop(grace=5.0)

    def _worker(self) -> Connection:
        if self._process is None or not self._process.is_alive():
            self._stop()
            context = multiprocessing.get_context("spawn")  # never fork a threaded server
            parent, child = context.Pipe()
            self._process = context.Process(
                target=_serve, args=(child, _Portable.of(self.settings),
                                     self.limits.memory_bytes),
                name="edochub-validation", daemon=True)
            try:
                self._process.start()
            except BaseException:
                self._process = None
                raise
            finally:
                child.close()
            self._connection = parent
            # the time limit counts from the file on, not from the worker's imports
            try:
                ready = parent.poll(_STARTUP_SECONDS) and parent.recv() == _READY
            except (EOFError, OSError):
                ready = False
            if not ready:
                self._stop()
                raise _NoWorker("validation stopped: the worker could not start within the "
                                f"memory limit of {self.limits.memory_bytes // MiB} MiB")
        assert self._connection is not None
        return self._connection

    def _stop(self, grace: float = 0.0) -> None:
        if self._process is not None:
            self._process.join(grace)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None


_OUT_OF_MEMORY = "validation stopped: the file needs more memory"
_READY = "ready"


class _NoWorker(Exception):
    pass

_STARTUP_SECONDS = 120.0


@dataclass(frozen=True)
class _Portable:
    """Validation settings as plain data for the worker (asn1crypto objects do not survive
    pickling)."""

    trust: tuple[bytes, ...]
    timestamp_trust: tuple[bytes, ...] | None
    revocation: str
    at: datetime | None

    @classmethod
    def of(cls, settings: ValidationSettings) -> _Portable:
        stamps = settings.timestamp_trust_roots
        return cls(tuple(c.dump() for c in settings.trust_roots),
                   None if stamps is None else tuple(c.dump() for c in stamps),
                   str(settings.revocation), settings.at)

    def settings(self) -> ValidationSettings:
        from asn1crypto import x509

        from signing.validation.validator import RevocationMode, ValidationSettings

        return ValidationSettings(
            tuple(x509.Certificate.load(der) for der in self.trust),
            None if self.timestamp_trust is None
            else tuple(x509.Certificate.load(der) for der in self.timestamp_trust),
            RevocationMode(self.revocation), self.at)


def _serve(connection: Connection, portable: _Portable, memory_bytes: int) -> None:
    """The worker: validate each (path, name) received until ``None``."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    from signing.validation.validator import Validator

    loop = asyncio.new_event_loop()
    validator = Validator(portable.settings())
    loop.run_until_complete(validator.__aenter__())
    connection.send(_READY)
    while (request := connection.recv()) is not None:
        path, name = request
        try:
            result = loop.run_until_complete(_validate(validator, Path(path), name))
        except MemoryError:
            connection.send(FileResult(path=name, error=f"{_OUT_OF_MEMORY} than the limit of "
                                                        f"{memory_bytes // MiB} MiB"))
            os._exit(0)  # the heap may be in any state: a fresh worker takes the next file
        connection.send(result)
    loop.run_until_complete(validator.aclose())


async def _validate(validator: Validator, path: Path, name: str) -> FileResult:
    try:
        result = await validator.async_validate_file(path)
    except MemoryError:
        raise
    except Exception as exc:  # one broken file must not stop the worker
        text = " ".join(str(exc).split()) or type(exc).__name__
        return FileResult(path=name, error=f"validation failed: {text}")
    return dataclasses.replace(result, path=name)
