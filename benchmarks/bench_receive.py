"""CPU and wall time per document of each step after issuing, hub to hub through the axis:
delivery (``exchange.deliver_due``), collection (``exchange.collect``), processing with
signature validation (``exchange.process_stored``) and registering (``incoming.register``).

One document is drafted, signed and issued for real; its envelope is then queued ``--documents``
times under distinct numbers (the same signed PDFs), so that the steps measured here can be
run at any size without the minutes of signing that ``bench_exchange.py`` spends first. The run
checks its outcome (every envelope sent, received, verified and registered once) before printing.

    python benchmarks/bench_receive.py [--documents 300]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300)
    args = parser.parse_args()
    count = args.documents
    for name in ("werkzeug", "pyhanko", "pyhanko_certvalidator", "httpx", "documents"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    from documents.adapters import IncomingDocument, OutboxMessage, User, transaction
    from documents.domain import FilePart, Party
    from documents.services import exchange, incoming, outgoing
    from edochub import demo
    from edochub.samples import simple_pdf
    from signing.stamping import draft_decision_pdf

    with tempfile.TemporaryDirectory(prefix="edochub-bench-") as scratch, \
            demo.running(Path(scratch)) as world:
        sender, receiver = world.hubs[demo.SENDER], world.hubs[demo.RECEIVER]
        people = {}
        for hub in (sender, receiver):
            with hub.sessions() as session:
                people[id(hub)] = {u.role: u for u in session.scalars(select(User))}

        def step(hub: Any, function: Callable[..., Any], role: str, *more: object) -> Any:
            with transaction(hub.sessions) as session:
                return function(session, hub, people[id(hub)][role], *more)

        draft = step(sender, outgoing.create_draft, "specialist",
                     outgoing.Draft("Công văn", "Văn bản đo tốc độ nhận",
                                    (Party(demo.RECEIVER, "Bộ Mẫu"),), unit="VP"),
                     draft_decision_pdf(),
                     (FilePart("phu-luc.pdf", "application/pdf",
                               simple_pdf("Benchmark annex")),))
        for action in (outgoing.submit, outgoing.sign, outgoing.issue):
            step(sender, action, "specialist" if action is outgoing.submit
                 else "leader" if action is outgoing.sign else "clerk", draft.id)
        with transaction(sender.sessions) as session:
            document = session.get_one(outgoing.OutgoingDocument, draft.id)
            envelope = outgoing.envelope_of(sender, document)
            recipient = document.recipients[0]
            for index in range(count):
                one = replace(envelope, number=f"{index + 1:02d}",
                              recipients=(Party(recipient.organ_id, recipient.organ_name),))
                session.add(OutboxMessage(
                    message_id=str(uuid.uuid4()), kind="edoc", to_organ_id=recipient.organ_id,
                    payload_hash=sender.store.put(sender.codec.write_document(one)),
                    recipient_id=recipient.id))

        def timed(what: str, run: Callable[[], object]) -> None:
            started, cpu, others = time.perf_counter(), time.process_time(), _children()
            run()
            wall, used = time.perf_counter() - started, time.process_time() - cpu
            later = _children()
            pool = set(getattr(getattr(receiver.validator, "_pool", None), "_processes", {}))
            rest = sum(later.get(pid, 0.0) - others.get(pid, 0.0) for pid in pool)
            axis = sum(later.values()) - sum(others.values()) - rest
            print(f"{what:<15} {1000 * wall / count:5.1f} ms/doc wall "
                  f"{1000 * used / count:5.1f} ms/doc CPU, other children "
                  f"{1000 * axis / count:5.1f}, validation workers {1000 * rest / count:5.1f}",
                  flush=True)


        def register_all() -> None:
            with receiver.sessions() as session:
                arrived = session.scalars(select(IncomingDocument.id)).all()
            for document_id in arrived:
                step(receiver, incoming.register, "clerk", document_id, "Văn phòng Bộ")

        total = time.perf_counter()
        timed("deliver_due", lambda: exchange.deliver_due(sender, limit=count + 10))
        timed("collect", lambda: exchange.collect(receiver))
        timed("process_stored", lambda: exchange.process_stored(receiver, limit=count + 10))
        timed("register", register_all)
        total = time.perf_counter() - total
        with receiver.sessions() as session:
            done = session.scalar(select(func.count()).select_from(IncomingDocument).where(
                IncomingDocument.signatures_valid, IncomingDocument.sender_matches,
                IncomingDocument.incoming_number.is_not(None)))
        if done != count:
            raise SystemExit(f"benchmark run wrong: {done} of {count} registered")
        # baseline: the validation alone of what process_stored validated, in its batches of
        # 50 documents, by the same validator (its caches as warm as process_stored left them)
        pdfs = [(f.name, f.data) for f in envelope.files]
        alone = time.perf_counter()
        for start in range(0, count, 50):
            asyncio.run(receiver.validator.validate(pdfs * min(50, count - start)))
        alone = time.perf_counter() - alone
        print(f"together        {1000 * total / count:7.1f} ms/doc wall ({count} documents); "
              f"baseline, their validation alone {1000 * alone / count:5.1f} ms/doc wall")


def _children() -> dict[int, float]:
    """CPU seconds used so far by each child process of this one (Linux /proc)."""
    found: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == os.getpid():
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return found


if __name__ == "__main__":
    main()
