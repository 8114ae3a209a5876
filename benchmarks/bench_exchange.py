"""Documents per second from one hub to the other through the axis, end to end, next to the
time the same signing and validation take alone.

End to end: for each document the specialist's draft (PDF + one attachment), the number and
date fields added at submission, the leader's signature (with image), the clerk's issuance
(leader's signature checked, number and date filled, seal, attachment signed) and sending, each
step a register transaction with its audit entry and outbox row; then the outbox worker sends every
envelope over the national HTTP protocol to the reference axis, the receiving hub collects,
validates every signature (OCSP/CRL on the development PKI) and stores each document, answering
status 01, and its clerk registers each one in the incoming book (status 03 queued).

Baseline ("alone"): the same field preparation, the three signatures (with the issuance's
check of the leader's signature) and the validation of both PDFs, by the same hub objects
with the same reuse as the end-to-end part: the sending hub's signer keeps its certificate
checks, size estimates and the OCSP/CRL answers of its leader-signature check for
``documents.adapters.signing.REVOCATION_REUSE_SECONDS``; the receiving hub's validator shares its
OCSP/CRL answers within each batch of 50 documents. Nothing of the register, edXML or the axis.
Both parts are timed warm: one document is signed and validated alone, unmeasured, before
either (the hubs' keys opened, certificates checked, fonts and code loaded).

The run checks its own outcome before printing any figure (every document sent once, received
once, verified, registered with incoming numbers 1..N, the received ones exactly the sent ones)
and stops with an error otherwise, so a broken run cannot look fast. Progress goes to stderr.

    python benchmarks/bench_exchange.py [--documents 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

if TYPE_CHECKING:
    from documents.adapters import User
    from documents.services import Hub

#: the receiver validates 50 documents (100 PDFs) per call, as exchange.process_stored does
_VALIDATION_BATCH = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    count = args.documents
    for name in ("werkzeug", "pyhanko", "pyhanko_certvalidator", "httpx", "documents"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    from documents.adapters import IncomingDocument, User, transaction
    from documents.domain import FilePart, LeaderKey, Party
    from documents.services import exchange, incoming, outgoing
    from edochub import demo
    from edochub.samples import simple_pdf
    from signing.stamping import draft_decision_pdf

    # the Decree 30 specimen draft (number/date fields, leader image, seal) and a plain annex
    pdf, annex = draft_decision_pdf(), simple_pdf("Benchmark annex")
    with tempfile.TemporaryDirectory(prefix="edochub-bench-") as scratch, \
            demo.running(Path(scratch)) as world:
        sender, receiver = world.hubs[demo.SENDER], world.hubs[demo.RECEIVER]
        people = {id(hub): _people(hub, User) for hub in (sender, receiver)}

        def step(hub: Hub, function: Callable[..., Any], role: str, *more: object) -> Any:
            with transaction(hub.sessions) as session:
                return function(session, hub, people[id(hub)][role], *more)

        signer, validator = sender.signer, receiver.validator
        leader = LeaderKey("leader", "Nguyễn Văn An", "Phó Chủ tịch")

        def alone(index: int) -> list[tuple[str, bytes]]:
            signed = signer.issue(signer.sign_as_leader(signer.prepare(pdf), leader), index + 1,
                                  "UBND-VP", "Hà Nội", receiver.today())
            return [("document.pdf", signed),
                    ("phu-luc.pdf", signer.seal_attachment(annex, "01/UBND-VP"))]

        # not measured: one document signed and validated alone first, so that both figures
        # are taken warm (keys opened, certificates checked, fonts and code loaded); the
        # baseline below used to get all of that from the end-to-end part before it
        if not all(r.bottom_line for r in asyncio.run(validator.validate(alone(0)))):
            raise SystemExit("warm-up: a signature did not validate")

        started, cpu = time.perf_counter(), time.process_time()
        for index in range(count):
            draft = step(sender, outgoing.create_draft, "specialist",
                         outgoing.Draft("Công văn", f"Văn bản đo tốc độ số {index}",
                                        (Party(demo.RECEIVER, "Bộ Mẫu"),), unit="VP"),
                         pdf, (FilePart("phu-luc.pdf", "application/pdf", annex),))
            step(sender, outgoing.submit, "specialist", draft.id)
            step(sender, outgoing.sign, "leader", draft.id)
            step(sender, outgoing.issue, "clerk", draft.id)
            step(sender, outgoing.send, "clerk", draft.id)
            _progress("issued and queued", index + 1, count, started)
        exchange.deliver_due(sender, limit=count + 10)
        _progress("sent to the axis", count, count, started)
        exchange.collect(receiver)
        exchange.process_stored(receiver, limit=count + 10)
        _progress("received and validated", count, count, started)
        with receiver.sessions() as session:
            arrived = session.scalars(select(IncomingDocument.id).where(
                IncomingDocument.signatures_valid, IncomingDocument.sender_matches)).all()
        for document_id in arrived:
            step(receiver, incoming.register, "clerk", document_id, "Văn phòng Bộ")
        end_to_end, end_to_end_cpu = time.perf_counter() - started, time.process_time() - cpu
        outcome = _check_outcome(sender, receiver, count)
        print(outcome, file=sys.stderr, flush=True)

        started, cpu = time.perf_counter(), time.process_time()
        batch: list[tuple[str, bytes]] = []
        for index in range(count):
            batch += alone(index)
            if len(batch) >= _VALIDATION_BATCH or index == count - 1:
                results = asyncio.run(validator.validate(batch))
                if not all(r.bottom_line for r in results):
                    raise SystemExit("baseline: a signature did not validate")
                batch = []
            _progress("baseline", index + 1, count, started)
        only, only_cpu = time.perf_counter() - started, time.process_time() - cpu

    print(f"documents: {count} (each with one attachment; 3 PAdES signatures, 2 PDFs validated)")
    print(f"outcome checked: {outcome}")
    print(f"end to end through the axis : {end_to_end:8.1f} s  {count / end_to_end:7.2f} docs/s"
          f"  {1000 * end_to_end_cpu / count:6.1f} ms CPU/doc")
    print(f"signing + validation alone  : {only:8.1f} s  {count / only:7.2f} docs/s"
          f"  {1000 * only_cpu / count:6.1f} ms CPU/doc")
    print(f"register + exchange overhead: {end_to_end - only:8.1f} s  "
          f"({(end_to_end - only) / end_to_end:.0%} of end to end)")
    print("(CPU: the hubs' process only; the PKI services and the reference axis run in a child "
          "process, large validation batches partly in worker processes)")


def _people(hub: Hub, user_model: type[User]) -> dict[str, User]:
    with hub.sessions() as session:
        return {u.role: u for u in session.scalars(select(user_model))}


def _progress(what: str, done: int, count: int, started: float) -> None:
    if done % 100 == 0 or done == count:
        print(f"  {what}: {done}/{count} after {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)


def _check_outcome(sender: Hub, receiver: Hub, count: int) -> str:
    """Every document sent once, received once, verified and registered with incoming numbers
    1..count, the received ones exactly the issued ones; SystemExit (no figures) otherwise."""
    from documents.adapters import InboxMessage, IncomingDocument, OutboxMessage, OutgoingDocument

    with sender.sessions() as session:
        issued = set(session.scalars(select(OutgoingDocument.document_id)))
        sent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "edoc", OutboxMessage.state == "sent"))
    with receiver.sessions() as session:
        inbox = session.scalar(select(func.count()).select_from(InboxMessage).where(
            InboxMessage.kind != "status"))
        rows = session.execute(select(
            IncomingDocument.message_id, IncomingDocument.signatures_valid,
            IncomingDocument.sender_matches, IncomingDocument.incoming_number,
            IncomingDocument.verification)).all()
    received = {row.message_id for row in rows}
    verified = sum(row.signatures_valid and row.sender_matches for row in rows)
    numbers = sorted(row.incoming_number for row in rows if row.incoming_number is not None)
    signatures = sum(len(f["signatures"]) for row in rows for f in row.verification["files"])
    found = (f"{len(issued)} issued, {sent} sent, {inbox} in the inbox, {len(rows)} received "
             f"({len(received)} distinct), {verified} verified ({signatures} signatures), "
             f"{len(numbers)} registered")
    if not (len(issued) == sent == inbox == len(rows) == len(received) == verified == count
            and received == issued and numbers == list(range(1, count + 1))
            and signatures == 3 * count):
        raise SystemExit(f"benchmark run wrong, no figures: {found} of {count}")
    return f"{found}, incoming numbers 1..{count}, nothing doubled or lost"


if __name__ == "__main__":
    main()
