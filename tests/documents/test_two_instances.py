"""Two hub instances on one database (issue 17): the same agency served by two processes'
worth of engines, pools and file-store handles. Clerks issuing at the same moment on either get
numbers 1..N with no gap and no duplicate (the book row is locked in the issuing transaction);
each outbox message is sent by exactly one instance's worker."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from documents.adapters import db
from documents.adapters.db import transaction
from documents.adapters.models import OutboxMessage, OutgoingDocument
from documents.domain.ports import Party, Waiting
from documents.services import exchange, outgoing
from edochub.samples import simple_pdf
from tests.helpers.register import add_users, make_hub

G09 = Party("000.00.00.G09", "Bộ Mẫu")
DOCUMENTS = 200


class CountingLink:
    """An axis link that records every send (thread-safe); the axis itself is not the point."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        with self._lock:
            self.sent.append(message_id)

    def waiting(self) -> list[Waiting]:
        return []

    def fetch(self, axis_id: str) -> bytes:
        raise AssertionError("nothing waits")

    def acknowledge(self, axis_id: str) -> None:
        raise AssertionError("nothing waits")


def _instances(engine, tmp_path: Path) -> tuple:
    """Two hubs of the same agency: separate engines (pools), one database, one file store."""
    second = db.make_engine(str(engine.url))
    link = CountingLink()
    files = tmp_path / "shared"
    one = make_hub(engine, files, "000.00.00.H41", "UBND", link)
    two = make_hub(second, files, "000.00.00.H41", "UBND", link)
    return one, two, second, link


def _signed_documents(hub, users, count: int) -> list[int]:
    pdf = simple_pdf("Quyet dinh")
    ids = []
    for n in range(count):
        with transaction(hub.sessions) as session:
            document = outgoing.create_draft(
                session, hub, users["specialist"],
                outgoing.Draft("Quyết định", f"Quyết định số {n}", (G09,),
                               signer_position="Phó Chủ tịch"), pdf)
            outgoing.submit(session, hub, users["specialist"], document.id)
            outgoing.sign(session, hub, users["leader"], document.id)
            ids.append(document.id)
    return ids


def test_concurrent_issuance_on_two_instances_is_gap_free(engine, tmp_path):
    one, two, second, link = _instances(engine, tmp_path)
    try:
        users = add_users(one)
        ids = _signed_documents(one, users, DOCUMENTS)

        def issue(index_and_id: tuple[int, int]) -> None:
            index, document_id = index_and_id
            hub = one if index % 2 else two
            with transaction(hub.sessions) as session:
                clerk = session.get(type(users["clerk"]), users["clerk"].id)
                outgoing.issue(session, hub, clerk, document_id)
                outgoing.send(session, hub, clerk, document_id)

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(issue, enumerate(ids)))
        with one.sessions() as session:
            numbers = sorted(session.scalars(select(OutgoingDocument.number)
                                             .where(OutgoingDocument.id.in_(ids))))
        assert numbers == list(range(1, DOCUMENTS + 1))

        # both instances' workers deliver at once: every message is sent exactly once
        with ThreadPoolExecutor(max_workers=4) as pool:
            rounds = list(pool.map(lambda hub: exchange.deliver_due(hub),
                                   (one, two, one, two)))
        assert sum(r.sent for r in rounds) == DOCUMENTS
        assert sorted(link.sent) == sorted(set(link.sent)) and len(link.sent) == DOCUMENTS
        with one.sessions() as session:
            states = set(session.scalars(select(OutboxMessage.state)))
        assert states == {"sent"}
    finally:
        second.dispose()
