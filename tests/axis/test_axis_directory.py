"""The axis's agency directory through the 2025 reorganisation, on a real axis over SQLite and
over PostgreSQL: two agencies merged into a third (imported from a file), a document addressed
to a former code delivered to the successor with the mapping recorded, and an incremental sync
that answers only what changed since a version."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text

from axis.errors import AuthenticationFailed, NotPermitted, UnknownRecipient
from axis.server import db
from edochub.cli import main
from tests.axis.axis_harness import (
    AxisServer,
    Credentials,
    addressed,
    client_for,
    create_postgres_database,
    drop_postgres_database,
    fresh_code,
)


def _import(server: AxisServer, path: Path) -> int:
    return main(["axis", "agency", "import", str(path), *server.storage_args()])


def _latest(server: AxisServer, agency: Credentials) -> int:
    with client_for(server, agency, "http") as client:
        return max(a.version for a in client.sync_agencies(0))


@pytest.mark.parametrize("protocol", ["http", "soap"])
def test_merged_agencies_route_to_their_successor(axis_server: AxisServer, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  protocol: str) -> None:
    sender = axis_server.add_agency("Sở Nội vụ")
    first = axis_server.add_agency("Ủy ban nhân dân huyện Mẫu Một")
    second = axis_server.add_agency("Ủy ban nhân dân huyện Mẫu Hai")
    before = _latest(axis_server, sender)
    merged = fresh_code()
    csv_file = tmp_path / "reorganisation.csv"
    csv_file.write_text(
        "code,name,oldCode,validFrom\n"
        f"{merged},Ủy ban nhân dân xã Mẫu Hợp Nhất,{first.code};{second.code},01/07/2025\n",
        encoding="utf-8")
    assert _import(axis_server, csv_file) == 0
    assert "1 directory entries imported" in capsys.readouterr().out

    with client_for(axis_server, sender, protocol) as client:
        current = {a.code: a for a in client.agencies()}
        changes = client.sync_agencies(before)
    assert first.code not in current and second.code not in current
    assert current[merged].old_codes == tuple(sorted((first.code, second.code)))
    assert {c.code for c in changes} == {merged, first.code, second.code}
    by_code = {c.code: c for c in changes}
    assert by_code[first.code].successor == merged
    assert by_code[first.code].valid_to == "2025-07-01"
    assert by_code[merged].valid_from == "2025-07-01"
    assert [c.version for c in changes] == sorted(c.version for c in changes)
    assert main(["axis", "agencies", "--changes-since", str(before),
                 *sender.cli_args(axis_server, protocol)]) == 0
    listed = {line.split("\t")[1]: line.split("\t")[3]
              for line in capsys.readouterr().out.splitlines()}
    assert listed == {merged: "current", first.code: f"now {merged}",
                      second.code: f"now {merged}"}

    # The successor gets credentials; the former agencies can no longer call the axis.
    successor = Credentials(merged, "successor-secret", "UNUSED")
    axis_server.core().add_agency(merged, "Ủy ban nhân dân xã Mẫu Hợp Nhất", successor.secret)
    with client_for(axis_server, first, protocol, attempts=1) as client, \
            pytest.raises(AuthenticationFailed):
        client.agencies()

    # One envelope addressed (To) to the first former code, one sent with `to` = the second.
    to_first = addressed("edoc_new.edxml", sender, first, tmp_path)
    to_second = addressed("edoc_update.edxml", sender, second, tmp_path)
    with client_for(axis_server, sender, protocol) as client:
        routed = client.send(to_first)
        explicit = client.send(to_second, recipients=(second.code,))
        sent = {s.doc_id: s for s in client.sent()}
    assert routed.recipients == explicit.recipients == (merged,)
    (state,) = sent[routed.doc_id].recipients
    assert (state.recipient, state.addressed_as) == (merged, first.code)
    assert sent[explicit.doc_id].recipients[0].addressed_as == second.code

    with client_for(axis_server, successor, protocol) as client:
        waiting = {r.doc_id: r for r in client.received()}
    assert waiting[routed.doc_id].addressed_as == first.code
    assert waiting[explicit.doc_id].addressed_as == second.code
    assert {r.recipient for r in waiting.values()} == {merged}

    # The national face tells the sender the mapping in its own words.
    rows = _sdk_sent_rows(axis_server, sender)
    row = next(r for r in rows if r["senderDocId"] == routed.doc_id)
    assert row["toCode"] == merged and row["addressedTo"] == first.code
    assert first.code in row["sendStatusDesc"] and merged in row["sendStatusDesc"]


def _sdk_sent_rows(server: AxisServer, agency: Credentials) -> list[dict]:
    from axis.protocol.vxp_signing import signed_headers

    headers = signed_headers({"servicetype": "eDoc", "systemid": agency.code,
                              "timestamp": "02122026T101010+0001",
                              "Content-Type": "application/json"}, agency.secret)
    return httpx.post(f"{server.base_url}/vxp/getSentEdocList", headers=headers).json()["data"]


@pytest.mark.parametrize("protocol", ["http", "soap"])
def test_sync_answers_only_what_changed_and_deletions(axis_server: AxisServer, tmp_path: Path,
                                                      protocol: str) -> None:
    operator = axis_server.add_agency("Trung tâm điều hành trục", operator=True, level1="G22")
    member = axis_server.add_agency()
    child = fresh_code()
    with client_for(axis_server, operator, protocol) as client:  # operators register
        client.register_agency(child, "Phòng Văn thư", "vanthu@example.gov.vn")
    with client_for(axis_server, member, protocol) as client:
        since = max(a.version for a in client.sync_agencies(0))
        assert client.sync_agencies(since) == ()
        with pytest.raises(NotPermitted):
            client.delete_agency(child)
    with client_for(axis_server, operator, protocol) as client:
        client.delete_agency(child)
        with pytest.raises(UnknownRecipient):
            client.delete_agency(child)
        (change,) = client.sync_agencies(since)
        assert (change.code, change.deleted, change.mail) == (child, True,
                                                               "vanthu@example.gov.vn")
        assert change.version > since and change.modified
        assert child not in {a.code for a in client.agencies()}

    # An answer of the axis (``{"data": [...]}``, ``pid`` pointing at ``id``) is a directory
    # file too: what a hub synchronised can be imported elsewhere.
    renamed, unit = fresh_code(), fresh_code()
    answer = tmp_path / "sync.json"
    answer.write_text(json.dumps({"data": [
        {"id": "9001", "pid": "", "code": renamed, "name": "Sở Nội vụ (mới)",
         "oldCode": member.code, "validFrom": "2025-07-01"},
        {"id": "9002", "pid": "9001", "code": unit, "name": "Phòng Tổ chức",
         "isAgency": False}]}, ensure_ascii=False), encoding="utf-8")
    with client_for(axis_server, operator, protocol) as client:
        since = max(a.version for a in client.sync_agencies(0))
        assert _import(axis_server, answer) == 0
        changes = {a.code: a for a in client.sync_agencies(since)}
        assert set(changes) == {renamed, unit, member.code}
        assert changes[unit].parent == renamed and changes[unit].is_agency is False
        assert changes[member.code].successor == renamed
        receipt = client.send(addressed("edoc_new.edxml", operator, member, tmp_path))
        assert receipt.recipients == (renamed,)


@pytest.mark.parametrize(("content", "error"), [
    ("code,name\n000.00.00.H4,Tỉnh\n", "line 2: agency code '000.00.00.H4' is not a four-level"),
    ("code,name,oldCode\n000.00.01.H41,Tỉnh,12.H41\n", "old code '12.H41' is not a four-level"),
    ("code,name\n000.00.01.H41,\n", "agency 000.00.01.H41 has no name"),
    ("code,name,validFrom\n000.00.01.H41,Tỉnh,31/02/2025\n", "is not a possible date"),
    ("code,name,parentCode\n000.00.01.H41,Tỉnh,999.99.99.H99\n", "refers to 999.99.99.H99"),
    ('[{"code": 1}', "not valid JSON"),
])
def test_bad_directory_files_are_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, error: str) -> None:
    directory = tmp_path / "axis"
    path = tmp_path / ("bad.json" if content.startswith("[") else "bad.csv")
    path.write_text(content, encoding="utf-8")
    assert main(["axis", "agency", "import", str(path), "--data-dir", str(directory)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and error in lines[0], lines
    if (directory / "axis.sqlite").exists():  # refused before or after opening the axis
        engine = db.make_engine(db.default_url(directory))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM axis_agency")).scalar_one() == 0
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_from_0001_keeps_agencies_and_numbers_them(backend: str, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    url = create_postgres_database() if backend == "postgresql" else db.default_url(tmp_path)
    try:
        engine = db.make_engine(url)
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001_axis_initial")
            for code in ("000.00.00.H41", "000.00.00.G09"):
                connection.execute(text(
                    "INSERT INTO axis_agency (code, name, secret, created_at) "
                    "VALUES (:code, 'x', 's', CURRENT_TIMESTAMP)"), {"code": code})
        db.migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT code, unit_id, version, deleted FROM axis_agency ORDER BY code")).all()
            counter = connection.execute(text(
                "SELECT value FROM axis_directory_counter")).scalar_one()
        assert [tuple(r) for r in rows] == [("000.00.00.G09", 1, 1, False),
                                            ("000.00.00.H41", 2, 2, False)]
        assert counter == 2
        assert "addressed_as" in {c["name"] for c in inspect(engine).get_columns("axis_delivery")}
        engine.dispose()
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)
