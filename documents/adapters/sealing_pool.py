"""The issuing work beside the document's seal, in a worker process on another core (Ban
hành: the leader's signature is checked, then the document and each attachment carry the
organization's signature).

Signing and validating are Python work that holds the interpreter lock: done on threads of the
issuing process, they wait for the document's seal and it for them. A worker process built
from the same signer configuration (same keys, time-stamping service and trust) checks the
leader's signature (``check_leader_signature``, what ``issue`` would check) and seals the
attachments beside it instead. Each attachment still gets its own signature and time-stamp
token; the result is the signer's own ``seal_attachment``, and a refusal the signer's own
error. Where the worker cannot serve (a machine with one core, the worker busy with another
issue, a worker that died) the issuing thread checks the signature itself and the hub's own
signer seals the attachments on helper threads, as before.

The work goes to the worker over a pipe written by the issuing thread itself: a process
pool hands work over through its own threads, which wait for the interpreter lock while the
issuing thread signs (measured: 12-21 ms per attachment before the worker even began).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from functools import partial
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
    """``submit(document, attachments, number_notation)``: the document's leader signature
    checked and the attachments sealed by ``make_signer()``'s signer in a worker process
    (started by :meth:`start`, kept until :meth:`close`), or the attachments by ``here``."""

    def __init__(self, here: DocumentSigner, make_signer: Callable[[], DocumentSigner],
                 workers: int | None = None) -> None:
        self.here, self.make_signer = here, make_signer
        self.workers = min(default_workers(), 1) if workers is None else workers
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._waiters = ThreadPoolExecutor(_WAITERS, thread_name_prefix="edochub-sealing")
        #: attachments the worker sealed, and leader signatures it checked, so far
        self.sealed_in_worker = self.checked_in_worker = 0

    def start(self) -> SealingPool:
        """Start the worker now (it imports the signing code and opens the keys meanwhile)."""
        self._started()
        return self

    def _started(self) -> _Worker | None:
        with self._lock:
            if self._worker is None and self.workers > 0:
                self._worker = _Worker(self.make_signer)
            return self._worker

    def submit(self, document: bytes | None, attachments: Sequence[bytes], number_notation: str
               ) -> tuple[Future[None] | None, list[Future[bytes]]]:
        """The worker checks ``document``'s leader signature, then seals each attachment; when
        it is busy (another issue) or gone, the check is left to the caller (None) and the
        attachments are sealed here on helper threads."""
        jobs: list[_Job] = [("check", document, "")] if document is not None else []
        jobs += [("seal", pdf, number_notation) for pdf in attachments]
        worker = self._started()
        if worker is not None and jobs and worker.lock.acquire(blocking=False):
            try:
                worker.connection.send(jobs)
            except OSError:  # the worker died: a new one next time, this issue here
                self._forget(worker)
            else:
                answers: list[Future[Any]] = []
                for _ in jobs:
                    answer: Future[Any] = Future()
                    answer.set_running_or_notify_cancel()  # as a pool's: waited for, not undone
                    answers.append(answer)
                self._waiters.submit(self._answers, worker, jobs, answers)
                if document is None:
                    return None, answers
                return answers[0], answers[1:]
        return None, [self._waiters.submit(self.here.seal_attachment, pdf, number_notation)
                      for pdf in attachments]

    def _answers(self, worker: _Worker, jobs: list[_Job], answers: list[Future[Any]]) -> None:
        for index, (job, answer) in enumerate(zip(jobs, answers, strict=True)):
            try:
                outcome, value = worker.connection.recv()
            except (EOFError, OSError):  # died meanwhile (killed, out of memory)
                self._forget(worker)
                for left, waiting in zip(jobs[index:], answers[index:], strict=True):
                    _settle(waiting, partial(_run, self.here, left))
                return
            if index == len(jobs) - 1:  # free for the next issue before this one goes on
                worker.lock.release()
            if outcome == "error":
                answer.set_exception(value)
                continue
            if job[0] == "check":
                self.checked_in_worker += 1
            else:
                self.sealed_in_worker += 1
            answer.set_result(None if job[0] == "check" else bytes(value))

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


#: ("check", document, "") or ("seal", attachment, number and notation)
_Job = tuple[str, bytes, str]


def _run(signer: DocumentSigner, job: _Job) -> bytes | None:
    """One job done by ``signer``: None for a check that passed, else the sealed attachment."""
    kind, pdf, number_notation = job
    if kind == "check":
        signer.check_leader_signature(pdf)
        return None
    return signer.seal_attachment(pdf, number_notation)


def _settle(answer: Future[Any], work: Callable[[], Any]) -> None:
    try:
        answer.set_result(work())
    except Exception as exc:  # noqa: BLE001 - the caller gets it, whatever it is
        answer.set_exception(exc)


def _serve(connection: Connection, make_signer: Callable[[], DocumentSigner]) -> None:
    """The worker: each issue's jobs (a leader signature to check, attachments to seal) done
    in order, one answer each, until told to stop (None) or the hub is gone; a refusal goes
    back as the exception it is (the hub answers it as its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the hub's: it stops us
    signer = make_signer()
    try:
        while (jobs := connection.recv()) is not None:
            for job in jobs:
                answer: tuple[str, Any]
                try:
                    answer = ("done", _run(signer, job))
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
