"""The books at the size of a province: 1,000,000 documents in PostgreSQL (70 % incoming,
30 % outgoing; Vietnamese subjects, about forty senders, dates over ten years), then the books'
pages and searches timed with p50/p95/p99 in milliseconds, each next to its baseline:

- baseline: the schema without the indexes of migration 0010 (no trigram or (column, id)
  indexes) and deep pages read with OFFSET;
- edochub: those indexes built online as the migration builds them (CREATE INDEX CONCURRENTLY,
  the books writable meanwhile) and deep pages read with keyset pagination (``before`` the last
  id seen), as ``/search`` does.

Queries go through ``documents.services.search.search`` (what ``GET /search`` calls). The run
checks the row counts it inserted before it prints any figure. Target: p95 < 100 ms each.

    python benchmarks/bench_register_scale.py [--documents 1000000] [--runs 30] [--keep]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); it creates and drops a
database of its own (``bench_register_scale``) unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from documents.adapters import db  # noqa: E402
from documents.domain import fold  # noqa: E402
from documents.services import search  # noqa: E402

DATABASE = "bench_register_scale"
ADMIN_DSN = "host=127.0.0.1 user=postgres dbname=postgres"
TARGET_MS = 100.0

TOPICS = (
    "ban hành quy chế làm việc", "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "tình hình kinh tế - xã hội", "công tác cải cách hành chính", "quy hoạch sử dụng đất",
    "chuyển đổi số trong cơ quan nhà nước", "phòng cháy, chữa cháy", "bảo vệ môi trường",
    "tuyển dụng công chức", "kế hoạch đầu tư công trung hạn", "an toàn giao thông",
    "xây dựng nông thôn mới", "giải quyết khiếu nại, tố cáo", "thu ngân sách nhà nước",
    "sắp xếp đơn vị hành chính cấp xã", "đào tạo, bồi dưỡng cán bộ", "phòng, chống tham nhũng",
    "kiểm tra công tác văn thư, lưu trữ", "hỗ trợ doanh nghiệp nhỏ và vừa", "y tế dự phòng",
)
KINDS = (("Quyết định", "QĐ"), ("Kế hoạch", "KH"), ("Báo cáo", "BC"), ("Thông báo", "TB"),
         ("Tờ trình", "TTr"), ("Công văn", ""), ("Chỉ thị", "CT"), ("Hướng dẫn", "HD"))
PLACES = ("Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng", "Cần Thơ", "Thành phố Hồ Chí Minh",
          "Quảng Ninh", "Nghệ An", "Lâm Đồng", "Khánh Hòa")
SENDERS = tuple(
    (f"000.00.{n // 10:02d}.{'G' if n < 12 else 'H'}{n + 10:02d}",
     (f"Bộ {('Tài chính', 'Nội vụ', 'Tư pháp', 'Y tế', 'Xây dựng', 'Công Thương')[n % 6]}"
      if n < 12 else f"Ủy ban nhân dân tỉnh {PLACES[n % len(PLACES)]} {n}"))
    for n in range(40)
)
STATES_IN = ("received", "registered", "assigned", "processing", "done", "rejected")
STATES_OUT = ("draft", "submitted", "signed", "issued", "sent")
START = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
SPAN_HOURS = 10 * 365 * 24


def _subject(rng: random.Random) -> tuple[str, str]:
    kind, abbreviation = rng.choice(KINDS)
    place = rng.choice(PLACES)
    subject = f"{kind} về {rng.choice(TOPICS)} trên địa bàn {place} năm {rng.randint(2016, 2026)}"
    return subject, abbreviation


def _search_index_migration():  # noqa: ANN202 - the migration module
    """Migration 0010 itself, so the benchmark drops and builds exactly its indexes."""
    path = next((ROOT / "documents/adapters/migrations/versions").glob("0010_*.py"))
    spec = importlib.util.spec_from_file_location("search_indexes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def drop_search_indexes(dsn: str) -> None:
    migration = _search_index_migration()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name, _, _ in (*migration.BTREE, *migration.TRIGRAM):
            conn.execute(f"DROP INDEX IF EXISTS {name}")


def build_search_indexes(dsn: str) -> None:
    """The statements of migration 0010's upgrade on PostgreSQL, outside a transaction."""
    migration = _search_index_migration()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name, table, columns in migration.BTREE:
            conn.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns})")
        for name, table, column in migration.TRIGRAM:
            conn.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                         f"USING gin ({column} public.gin_trgm_ops)")
        conn.execute("ANALYZE")


def fill(dsn: str, documents: int, seed: int = 30) -> tuple[int, int]:
    """COPY ``documents`` rows into the two books; 70 % incoming."""
    rng = random.Random(seed)
    incoming = documents * 7 // 10
    outgoing = documents - incoming
    with psycopg.connect(dsn) as conn:
        user_id = conn.execute(
            "INSERT INTO users (username, full_name, role, position, password_hash, active,"
            " created_at, token_version) VALUES ('bench', 'Bench', 'specialist', '', 'x', true,"
            " now(), 0) RETURNING id").fetchone()[0]
        with conn.cursor().copy(
                "COPY incoming_documents (state, sender_organ_id, sender_name, message_id,"
                " code_number, code_notation, promulgated_on, doc_type, subject, subject_folded,"
                " signer_name, envelope_hash, signatures_valid, sender_matches, verification,"
                " incoming_number, received_at, receiving_unit, notes, reject_reason, direction,"
                " co_handlers, for_information) FROM STDIN") as copy:
            for n in range(incoming):
                subject, abbreviation = _subject(rng)
                code, name = SENDERS[n % len(SENDERS)]
                moment = START + dt.timedelta(hours=n * SPAN_HOURS / incoming)
                number = n % 5000 + 1
                copy.write_row((
                    rng.choice(STATES_IN), code, name, f"{code},{n}", f"{number:02d}",
                    f"{abbreviation or 'UBND'}-{code[-3:]}", moment.date(), "Quyết định",
                    subject, fold(subject), "Nguyễn Văn An", "0" * 64, True, True, "{}",
                    n % 20000 + 1, moment, "Văn phòng", "", "", "", "[]", "[]"))
        with conn.cursor().copy(
                "COPY outgoing_documents (state, doc_type, subject, subject_folded, unit,"
                " author_id, signer_name, signer_position, competence, number, notation,"
                " issued_on, document_id, copies, file_keeper, notes, created_at, updated_at)"
                " FROM STDIN") as copy:
            for n in range(outgoing):
                subject, abbreviation = _subject(rng)
                moment = START + dt.timedelta(hours=n * SPAN_HOURS / outgoing)
                number = n % 3000 + 1
                notation = f"{abbreviation or 'UBND-VP'}-UBND" if abbreviation else "UBND-VP"
                copy.write_row((
                    rng.choice(STATES_OUT), "Quyết định", subject, fold(subject), "VP",
                    user_id, "Trần Thị Bình", "CHỦ TỊCH", "", number, notation, moment.date(),
                    f"000.00.00.H41,{moment:%Y/%m/%d},{number:02d}/{notation},{n}", 1,
                    "Văn phòng", "", moment, moment))
        conn.execute("ANALYZE")
    return incoming, outgoing


def counts(dsn: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        return (conn.execute("SELECT count(*) FROM incoming_documents").fetchone()[0],
                conn.execute("SELECT count(*) FROM outgoing_documents").fetchone()[0])


def timed(run: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentiles(times: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def workload(engine, keyset: bool) -> dict[str, Callable[[], object]]:
    """The books' pages and searches; deep pages by keyset or, for the baseline, OFFSET."""
    sessions = db.session_factory(engine)
    rng = random.Random(7)
    with engine.connect() as connection:
        low_in = connection.execute(text(
            "SELECT id FROM incoming_documents ORDER BY id LIMIT 1 OFFSET 100")).scalar_one()
        low_out = connection.execute(text(
            "SELECT id FROM outgoing_documents ORDER BY id LIMIT 1 OFFSET 100")).scalar_one()
        total_in = connection.execute(text("SELECT count(*) FROM incoming_documents")).scalar_one()

    def run(query: search.Query) -> Callable[[], object]:
        def go() -> object:
            with sessions() as session:
                return search.search(session, query)
        return go

    def deep_offset() -> object:
        with engine.connect() as connection:  # what a page number N would read
            return connection.execute(text(
                "SELECT * FROM incoming_documents ORDER BY id DESC LIMIT 100 OFFSET :skip"),
                {"skip": total_in - 200}).all()

    def subject() -> object:
        return run(search.Query(subject=rng.choice(("thien tai", "chuyen doi so",
                                                    "ke hoach dau tu", "van thu, luu tru"))))()

    year = dt.date(2019, 3, 1)
    return {
        "incoming, first page": run(search.Query()),
        "incoming, deep page": (run(search.Query(before=low_in)) if keyset else deep_offset),
        "outgoing, deep page": run(search.Query(direction="outgoing", before=low_out))
        if keyset else run(search.Query(direction="outgoing", date_to=dt.date(2016, 2, 1))),
        "number/notation": run(search.Query(number="05/QĐ-G12")),
        "subject without accents": subject,
        "sender (code)": run(search.Query(sender=SENDERS[3][0])),
        "sender (part of name)": run(search.Query(sender="Khánh Hòa")),
        "date range (one month)": run(search.Query(date_from=year,
                                                   date_to=year + dt.timedelta(days=30))),
        "status": run(search.Query(status="rejected")),
        "outgoing subject": run(search.Query(direction="outgoing", subject="cai cach hanh chinh")),
        "outgoing date range": run(search.Query(direction="outgoing", date_from=year,
                                                date_to=year + dt.timedelta(days=30))),
    }


def measure(engine, keyset: bool, runs: int) -> dict[str, tuple[float, float, float]]:
    results = {}
    for name, run in workload(engine, keyset).items():
        run()  # warm the cache: both sides are measured warm
        results[name] = percentiles(timed(run, runs))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
    dsn = f"host=127.0.0.1 user=postgres dbname={DATABASE}"
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        drop_search_indexes(dsn)  # the baseline: the schema without migration 0010's indexes
        started = time.perf_counter()
        inserted = fill(dsn, args.documents)
        fill_seconds = time.perf_counter() - started
        if counts(dsn) != inserted or sum(inserted) != args.documents:
            print(f"count check failed: inserted {inserted}, found {counts(dsn)}",
                  file=sys.stderr)
            return 1
        print(f"filled {inserted[0]:,} incoming + {inserted[1]:,} outgoing documents "
              f"in {fill_seconds:.0f} s; counts checked")
        baseline = measure(engine, keyset=False, runs=args.runs)
        started = time.perf_counter()
        build_search_indexes(dsn)  # as migration 0010 does: online
        print(f"migration 0010's indexes (built online) took {time.perf_counter() - started:.0f} s")
        ours = measure(engine, keyset=True, runs=args.runs)
    finally:
        engine.dispose()
        if not args.keep:
            with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    print(f"\n{'query':28} {'baseline p50/p95/p99 ms':>26}   {'edochub p50/p95/p99 ms':>24}")
    worst = 0.0
    for name in ours:
        b, o = baseline[name], ours[name]
        worst = max(worst, o[1])
        print(f"{name:28} {b[0]:8.1f} {b[1]:8.1f} {b[2]:8.1f}   {o[0]:7.1f} {o[1]:7.1f} "
              f"{o[2]:7.1f}")
    print(f"\nworst p95: {worst:.1f} ms (target < {TARGET_MS:.0f} ms): "
          f"{'met' if worst < TARGET_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
