"""The books a page at a time (keyset: ``before`` the last id seen), on SQLite and PostgreSQL,
and the search indexes the register's migrations create (trigram on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from documents.adapters.db import session_factory, transaction
from documents.adapters.models import IncomingDocument
from documents.domain.text import fold
from documents.services import search

SUBJECTS = ("Quyết định về việc ban hành quy chế", "Kế hoạch phòng chống thiên tai",
            "Báo cáo tình hình kinh tế - xã hội")


def _fill(engine, count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(session_factory(engine)) as session:
        for n in range(count):
            subject = SUBJECTS[n % len(SUBJECTS)] + f" số {n}"
            session.add(IncomingDocument(
                state="registered" if n % 2 else "received", sender_organ_id="000.00.00.G09",
                sender_name="Bộ Mẫu", message_id=f"m-{n}", code_number=f"{n + 1:02d}",
                code_notation="QĐ-BM", subject=subject, subject_folded=fold(subject),
                envelope_hash="0" * 64, verification={}, received_at=start + timedelta(hours=n)))


def _pages(engine, query: search.Query) -> list[list[int]]:
    pages, before = [], None
    with session_factory(engine)() as session:
        while True:
            rows = search.search(session, search.Query(**{**query.__dict__, "before": before}))
            if not rows:
                return pages
            pages.append([row.id for row in rows])
            before = rows[-1].id


def test_pages_follow_each_other_without_gap_or_overlap(engine):
    _fill(engine, 250)
    pages = _pages(engine, search.Query(direction="incoming", limit=100))
    assert [len(page) for page in pages] == [100, 100, 50]
    ids = [i for page in pages for i in page]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 250

    kehoach = _pages(engine, search.Query(direction="incoming", subject="ke hoach", limit=40))
    found = [i for page in kehoach for i in page]
    expected = len(range(1, 250, len(SUBJECTS)))  # the second subject: every third document
    assert len(found) == len(set(found)) == expected
    assert [len(page) for page in kehoach] == [40, 40, expected - 80]

    registered = _pages(engine, search.Query(direction="incoming", status="registered",
                                             limit=60))
    assert sum(len(page) for page in registered) == 125


def test_migrations_create_the_search_indexes(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            names = set(connection.execute(text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")).scalars())
            assert {"ix_incoming_subject_trgm", "ix_outgoing_subject_trgm",
                    "ix_incoming_sender_name_trgm"} <= names
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(connection.execute(text(
                "EXPLAIN SELECT id FROM incoming_documents "
                "WHERE subject_folded LIKE '%ke hoach%'")).scalars())
            assert "ix_incoming_subject_trgm" in plan
        else:
            names = set(connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
        assert {"ix_incoming_state_id", "ix_incoming_received_id", "ix_outgoing_state_id",
                "ix_outgoing_issued_id"} <= names
