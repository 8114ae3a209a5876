"""Documents per second from one hub to the other through the axis, end to end, next to the
time the same signing and validation take alone.

End to end: for each document the specialist's draft (PDF + one attachment), the number and
date fields added at submission, the leader's signature (with image), the clerk's issuance
(leader's signature checked, number and date filled, seal, attachment signed) and sending, each
step a
register transaction with its audit entry and outbox row; then the outbox worker sends every
envelope over the national HTTP protocol to the reference axis, and the receiving hub collects,
validates every signature (OCSP/CRL on the development PKI) and stores each document, answering
status 01. Baseline: the same field preparation, three signatures (with the issuance's check of
the leader's signature) and the same validation, nothing else.

    python benchmarks/bench_exchange.py [--documents 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    count = args.documents
    for name in ("werkzeug", "pyhanko", "pyhanko_certvalidator", "httpx", "documents"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    from documents import demo, exchange, outgoing
    from documents.db import transaction
    from documents.models import IncomingDocument, User
    from documents.ports import FilePart, LeaderKey, Party
    from edochub.samples import simple_pdf
    from signing.specimens import draft_decision_pdf

    # the Decree 30 specimen draft (number/date fields, leader image, seal) and a plain annex
    pdf, annex = draft_decision_pdf(), simple_pdf("Benchmark annex")
    with tempfile.TemporaryDirectory(prefix="edochub-bench-") as scratch, \
            demo.running(Path(scratch)) as world:
        sender, receiver = world.hubs[demo.SENDER], world.hubs[demo.RECEIVER]
        with sender.sessions() as session:
            people = {u.role: u for u in session.scalars(select(User))}

        def step(function, role: str, *more) -> object:  # noqa: ANN001
            with transaction(sender.sessions) as session:
                return function(session, sender, people[role], *more)

        started = time.perf_counter()
        for index in range(count):
            draft = step(outgoing.create_draft, "specialist",
                         outgoing.Draft("Công văn", f"Văn bản đo tốc độ số {index}",
                                        (Party(demo.RECEIVER, "Bộ Mẫu"),), unit="VP"),
                         pdf, (FilePart("phu-luc.pdf", "application/pdf", annex),))
            step(outgoing.submit, "specialist", draft.id)
            step(outgoing.sign, "leader", draft.id)
            step(outgoing.issue, "clerk", draft.id)
            step(outgoing.send, "clerk", draft.id)
        delivery = exchange.deliver_due(sender, limit=count + 10)
        exchange.collect(receiver)
        processing = exchange.process_stored(receiver, limit=count + 10)
        end_to_end = time.perf_counter() - started
        with receiver.sessions() as session:
            stored = session.scalar(select(func.count()).select_from(IncomingDocument))
        if not (delivery.sent == stored == processing.verified == count):
            raise SystemExit(f"benchmark run incomplete: sent {delivery.sent}, stored "
                             f"{stored}, verified {processing.verified} of {count}")

        signer, validator = sender.signer, receiver.validator
        leader = LeaderKey("leader", "Nguyễn Văn An", "Phó Chủ tịch")
        started = time.perf_counter()
        batch: list[tuple[str, bytes]] = []
        for index in range(count):
            signed = signer.issue(signer.sign_as_leader(signer.prepare(pdf), leader), index + 1,
                                  "UBND-VP", "Hà Nội", receiver.today())
            batch += [("document.pdf", signed), ("phu-luc.pdf",
                                                 signer.seal_attachment(annex, "01/UBND-VP"))]
            if len(batch) >= 100 or index == count - 1:  # the receiver validates 50 docs a batch
                results = asyncio.run(validator.validate(batch))
                assert all(r.bottom_line for r in results)
                batch = []
        alone = time.perf_counter() - started

    print(f"documents: {count} (each with one attachment; 3 PAdES signatures, 2 PDFs validated)")
    print(f"end to end through the axis : {end_to_end:8.1f} s  {count / end_to_end:7.2f} docs/s")
    print(f"signing + validation alone  : {alone:8.1f} s  {count / alone:7.2f} docs/s")
    print(f"register + exchange overhead: {end_to_end - alone:8.1f} s  "
          f"({(end_to_end - alone) / end_to_end:.0%} of end to end)")


if __name__ == "__main__":
    main()
