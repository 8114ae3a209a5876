"""The receiving hub's validator, using the machine's other cores for large batches.

A batch of received PDFs (``exchange.process_stored`` validates 50 documents per call) is cut
into chunks; this process and worker processes take chunks until none is left, and the results
come back in the order of the files. Small batches, and every batch while the workers are
still starting, are validated here alone, as :class:`PadesDocumentValidator` does. Every
process (this one and each worker) keeps one validator whose OCSP/CRL answers and validated
paths serve for ``REVOCATION_REUSE_SECONDS`` (``documents.adapters.signing``), then are fetched
and validated again, as the signer's checks are.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from asn1crypto import x509

from documents.adapters.signing import PadesDocumentValidator

if TYPE_CHECKING:
    from documents.domain.ports import FileVerdict
    from signing.validation import IsolatedValidator, ValidationSettings

#: files per chunk: small enough to share the work evenly (process_stored's 100 files: 2
#: chunks for each of 2 processes), large enough that each chunk's OCSP/CRL fetches are few
#: beside its validation
CHUNK = 25
#: a batch of fewer files is validated here alone
THRESHOLD = 2 * CHUNK


def default_workers() -> int:
    """Worker processes besides this one: one fewer than the cores this process may use."""
    return max(len(os.sched_getaffinity(0)) - 1, 0)


def spawn_pool(workers: int, initializer: Callable[..., None],
               initargs: tuple[Any, ...]) -> ProcessPoolExecutor:
    """``workers`` worker processes, each running ``initializer(*initargs)`` first; started with
    ``spawn``, since this process runs threads (servers, the signer's helpers) that ``fork``
    would copy half-way."""
    import multiprocessing

    return ProcessPoolExecutor(workers, multiprocessing.get_context("spawn"),
                               initializer=initializer, initargs=initargs)


class PooledValidator:
    """A :class:`PadesDocumentValidator` whose large batches also run in ``workers`` worker
    processes, started on the first large batch (or by :meth:`start`) and kept until
    :meth:`close`."""

    def __init__(self, settings: ValidationSettings, workers: int | None = None) -> None:
        self.settings = settings
        self.workers = default_workers() if workers is None else workers
        self._here = PadesDocumentValidator(settings)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._ready: list[Future[None]] = []
        #: chunks the workers have validated so far
        self.chunks_in_workers = 0

    def start(self, wait: bool = False) -> PooledValidator:
        """Start the workers now (they take a few seconds to import the validation code);
        with ``wait``, return once they have."""
        self._started()
        if wait:
            for ready in self._ready:
                ready.result()
        return self

    def _started(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._pool is None and self.workers > 0:
                self._pool = spawn_pool(self.workers, _start_worker, (_portable(self.settings),))
                self._ready = [self._pool.submit(_ready) for _ in range(self.workers)]
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._here.close()

    def isolated(self, memory_bytes: int, seconds: float) -> IsolatedValidator:
        return self._here.isolated(memory_bytes, seconds)

    async def validate(self, files: Sequence[tuple[str, bytes]]) -> list[FileVerdict]:
        pool = self._started() if len(files) >= THRESHOLD else None
        if pool is None:
            return await self._here.validate(files)
        chunks = deque((start, list(files[start:start + CHUNK]))
                       for start in range(0, len(files), CHUNK))
        results: dict[int, list[FileVerdict]] = {}
        failed: list[tuple[int, list[tuple[str, bytes]]]] = []

        def take() -> tuple[int, list[tuple[str, bytes]]] | None:
            try:
                return chunks.popleft()
            except IndexError:
                return None

        def here() -> None:
            while (taken := take()) is not None:
                results[taken[0]] = asyncio.run(self._here.validate(taken[1]))

        async def there(ready: Future[None],
                        taken: tuple[int, list[tuple[str, bytes]]] | None) -> None:
            # a worker still starting takes no chunk (shielded: giving up on waiting for it
            # must not cancel its start)
            await asyncio.shield(asyncio.wrap_future(ready))
            taken = taken or take()
            while taken is not None:
                try:
                    results[taken[0]] = await asyncio.wrap_future(
                        pool.submit(_validate_chunk, taken[1]))
                    self.chunks_in_workers += 1
                except Exception:  # noqa: BLE001 - a worker lost: its chunk is done here
                    failed.append(taken)
                    return
                taken = take()

        # a worker that has started gets its first chunk before this process takes any; this
        # process's share runs on a thread, so that the event loop keeps handing chunks to the
        # workers meanwhile (waiting on them, it does not hold the GIL)
        helpers = [(ready, asyncio.ensure_future(
            there(ready, take() if _started(ready) else None))) for ready in self._ready]
        try:
            await asyncio.to_thread(here)
        finally:
            for ready, helper in helpers:
                if not ready.done():
                    helper.cancel()
            await asyncio.gather(*(helper for _, helper in helpers), return_exceptions=True)
        for start, chunk in failed:  # validated here, as any small batch is
            results[start] = await self._here.validate(chunk)
        return [verdict for start in sorted(results) for verdict in results[start]]


def _started(ready: Future[None]) -> bool:
    return ready.done() and not ready.cancelled() and ready.exception() is None


_WORKER: PadesDocumentValidator | None = None


def _portable(settings: ValidationSettings) -> dict[str, Any]:
    """The settings as the worker can receive them: asn1crypto certificates do not survive
    pickling, their DER does."""
    portable: dict[str, Any] = {}
    for item in fields(settings):
        value = getattr(settings, item.name)
        if isinstance(value, tuple) and value and all(
                isinstance(one, x509.Certificate) for one in value):
            value = _Certificates(tuple(one.dump() for one in value))
        portable[item.name] = value
    return portable


@dataclass(frozen=True)
class _Certificates:
    der: tuple[bytes, ...]


def _start_worker(portable: dict[str, Any]) -> None:
    from signing.validation import ValidationSettings

    global _WORKER  # noqa: PLW0603 - the worker process's one validator
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the hub's: it closes the pool
    values: dict[str, Any] = {
        name: tuple(x509.Certificate.load(one) for one in value.der)
        if isinstance(value, _Certificates) else value for name, value in portable.items()}
    _WORKER = PadesDocumentValidator(ValidationSettings(**values))
    asyncio.run(_WORKER.validate([]))  # the validation code loaded before the first chunk


def _ready() -> None:
    """Returns once the worker has started."""


def _validate_chunk(chunk: list[tuple[str, bytes]]) -> list[FileVerdict]:
    assert _WORKER is not None
    return asyncio.run(_WORKER.validate(chunk))
