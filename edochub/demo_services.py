"""The demo's outside services (the development PKI's OCSP, CRL and time-stamping, and the
reference axis) served from a child process.

In reality these are other machines. Run as threads next to both hubs they took one GIL with
them (certomancer answering a time-stamp request costs about as much CPU as the hub's own work
around a signature), so the hubs' figures measured the services too. The child is started with
``spawn`` (the parent already runs threads, which ``fork`` would copy half-way), and its log
records come back to the parent's loggers, so that a test or the demo's console sees the axis's
access log as before. The child's loggers take the parent's levels as they are at its start, so
that it does not build and send records the parent would drop (one per request to any of its
servers).
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import secrets
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from documents.domain import ConfigurationError
from signing.devpki import DevPki

#: seconds the child has to import, open the axis and listen
START_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class _Plan:
    pki: DevPki
    axis_dir: Path
    host: str
    axis_port: int
    #: agency code → (name, the agency's axis secret)
    agencies: Mapping[str, tuple[str, str]]


@contextmanager
def serving(pki: DevPki, axis_dir: Path, host: str, axis_port: int,
            agencies: Mapping[str, tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Serve ``pki``'s services and an axis (on ``host:axis_port``, data in ``axis_dir``,
    knowing ``agencies``) from a child process for the block; yields (PKI URL, axis URL)."""
    context = multiprocessing.get_context("spawn")
    records: Any = context.Queue()
    ours, theirs = context.Pipe()
    child = context.Process(target=_child, name="edochub-demo-services", daemon=True,
                            args=(_Plan(pki, axis_dir, host, axis_port, dict(agencies)),
                                  theirs, records, _levels()))
    relay = threading.Thread(target=_relay, args=(records,), name="demo-services-log",
                             daemon=True)
    relay.start()
    child.start()
    theirs.close()
    try:
        if not ours.poll(START_TIMEOUT):
            raise ConfigurationError("the demo's PKI and axis did not start in time")
        answer = ours.recv()
        if isinstance(answer, str):  # the child's one-line error
            raise ConfigurationError(answer)
        yield answer
    finally:
        with suppress(OSError):  # the child may be gone already
            ours.send("stop")
        child.join(STOP_TIMEOUT)
        if child.is_alive():
            child.terminate()
            child.join()
        records.put(None)
        relay.join()
        ours.close()


def _levels() -> dict[str, int]:
    """The parent's logger levels: the root's (key "") and every one set explicitly."""
    levels = {"": logging.getLogger().getEffectiveLevel()}
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def _relay(records: Any) -> None:
    """The child's log records, handled by the parent's loggers as if logged here."""
    while (record := records.get()) is not None:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def _child(plan: _Plan, parent: Connection, records: Any, levels: Mapping[str, int]) -> None:
    from axis.server import ServerConfig, Settings
    from axis.server import create_app as create_axis
    from documents.http import serving as serving_http
    from signing import devpki

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops us
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    for name, level in levels.items():  # what the parent's loggers would show, no more
        logging.getLogger(name or None).setLevel(level)
    with ExitStack() as stack:
        try:
            pki_url = stack.enter_context(devpki.serving(plan.pki))
            axis_app = create_axis(ServerConfig(  # agency secrets sealed under a per-run key
                data_dir=plan.axis_dir, settings=Settings(secrets_key=secrets.token_bytes(32))))
            for code, (name, secret) in plan.agencies.items():
                axis_app.state.core.add_agency(code, name, secret)
            axis_url = stack.enter_context(serving_http(axis_app, plan.host, plan.axis_port))
        except Exception as exc:  # noqa: BLE001 - whatever it is, the parent says it and stops
            parent.send(f"the demo's PKI and axis could not start: {type(exc).__name__}: {exc}")
            return
        parent.send((pki_url, axis_url))
        with suppress(EOFError):  # EOF: the parent is gone
            parent.recv()  # "stop"
