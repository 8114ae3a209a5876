"""One :class:`signing.validation.validator.Validator` kept across calls (a hub validating what
it receives, batch after batch): its OCSP/CRL answers and validated paths are reused while they
are at most ``fresh_for`` seconds old, then a fresh validator fetches them again, so a
certificate revoked meanwhile is refused within that time (the rule the hub's signer follows).

A Validator is bound to the event loop it was opened on (its HTTP sessions), and callers run
each batch in an event loop of their own (``asyncio.run`` per batch). So the kept validator
lives on an event loop of its own, in a daemon thread started on first use: :meth:`validate`
hands the files to that loop and awaits the answer from the caller's loop. Files of concurrent
calls are validated on that one loop, interleaved where they wait on the network. A validator
that is no longer fresh, or met a failed OCSP/CRL fetch (which pyHanko's fetchers remember),
takes no new files and is closed once the calls using it are done.
:meth:`close` (or the object's collection, or the process's exit) stops the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from signing.validation.results import FileResult
    from signing.validation.validator import ValidationSettings, Validator

#: how long close() waits for the validator's connections to close
_CLOSE_SECONDS = 10.0


@dataclass
class _Open:
    validator: Validator
    since: float
    #: calls using it now
    active: int = 0


class _Loop:
    """The thread, its event loop and what is open on it (apart from the KeptValidator, so
    that collecting that can stop them)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever,
                                       name="edochub-kept-validator", daemon=True)
        self.current: _Open | None = None
        self.opening: asyncio.Lock | None = None
        self.thread.start()

    async def close_validators(self) -> None:
        if self.current is not None:
            current, self.current = self.current, None
            await current.validator.aclose()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        if threading.current_thread() is self.thread:
            self.loop.call_soon(self.loop.stop)
            return
        if self.loop.is_running():
            # closing: nothing left to report a failure to
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self.close_validators(), self.loop) \
                    .result(_CLOSE_SECONDS)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(_CLOSE_SECONDS)
        if not self.loop.is_running():
            self.loop.close()


class KeptValidator:
    """Validates files with one Validator at a time, renewed every ``fresh_for`` seconds."""

    def __init__(self, settings: ValidationSettings, fresh_for: float) -> None:
        self.settings = settings
        self.fresh_for = fresh_for
        self._lock = threading.Lock()
        self._running: _Loop | None = None

    async def validate(self, files: Sequence[tuple[str, bytes]]) -> list[FileResult]:
        """Every signature of every ``(name, pdf)``, in order."""
        running = self._loop()
        future = asyncio.run_coroutine_threadsafe(self._validate(running, files), running.loop)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        with self._lock:
            running, self._running = self._running, None
        if running is not None:
            running.stop()

    def _loop(self) -> _Loop:
        with self._lock:
            if self._running is None:
                self._running = _Loop()
                weakref.finalize(self, self._running.stop)
            return self._running

    async def _validate(self, running: _Loop, files: Sequence[tuple[str, bytes]],
                        ) -> list[FileResult]:
        kept = await self._fresh(running)
        kept.active += 1
        failures, _ = kept.validator.fetch_failures_since(0)
        try:
            return [await kept.validator.async_validate_bytes(data, name=name)
                    for name, data in files]
        finally:
            kept.active -= 1
            if kept.validator.fetch_failures_since(0)[0] > failures \
                    and running.current is kept:
                # pyHanko's fetchers remember a failed fetch: the next call starts afresh
                # (and asks the service again), as a validator of its own would
                running.current = None
            if kept is not running.current and kept.active == 0:
                await kept.validator.aclose()

    async def _fresh(self, running: _Loop) -> _Open:
        """The validator to use now (on the loop's thread)."""
        from signing.validation.validator import Validator

        if running.opening is None:
            running.opening = asyncio.Lock()
        async with running.opening:
            current = running.current
            if current is not None and time.monotonic() - current.since < self.fresh_for:
                return current
            running.current = _Open(await Validator(self.settings).__aenter__(),
                                    time.monotonic())
            if current is not None and current.active == 0:
                await current.validator.aclose()
            return running.current
