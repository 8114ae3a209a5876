"""Books, the outgoing and incoming workflow and the audit log on a real database (SQLite
and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from documents.adapters.db import transaction
from documents.adapters.models import IncomingDocument, OutgoingDocument
from documents.domain.errors import Forbidden, InvalidInput, InvalidTransition
from documents.domain.workflow import Assignment
from documents.services import audit, books, exchange, incoming, outgoing
from tests.helpers.register import (
    G09,
    PDF,
    add_users,
    create_draft,
    decree30_draft,
    issue_and_send,
    step,
    with_real_signing,
)


def test_fifty_concurrent_issuances_take_01_to_50(engine):
    from documents.adapters.db import session_factory

    sessions = session_factory(engine)

    def take(_: int) -> int:
        with transaction(sessions) as session:
            return books.take_number(session, books.OUTGOING, 2026)[1]

    with ThreadPoolExecutor(max_workers=50) as pool:
        numbers = sorted(pool.map(take, range(50)))
    assert numbers == list(range(1, 51))
    with transaction(sessions) as session:
        assert books.take_number(session, books.OUTGOING, 2027)[1] == 1  # a new year: 01
        assert books.take_number(session, books.INCOMING, 2026)[1] == 1  # its own book


def test_rolled_back_issuance_gives_its_number_back(engine):
    from documents.adapters.db import session_factory

    sessions = session_factory(engine)
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        books.take_number(session, books.OUTGOING, 2026)
        raise RuntimeError("the seal failed")
    with transaction(sessions) as session:
        assert books.take_number(session, books.OUTGOING, 2026)[1] == 1


def test_a_write_lock_held_too_long_is_a_clear_503_error(tmp_path):
    """Another process holding SQLite's write lock past the busy timeout: the transaction is
    refused as the database being unavailable (503, one line), and changes nothing."""
    import sqlite3

    from documents.adapters import db
    from documents.domain.errors import StorageUnavailable

    path = tmp_path / "register.db"
    engine = db.make_engine(f"sqlite:///{path}", sqlite_busy_seconds=0.2)
    db.migrate(engine)
    sessions = db.session_factory(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as a stuck writer would
    try:
        with pytest.raises(StorageUnavailable) as refused, transaction(sessions) as session:
            books.take_number(session, books.OUTGOING, 2026)
        assert str(refused.value) == "the database is unavailable: database is locked"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with transaction(sessions) as session:  # nothing was taken while it waited
        assert books.take_number(session, books.OUTGOING, 2026)[1] == 1
    engine.dispose()


def test_outgoing_workflow_numbers_seals_and_queues(hub):
    users = add_users(hub)
    with pytest.raises(Forbidden):
        step(hub, outgoing.sign, users["specialist"], create_draft(hub, users))
    doc_id = issue_and_send(hub, users)
    with hub.sessions() as session:
        document = session.get(OutgoingDocument, doc_id)
        assert document.state == "sent"
        assert document.notation == "QĐ-UBND" and document.number == 1
        assert document.document_id.endswith(",01/QĐ-UBND")
        for part in document.files:  # the document and its attachment carry the seal
            assert "%mark seal 000.00.00.H41 01/QĐ-UBND".encode() in hub.store.get(part.blob_hash)
        assert session.execute(text("select count(*) from outbox")).scalar() == 1
    second = issue_and_send(hub, users, "Công văn thứ hai")
    with hub.sessions() as session:
        assert session.get(OutgoingDocument, second).number == 2
    with pytest.raises(InvalidTransition):
        step(hub, outgoing.issue, users["clerk"], doc_id)
    assert audit.verify(hub.sessions()).bottom_line


def test_bad_input_changes_nothing(hub):
    users = add_users(hub)
    with pytest.raises(InvalidInput, match="not a PDF"), transaction(hub.sessions) as session:
        outgoing.create_draft(session, hub, users["specialist"],
                              outgoing.Draft("Quyết định", "x", (G09,)), b"<html>")
    with pytest.raises(InvalidInput, match="unknown document type"), \
            transaction(hub.sessions) as session:
        outgoing.create_draft(session, hub, users["specialist"],
                              outgoing.Draft("Thư", "x", (G09,)), PDF)
    with hub.sessions() as session:
        assert session.scalars(select(OutgoingDocument)).first() is None


def test_exchange_receive_register_assign_and_statuses_back(hub, peer, real_signing):
    h41 = with_real_signing(hub, real_signing, "org-h41")
    g09 = with_real_signing(peer, real_signing, "org-g09")
    h41_users, g09_users = add_users(h41), add_users(g09)

    doc_id = issue_and_send(h41, h41_users, pdf=decree30_draft())
    assert exchange.deliver_due(h41).sent == 1
    assert exchange.collect(g09) == 1
    result = exchange.process_stored(g09)
    assert (result.documents, result.verified) == (1, 1)
    with g09.sessions() as session:
        arrived = session.scalars(select(IncomingDocument)).one()
        assert arrived.signatures_valid and arrived.sender_matches
        assert arrived.code_notation == "QĐ-UBND" and arrived.state == "received"
    step(g09, incoming.register, g09_users["clerk"], arrived.id, "Văn phòng")
    step(g09, incoming.assign, g09_users["leader"], arrived.id,
          Assignment("specialist", (), ("archivist",), g09.today() + timedelta(days=7),
                     "Giao chuyên viên xử lý"))
    step(g09, incoming.progress, g09_users["specialist"], arrived.id, "start")
    step(g09, incoming.progress, g09_users["specialist"], arrived.id, "finish")
    assert exchange.deliver_due(g09).sent == 5  # 01, 03, 04, 05, 06
    exchange.collect(h41)
    assert exchange.process_stored(h41).statuses == 5
    with h41.sessions() as session:
        recipient = session.get(OutgoingDocument, doc_id).recipients[0]
        assert recipient.status == "06"
    with g09.sessions() as session:
        assert session.get(IncomingDocument, arrived.id).incoming_number == 1


def test_spoofed_seal_is_flagged_not_registered(hub, peer, real_signing):
    hub = with_real_signing(hub, real_signing, "org-h41")
    users = add_users(hub)
    # G09's hub seals with H41's organization certificate: the seal is valid but not G09's
    impostor = with_real_signing(peer, real_signing, "org-h41")
    impostor_users = add_users(impostor)
    with transaction(impostor.sessions) as session:
        doc = outgoing.create_draft(session, impostor, impostor_users["specialist"],
                                    outgoing.Draft("Thông báo", "Giả mạo", (hub.party,)),
                                    decree30_draft())
    for function, role in [(outgoing.submit, "specialist"), (outgoing.sign, "leader"),
                           (outgoing.issue, "clerk"), (outgoing.send, "clerk")]:
        step(impostor, function, impostor_users[role], doc.id)
    exchange.deliver_due(impostor)
    exchange.collect(hub)
    assert exchange.process_stored(hub).verified == 0
    with hub.sessions() as session:
        flagged = session.scalars(select(IncomingDocument).where(
            IncomingDocument.sender_organ_id == "000.00.00.G09")).one()
        assert not flagged.sender_matches
        assert flagged.signatures_valid
        assert "000.00.00.H41" in " ".join(flagged.verification["problems"])
    with pytest.raises(InvalidInput, match="flagged"):
        step(hub, incoming.register, users["clerk"], flagged.id, "VP")
    with hub.sessions() as session:
        assert session.get(IncomingDocument, flagged.id).state == "received"


def test_overdue_lists_open_documents_past_due(hub):
    users = add_users(hub)
    with transaction(hub.sessions) as session:
        for i, (state, due) in enumerate([("assigned", date(2026, 1, 1)),
                                          ("done", date(2026, 1, 1)),
                                          ("processing", date(2099, 1, 1))]):
            session.add(IncomingDocument(state=state, sender_organ_id="x", message_id=str(i),
                                         envelope_hash="0" * 64, due_date=due,
                                         main_handler_id=users["specialist"].id))
    with hub.sessions() as session:
        assert [d.message_id for d in incoming.overdue(session, date(2026, 6, 1))] == ["0"]


def test_audit_detects_changed_and_removed_entries(hub):
    users = add_users(hub)
    create_draft(hub, users)
    create_draft(hub, users)
    create_draft(hub, users)
    with hub.sessions() as session:
        assert audit.verify(session).bottom_line and audit.verify(session).entries == 3
    with transaction(hub.sessions) as session:
        session.execute(text("update audit_log set actor = 'mallory' where id = 2"))
    with hub.sessions() as session:
        assert audit.verify(session).problems == (
            "entry 2 was changed after it was written (or the audit key is not this log's)",)
    with transaction(hub.sessions) as session:
        session.execute(text("delete from audit_log where id = 2"))
    with hub.sessions() as session:
        problems = audit.verify(session).problems
        assert any("missing" in p for p in problems)
    with transaction(hub.sessions) as session:
        session.execute(text("delete from audit_log where id = 3"))
    with hub.sessions() as session:
        assert any("removed from the end" in p for p in audit.verify(session).problems)
