"""Reliable exchange with the axis: the outbox worker and the inbox.

Sending: outbox rows were written with the change they report. A row is claimed by pushing its
``next_attempt_at`` a lease ahead (so a worker killed mid-send leaves it to be picked up again
when the lease runs out), sent with its one ``message_id``, then marked sent; a failure is
retried with exponential backoff up to ``MAX_ATTEMPTS``, then marked failed.

Receiving: each waiting envelope is stored and its (sender, message key) inserted in the inbox
*before* the axis is told it was received; a re-delivery hits the unique key and is only
acknowledged again. Stored envelopes are then processed, each in a savepoint of its own that
also marks it processed (a few per transaction), so a crash at any point neither loses nor
doubles a document.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from axis.errors import AxisError
from axis.protocol import request_scope
from documents.adapters.db import transaction
from documents.adapters.models import InboxMessage, OutboxMessage
from documents.domain.errors import RegisterError, StorageUnavailable
from documents.domain.ports import (
    DocumentEnvelope,
    DocumentValidator,
    FileVerdict,
    Received,
    Waiting,
)
from documents.services import directory, incoming, metrics
from documents.services.hub import Hub

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
#: seconds between two syncs of the agency directory from the axis
DIRECTORY_EVERY = 3600.0

_In = TypeVar("_In")
_Out = TypeVar("_Out")
_P = ParamSpec("_P")


class _Helpers(ThreadPoolExecutor):
    """Helper threads whose tasks run in the submitter's context: the axis calls they make
    carry the request's (or the worker round's) id, as the submitter's own calls do."""

    def submit(self, fn: Callable[_P, _Out], /, *args: _P.args,
               **kwargs: _P.kwargs) -> Future[_Out]:
        context = contextvars.copy_context()

        def in_context() -> _Out:
            return context.run(fn, *args, **kwargs)

        return super().submit(in_context)


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at 10 minutes."""
    return timedelta(seconds=min(2 ** attempts, 600))


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


#: messages claimed, and their outcomes recorded, per transaction
CLAIM_BATCH = 20


#: messages sent at once: the axis works on one while this hub prepares the next
SENDING_AT_ONCE = 2


@dataclass(frozen=True)
class _Claimed:
    outbox_id: int
    payload_hash: str
    #: the payload itself where the row keeps it (status reports); None: the file store has it
    payload: bytes | None
    kind: str
    message_id: str
    #: messages of one lane go out one after the other, in order: those to one recipient of
    #: one document (a document before its recall), or a hub's statuses to one agency
    lane: str


def _claim(hub: Hub, lease: timedelta, limit: int) -> list[_Claimed]:
    """Up to ``limit`` due messages, each leased in this one transaction."""
    now = hub.clock()
    with transaction(hub.sessions) as session:
        query = (select(OutboxMessage)
                 .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True))
        claimed = []
        for message in session.scalars(query):
            message.attempts += 1
            message.next_attempt_at = now + lease
            lane = (f"recipient {message.recipient_id}" if message.recipient_id is not None
                    else f"agency {message.to_organ_id}")
            claimed.append(_Claimed(message.id, message.payload_hash, message.payload,
                                    message.kind, message.message_id, lane))
        return claimed


def deliver_due(hub: Hub, limit: int = 1000, lease: timedelta = LEASE) -> Delivery:
    """Send what is due now, in order within each lane (``_Claimed.lane``), lanes side by
    side; claims and outcomes are written a batch at a time (a crash between a send and its
    outcome resends it after the lease, under its message id, which the axis takes once)."""
    axis = hub.axis
    if axis is None:
        raise RegisterError("this hub has no axis link configured")
    total = Delivery()

    def send_lane(messages: list[_Claimed], errors: dict[int, str | None]) -> None:
        for message in messages:
            try:
                payload = (message.payload if message.payload is not None
                           else hub.store.get(message.payload_hash))
                axis.send(payload, message.kind, message.message_id)
                errors[message.outbox_id] = None
            except (AxisError, OSError) as exc:
                errors[message.outbox_id] = str(exc) or type(exc).__name__
                metrics.EXCHANGE_FAILURES.labels(hub.settings.organ_id, "send").inc()

    with _Helpers(max_workers=SENDING_AT_ONCE, thread_name_prefix="edochub-deliver") as helpers:
        while limit > 0:
            claimed = _claim(hub, lease, min(limit, CLAIM_BATCH))
            if not claimed:
                break
            limit -= len(claimed)
            lanes: dict[str, list[_Claimed]] = {}
            for message in claimed:
                lanes.setdefault(message.lane, []).append(message)
            errors: dict[int, str | None] = {}
            sending = [helpers.submit(send_lane, lane, errors) for lane in lanes.values()]
            try:
                wait(sending)
            finally:  # what went out is recorded, even when a send broke the round
                outcome = _record(hub, dict(errors))
            for lane in sending:
                lane.result()  # an unexpected error, once the outcomes are written
            total = Delivery(total.sent + outcome.sent, total.retrying + outcome.retrying,
                             total.failed + outcome.failed)
    return total


def _record(hub: Hub, errors: dict[int, str | None]) -> Delivery:
    """Outbox id → the send's error (None: sent), written in one transaction."""
    sent = retrying = failed = 0
    if not errors:
        return Delivery()
    with transaction(hub.sessions) as session:
        messages = session.scalars(select(OutboxMessage).where(
            OutboxMessage.id.in_(list(errors))))  # claimed: they exist
        for message in messages:
            error = errors[message.id]
            if error is None:
                message.state, message.sent_at, message.last_error = "sent", hub.clock(), ""
                sent += 1
            elif message.attempts >= MAX_ATTEMPTS:
                message.state, message.last_error = "failed", error
                failed += 1
            else:
                message.next_attempt_at = hub.clock() + backoff(message.attempts)
                message.last_error = error
                retrying += 1
    return Delivery(sent, retrying, failed)


def collect(hub: Hub) -> int:
    """Take every waiting envelope off the axis into the inbox; the number newly stored.
    Envelopes are fetched, stored and read by two helper threads, one envelope each (one
    ahead, so memory holds at most two); their inbox rows are inserted a batch per
    transaction, and only then acknowledged, while the next batch is taken: the waits on the
    axis and on the disk overlap the hub's work."""
    axis = hub.axis
    if axis is None:
        raise RegisterError("this hub has no axis link configured")
    waiting = axis.waiting()
    stored = 0

    def take(one: Waiting) -> InboxMessage:
        return _inbox_row(hub, one.axis_id, one.kind, axis.fetch(one.axis_id))

    with _Helpers(max_workers=2, thread_name_prefix="edochub-collect") as helpers, \
            _Helpers(max_workers=1, thread_name_prefix="edochub-ack") as acks, \
            closing(_one_ahead(helpers, take, waiting)) as taken:
        acknowledging: list[Future[None]] = []
        for start in range(0, len(waiting), CLAIM_BATCH):
            batch = waiting[start:start + CLAIM_BATCH]
            # the next batch's first envelope is fetched while this batch is inserted
            rows = list(islice(taken, len(batch)))
            with transaction(hub.sessions) as session:
                for row in rows:
                    try:
                        with session.begin_nested():
                            session.add(row)
                        stored += 1
                    except IntegrityError:
                        pass  # delivered before: (sender, message key) is already in the inbox
            for acknowledged in acknowledging:  # the previous batch's, sent meanwhile
                acknowledged.result()
            acknowledging = [acks.submit(axis.acknowledge, one.axis_id) for one in batch]
        for acknowledged in acknowledging:
            acknowledged.result()
    return stored


def _one_ahead(helpers: ThreadPoolExecutor, work: Callable[[_In], _Out],
               items: Sequence[_In]) -> Generator[_Out, None, None]:
    """``work(item)`` for each item in order, the next one running while this one is used."""
    pending: Future[_Out] | None = helpers.submit(work, items[0]) if items else None
    try:
        for index in range(len(items)):
            assert pending is not None
            current = pending
            pending = helpers.submit(work, items[index + 1]) if index + 1 < len(items) else None
            yield current.result()
    finally:
        if pending is not None:  # given up half-way: the envelope stays on the axis
            pending.cancel()


def _inbox_row(hub: Hub, axis_id: str, axis_kind: str, data: bytes) -> InboxMessage:
    blob = hub.store.put(data)
    try:
        received = hub.codec.read(data)
        sender, kind = received.sender, _kind(received)
        key = received.message_key(axis_id)
        state, error = "stored", ""
    except RegisterError as exc:
        sender, key, kind = "unknown", f"axis:{axis_id}", axis_kind
        state, error = "failed", str(exc)
    return InboxMessage(sender=sender, message_id=key, kind=kind, blob_hash=blob, state=state,
                        error=error, received_at=hub.clock())


def _kind(received: Received) -> str:
    return "edoc" if received.document is not None else "status"


@dataclass(frozen=True)
class Processing:
    documents: int = 0
    verified: int = 0
    statuses: int = 0
    failed: int = 0


def _pdfs(envelope: DocumentEnvelope) -> list[tuple[str, bytes]]:
    return [(f.name, f.data) for f in envelope.files
            if f.content_type == "application/pdf" or f.name.lower().endswith(".pdf")]


def process_stored(hub: Hub, limit: int = 1000, batch: int = 50) -> Processing:
    """Turn stored inbox envelopes into incoming documents, change requests and statuses.

    Signatures are validated a batch at a time (one validator, shared OCSP/CRL caches),
    outside any transaction; each envelope is then applied (``_apply_batch``) once its batch
    is wholly validated. While the validator works on a batch (partly in worker
    processes), this thread reads the next batch and applies the previous one, so that the
    cores are not idle between batches."""
    validator = hub.validator
    if validator is None:
        raise RegisterError("this hub has no validator configured")
    with hub.sessions() as session:
        pending = session.scalars(select(InboxMessage.id).where(
            InboxMessage.state == "stored").order_by(InboxMessage.id).limit(limit)).all()
    batches = [pending[start:start + batch] for start in range(0, len(pending), batch)]
    total = Processing()
    if not batches:
        return total
    with _Helpers(max_workers=1, thread_name_prefix="edochub-validate") as helper, \
            _Helpers(max_workers=2, thread_name_prefix="edochub-store") as storing:
        parsed = _read_batch(hub, storing, batches[0])
        validating = helper.submit(_validate, validator, parsed)
        for following in [*batches[1:], None]:
            # the next batch is read while this one is validated, and its validation started
            # before this one is applied: neither waits for the other
            try:
                upcoming = (_read_batch(hub, storing, following) if following is not None
                            else None)
            except RegisterError:  # as before: what was validated is applied, then it stops
                _apply_batch(hub, parsed, validating.result())
                raise
            results = validating.result()
            if upcoming is not None:
                validating = helper.submit(_validate, validator, upcoming)
            total = _sum(total, _apply_batch(hub, parsed, results))
            if upcoming is not None:
                parsed = upcoming
    return total


def _sum(a: Processing, b: Processing) -> Processing:
    return Processing(a.documents + b.documents, a.verified + b.verified,
                      a.statuses + b.statuses, a.failed + b.failed)


#: an inbox row's id, its envelope as read, the PDFs whose signatures are to be validated and
#: the new document's files being put in the hub's store
_Parsed = tuple[int, Received, list[tuple[str, bytes]], list[Future[str]]]


def _read_batch(hub: Hub, storing: ThreadPoolExecutor, inbox_ids: Sequence[int]
                ) -> list[_Parsed]:
    """The envelopes read; a new document's files are put in the store by ``storing`` while
    the batch waits for its validation (content-addressed: a refused document leaves only
    files that nothing names, as a failed transaction always could)."""
    parsed: list[_Parsed] = []
    with hub.sessions() as session:
        blobs = {inbox_id: blob for inbox_id, blob in session.execute(
            select(InboxMessage.id, InboxMessage.blob_hash).where(
                InboxMessage.id.in_(list(inbox_ids))))}
    for inbox_id in inbox_ids:
        received = hub.codec.read(hub.store.get(blobs[inbox_id]))
        document = received.document
        new = document is not None and document.business in (0, 3)
        parsed.append((inbox_id, received, _pdfs(document) if document and new else [],
                       [storing.submit(hub.store.put, part.data) for part in document.files]
                       if document and new else []))
    return parsed


def _validate(validator: DocumentValidator, parsed: list[_Parsed]) -> list[FileVerdict]:
    flat = [pdf for _, _, pdfs, _ in parsed for pdf in pdfs]
    return asyncio.run(validator.validate(flat)) if flat else []


#: envelopes applied per transaction, each in a savepoint of its own
APPLY_BATCH = 10


def _apply_batch(hub: Hub, parsed: list[_Parsed], verdicts: list[FileVerdict]) -> Processing:
    """Each envelope's effect, with its inbox row marked processed (or failed), in a savepoint
    of its own; ``APPLY_BATCH`` of them per transaction, so that one commit makes several
    durable (nothing of theirs goes out before: their status messages are outbox rows in the
    same transaction)."""
    documents = verified = statuses = failed = 0
    results = iter(verdicts)
    checked = [(inbox_id, received, [next(results) for _ in pdfs], stored)
               for inbox_id, received, pdfs, stored in parsed]
    for start in range(0, len(checked), APPLY_BATCH):
        group = checked[start:start + APPLY_BATCH]
        with transaction(hub.sessions) as session:
            rows = {row.id: row for row in session.scalars(
                select(InboxMessage).where(InboxMessage.id.in_([one[0] for one in group]))
                .order_by(InboxMessage.id).with_for_update())}  # one lock order for all
            for inbox_id, received, mine, stored in group:
                for result in mine:
                    verdict = "passed" if result.bottom_line else "not passed"
                    metrics.SIGNATURES_VALIDATED.labels(hub.settings.organ_id, verdict).inc()
                row = rows[inbox_id]
                if row.state != "stored":
                    continue  # another worker got there first
                try:
                    with session.begin_nested():
                        kind = _apply(session, hub, received, row.blob_hash, mine,
                                      [put.result() for put in stored])
                        row.state = "processed"
                except StorageUnavailable:
                    raise  # not this envelope's fault: the round stops, the next one retries
                except RegisterError as exc:  # its savepoint is undone; the row says why
                    metrics.EXCHANGE_FAILURES.labels(hub.settings.organ_id, "arrival").inc()
                    row.state, row.error = "failed", str(exc)
                    failed += 1
                    continue
                if kind == "status":
                    statuses += 1
                else:
                    documents += 1
                    verified += kind == "verified"
    return Processing(documents, verified, statuses, failed)


def _apply(session: Session, hub: Hub, received: Received, blob: str,
           results: list[FileVerdict], file_hashes: list[str]) -> str:
    if received.status is not None:
        incoming.apply_status(session, received.status)
        return "status"
    envelope = received.document
    if envelope is None:
        raise RegisterError("the envelope holds neither a document nor a status")
    outcome = "document"
    if envelope.business in (0, 3):
        expected = hub.settings.expected_seal_identifier(envelope.sender.organ_id)
        verification = incoming.verify_files(expected, results)
        incoming.accept_document(session, hub, envelope, blob, verification, file_hashes)
        if verification.signatures_valid and verification.sender_matches:
            outcome = "verified"
    if envelope.business != 0:
        incoming.note_change_request(session, hub, envelope, blob)
    return outcome


class Worker:
    """Runs delivery, collection and processing in a background thread until stopped."""

    def __init__(self, hub: Hub, interval: float = 1.0,
                 directory_every: float = DIRECTORY_EVERY) -> None:
        self.hub, self.interval, self.directory_every = hub, interval, directory_every
        self._next_directory_sync = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="edochub-worker", daemon=True)

    def run_once(self) -> tuple[Delivery, Processing]:
        """One round under a request id of its own: its log lines and its calls to the axis
        (the axis logs the same id) can be told from other rounds'."""
        with request_scope() as round_id:
            delivery = deliver_due(self.hub)
            collected = collect(self.hub)
            processing = process_stored(self.hub)
            if time.monotonic() >= self._next_directory_sync:
                directory.sync(self.hub)  # the axis's agency directory: what changed since
                self._next_directory_sync = time.monotonic() + self.directory_every
            if delivery.sent or delivery.failed or collected or processing.documents \
                    or processing.statuses or processing.failed:
                log.info("exchange round", extra={"fields": {
                    "request_id": round_id, "sent": delivery.sent, "retrying": delivery.retrying,
                    "send_failed": delivery.failed, "collected": collected,
                    "documents": processing.documents, "statuses": processing.statuses,
                    "arrival_failed": processing.failed}})
        return delivery, processing

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except (AxisError, RegisterError, OSError) as exc:
                # the axis is down or a message is bad: say so, try again next round
                log.warning("exchange round failed: %s", exc)
            self._stop.wait(self.interval)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
