"""The one interface every way of reaching the axis implements, and what it answers.

Like httpx's transports: a transport has a single method, ``handle_request``, taking one of the
request values below and returning the matching answer; SOAP (zeep), the national HTTP protocol
(httpx) and the in-process transport are interchangeable behind it, and ``Retrying`` wraps any
of them. ``AxisClient`` gives the register friendly methods on top. Errors are the
``axis.errors`` classes; no zeep or httpx type leaves an adapter.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from axis.errors import AxisUnavailable, HashMismatch
from axis.protocol.messages import (
    Acknowledge,
    AgencyInfo,
    AxisRequest,
    AxisResponse,
    DeleteAgency,
    Done,
    Fetch,
    Fetched,
    ListAgencies,
    ListReceived,
    ListSent,
    Received,
    RegisterAgency,
    Registered,
    Send,
    SendReceipt,
    Sent,
    SyncAgencies,
)


class AxisTransport(Protocol):
    def handle_request(self, request: AxisRequest) -> AxisResponse: ...

    def close(self) -> None: ...


class Retrying:
    """Retry ``AxisUnavailable`` (connection lost, timeout, server error) a finite number of
    times with exponential backoff. The request is resent as is, so its message id is kept."""

    def __init__(self, inner: AxisTransport, attempts: int = 4, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.inner, self.attempts, self.backoff, self._sleep = inner, attempts, backoff, sleep

    def handle_request(self, request: AxisRequest) -> AxisResponse:
        for attempt in range(1, self.attempts + 1):
            try:
                return self.inner.handle_request(request)
            except AxisUnavailable:
                if attempt == self.attempts:
                    raise
                self._sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


class AxisClient:
    """What the register calls: the axis operations as methods, over any transport. Each
    request decides which member of ``AxisResponse`` comes back, hence the casts."""

    def __init__(self, transport: AxisTransport) -> None:
        self.transport = transport

    def send(self, path: Path, kind: str | None = None, recipients: tuple[str, ...] = (),
             message_id: str | None = None) -> SendReceipt:
        request = Send(path, kind, tuple(recipients), message_id or str(uuid.uuid4()))
        return cast(SendReceipt, self.transport.handle_request(request))

    def received(self, kind: str | None = None) -> tuple[Received, ...]:
        return cast(tuple[Received, ...], self.transport.handle_request(ListReceived(kind)))

    def fetch(self, doc_id: str, destination: Path) -> None:
        self.transport.handle_request(Fetch(doc_id, destination))

    def fetch_bytes(self, doc_id: str) -> bytes:
        """The envelope in memory, checked against the axis's SHA-256 (no file written, so
        nothing durable: the caller stores it before acknowledging)."""
        return cast(Fetched, self.transport.handle_request(Fetch(doc_id))).data

    def acknowledge(self, doc_id: str, state: str = "done") -> None:
        self.transport.handle_request(Acknowledge(doc_id, state))

    def sent(self) -> tuple[Sent, ...]:
        return cast(tuple[Sent, ...], self.transport.handle_request(ListSent()))

    def agencies(self) -> tuple[AgencyInfo, ...]:
        return cast(tuple[AgencyInfo, ...], self.transport.handle_request(ListAgencies()))

    def sync_agencies(self, since: int = 0) -> tuple[AgencyInfo, ...]:
        return cast(tuple[AgencyInfo, ...], self.transport.handle_request(SyncAgencies(since)))

    def register_agency(self, code: str, name: str, mail: str = "") -> Registered:
        return cast(Registered, self.transport.handle_request(RegisterAgency(code, name, mail)))

    def delete_agency(self, code: str) -> None:
        self.transport.handle_request(DeleteAgency(code))

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> AxisClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Download:
    """A fetched envelope written beside its destination, checked against the axis's SHA-256,
    fsynced and renamed into place: a crash never leaves a half file under the final name.
    Without a destination (``Fetch`` into memory) it is only kept and checked."""

    def __init__(self, destination: Path | None) -> None:
        self.destination = destination
        self._hash = hashlib.sha256()
        self._file: BinaryIO
        if destination is None:
            self._file = io.BytesIO()
            return
        self.partial = destination.with_name(destination.name + ".part")
        destination.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.partial, "wb")  # noqa: SIM115 - closed in commit/abort

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._file.write(chunk)

    def commit(self, sha256: str) -> Done | Fetched:
        """The answer to the ``Fetch``, once the envelope is checked (and, into a file, durable)."""
        if isinstance(self._file, io.BytesIO):  # into memory
            if self._hash.hexdigest() != sha256.lower():
                raise HashMismatch(f"fetched message does not match its SHA-256 {sha256}")
            return Fetched(self._file.getvalue())
        assert self.destination is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if self._hash.hexdigest() != sha256.lower():
            self.abort()
            raise HashMismatch(f"fetched message does not match its SHA-256 {sha256}")
        os.replace(self.partial, self.destination)
        directory = os.open(self.destination.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename too must survive a crash before we acknowledge
        finally:
            os.close(directory)
        return Done()

    def abort(self) -> None:
        self._file.close()
        if self.destination is not None:
            self.partial.unlink(missing_ok=True)
