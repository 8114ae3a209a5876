"""Attachments sealed in a worker process, on another core, while the issuing thread seals the
document (Ban hành: the document and each attachment carry the organization's signature).

Signing is Python work that holds the interpreter lock: an attachment sealed on a thread of the
issuing process waits for the document's seal and the document's for it. A worker process
built from the same signer configuration (same keys, time-stamping service and trust) seals
them beside it instead. Each attachment still gets its own signature and time-stamp token; the
result is the signer's own ``seal_attachment``. Where the worker cannot serve (a machine with
one core, the worker busy with another issue's attachment, a worker that died) the hub's own
signer seals the attachment on a helper thread, as before.

The attachment goes to the worker over a pipe written by the issuing thread itself: a process
pool hands work over through its own threads, which wait for the interpreter lock while the
issuing thread signs (measured: 12-21 ms per attachment before the worker even began).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any

from documents.adapters.validation_pool import default_workers
from documents.domain.ports import DocumentSigner

#: issue requests served at once whose attachments are sealed or awaited on a helper thread
_WAITERS = 4
_STOP_TIMEOUT = 15.0


class _Worker:
    """One worker process and the issuing side's end of its pipe; ``lock`` is held from
    sending an attachment until its answer is read."""

    def __init__(self, make_signer: Callable[[], DocumentSigner]) -> None:
        import multiprocessing

        # spawn: this process runs threads (servers, the signer's helpers)
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, make_signer),
                                       name="edochub-sealing", daemon=True)
        self.process.start()
        theirs.close()
        self.lock = threading.Lock()

    def stop(self) -> None:
        with suppress(OSError):  # gone already
            self.connection.send(None)
        self.process.join(_STOP_TIMEOUT)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.connection.close()


class SealingPool:
    """``submit(pdf, number_notation)``: the attachment sealed by ``make_signer()``'s signer in
    a worker process (started by :meth:`start`, kept until :meth:`close`), or by ``here``."""

    def __init__(self, here: DocumentSigner, make_signer: Callable[[], DocumentSigner],
                 workers: int | None = None) -> None:
        self.here, self.make_signer = here, make_signer
        self.workers = min(default_workers(), 1) if workers is None else workers
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._waiters = ThreadPoolExecutor(_WAITERS, thread_name_prefix="edochub-sealing")
        #: attachments the worker sealed so far
        self.sealed_in_worker = 0

    def start(self) -> SealingPool:
        """Start the worker now (it imports the signing code and opens the keys meanwhile)."""
        self._started()
        return self

    def _started(self) -> _Worker | None:
        with self._lock:
            if self._worker is None and self.workers > 0:
                self._worker = _Worker(self.make_signer)
            return self._worker

    def submit(self, pdf: bytes, number_notation: str) -> Future[bytes]:
        worker = self._started()
        if worker is not None and worker.lock.acquire(blocking=False):
            try:
                worker.connection.send((pdf, number_notation))
            except OSError:  # the worker died: a new one next time, this attachment here
                self._forget(worker)
            else:
                return self._waiters.submit(self._answer, worker, pdf, number_notation)
        return self._waiters.submit(self.here.seal_attachment, pdf, number_notation)

    def _answer(self, worker: _Worker, pdf: bytes, number_notation: str) -> bytes:
        try:
            outcome, value = worker.connection.recv()
        except (EOFError, OSError):  # died while sealing (killed, out of memory)
            self._forget(worker)
            return self.here.seal_attachment(pdf, number_notation)
        worker.lock.release()
        if outcome == "error":
            raise value
        self.sealed_in_worker += 1
        return bytes(value)

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            if self._worker is worker:
                self._worker = None
        worker.process.kill()
        worker.process.join()
        worker.connection.close()

    def close(self) -> None:
        self._waiters.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()


def _serve(connection: Connection, make_signer: Callable[[], DocumentSigner]) -> None:
    """The worker: seal each attachment received until told to stop (None) or the hub is
    gone; a refusal goes back as the exception it is (the hub answers it as its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the hub's: it stops us
    signer = make_signer()
    try:
        while (job := connection.recv()) is not None:
            answer: tuple[str, Any]
            try:
                answer = ("sealed", signer.seal_attachment(*job))
            except Exception as exc:  # noqa: BLE001 - given back to the hub, whatever it is
                answer = ("error", exc)
            try:
                connection.send(answer)
            except Exception as exc:  # noqa: BLE001 - an error that does not pickle
                connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    except EOFError:  # the hub is gone
        return
    finally:
        signer.close()
