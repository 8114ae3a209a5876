"""Running the ``edochub`` command in tests.

:func:`run_cli` calls :func:`edochub.cli.main` in this process, as ``python -m edochub`` would
run it, but without starting a new interpreter: output goes to strings, ``env`` and ``cwd``
apply for the duration of the call, and an exit (``SystemExit`` from argparse's errors and
``--help``, an uncaught exception's exit 1 with its traceback on stderr) becomes the return
code. :func:`run_cli_process` starts a real child process for tests about the process itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

Arg = str | os.PathLike


@dataclass(frozen=True)
class CliResult:
    """What a finished ``edochub`` run left: the fields of ``subprocess.CompletedProcess``
    that the tests read."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: Arg, env: dict[str, str] | None = None, cwd: Path | None = None,
            process: bool = False, timeout: float = 300) -> CliResult:
    """Run ``edochub ARGS`` and capture its text output; in this process unless ``process``
    (``timeout`` applies to a child process only)."""
    if process:
        return run_cli_process(*args, env=env, cwd=cwd, timeout=timeout)
    argv = [str(arg) for arg in args]
    stdout, stderr = io.StringIO(), io.StringIO()
    with _environment(env or {}), _directory(cwd), _logging_to(stderr), \
            contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = _call_main(argv)
    return CliResult(argv, code, stdout.getvalue(), stderr.getvalue())


def run_cli_process(*args: Arg, env: dict[str, str] | None = None, cwd: Path | None = None,
                    timeout: float = 300) -> CliResult:
    """Run ``python -m edochub ARGS`` in a child process, as a user would."""
    argv = [str(arg) for arg in args]
    done = subprocess.run([sys.executable, "-m", "edochub", *argv], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, cwd=cwd,
                          timeout=timeout)
    return CliResult(argv, done.returncode, done.stdout, done.stderr)


def _call_main(argv: list[str]) -> int:
    """``main(argv)``'s exit code; on a thread of its own when this thread runs an event loop
    (the browser tests' Playwright), since the commands call ``asyncio.run``."""
    if not _loop_running():
        return _exit_code(argv)
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(_exit_code(argv)),
                              name="edochub-cli")
    worker.start()
    worker.join()
    return codes[0]


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _exit_code(argv: list[str]) -> int:
    """The exit status ``python -m edochub ARGV`` would have."""
    from edochub.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except Exception:  # what the interpreter does with an uncaught exception
        traceback.print_exc(file=sys.stderr)
        return 1


@contextlib.contextmanager
def _environment(changes: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _directory(cwd: Path | None) -> Iterator[None]:
    if cwd is None:
        yield
        return
    before = os.getcwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def _logging_to(stderr: io.StringIO) -> Iterator[None]:
    """Warnings logged during the run reach ``stderr`` as in a fresh interpreter (where
    logging's last-resort handler prints them), and logger levels the command sets (e.g.
    ``quiet_libraries``) do not outlive it."""
    manager = logging.Logger.manager
    levels = {name: logger.level for name, logger in manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}
    handler = logging.StreamHandler(stderr)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for name, logger in list(manager.loggerDict.items()):
            if isinstance(logger, logging.Logger):
                logger.setLevel(levels.get(name, logging.NOTSET))


__all__: Sequence[str] = ("CliResult", "run_cli", "run_cli_process")
