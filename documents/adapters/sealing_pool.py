"""Attachments sealed in a worker process, on another core, while the issuing thread seals the
document (Ban hành: the document and each attachment carry the organization's signature).

Signing is Python work that holds the interpreter lock: an attachment sealed on a thread of the
issuing process waits for the document's seal and the document's for it. A worker process
built from the same signer configuration (same keys, time-stamping service and trust) seals
them beside it instead. Each attachment still gets its own signature and time-stamp token; the
result is the signer's own ``seal_attachment``. Where the worker cannot serve (a machine with
one core, a worker that died) the hub's own signer seals the attachment, as before.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from documents.adapters.validation_pool import default_workers, spawn_pool
from documents.domain.ports import DocumentSigner

#: issue requests served at once whose attachments may wait on the worker (the waiting threads
#: hold no lock: they only pass the attachment over and wait)
_WAITERS = 4


class SealingPool:
    """``submit(pdf, number_notation)``: the attachment sealed by ``make_signer()``'s signer in
    a worker process (started by :meth:`start`, kept until :meth:`close`), or by ``here``."""

    def __init__(self, here: DocumentSigner, make_signer: Callable[[], DocumentSigner],
                 workers: int | None = None) -> None:
        self.here, self.make_signer = here, make_signer
        self.workers = min(default_workers(), 1) if workers is None else workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._waiters = ThreadPoolExecutor(_WAITERS, thread_name_prefix="edochub-sealing")
        #: attachments the worker sealed so far
        self.sealed_in_worker = 0

    def start(self) -> SealingPool:
        """Start the worker now (it imports the signing code and opens the keys meanwhile)."""
        self._started()
        return self

    def _started(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._pool is None and self.workers > 0:
                self._pool = spawn_pool(self.workers, _start_worker, (self.make_signer,))
            return self._pool

    def submit(self, pdf: bytes, number_notation: str) -> Future[bytes]:
        return self._waiters.submit(self._seal, pdf, number_notation)

    def _seal(self, pdf: bytes, number_notation: str) -> bytes:
        pool = self._started()
        if pool is not None:
            try:
                sealed = pool.submit(_seal_attachment, pdf, number_notation).result()
            except BrokenProcessPool:  # the worker died (killed, out of memory): a new one
                with self._lock:     # next time, this attachment here
                    if self._pool is pool:
                        self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            else:
                self.sealed_in_worker += 1
                return sealed
        return self.here.seal_attachment(pdf, number_notation)

    def close(self) -> None:
        self._waiters.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_WORKER: DocumentSigner | None = None


def _start_worker(make_signer: Callable[[], DocumentSigner]) -> None:
    global _WORKER  # noqa: PLW0603 - the worker process's one signer
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the hub's: it closes the pool
    _WORKER = make_signer()


def _seal_attachment(pdf: bytes, number_notation: str) -> bytes:
    assert _WORKER is not None
    return _WORKER.seal_attachment(pdf, number_notation)
