"""The national protocol's pure pieces, without a server: the SDK's hex, timestamp and signed
headers, and the streaming decoder of ``getEdoc`` answers at every chunk boundary. Plus the
axis schema migrations on both databases."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from axis.errors import ExchangeError, HashMismatch
from axis.protocol import Fetched
from axis.protocol.vxp_signing import hash_file_hex, sdk_timestamp, signed_headers
from axis.server import db
from axis.transports.base import Download
from axis.transports.vxp import stream_data_field
from tests.axis.axis_harness import create_postgres_database, drop_postgres_database


def test_hash_file_hex_drops_zero_padding_per_byte() -> None:
    assert hash_file_hex(bytes([0x0A, 0xFF, 0x00, 0x10])) == "aff010"


def test_sdk_timestamp_form() -> None:
    assert sdk_timestamp(datetime(2026, 11, 2, 9, 5, 7, 42_000)) == "02112026T090507+0042"


def test_signed_headers_carry_every_parameter_and_a_verifiable_hmac() -> None:
    headers = signed_headers({"from": "000.00.00.H41", "systemid": "000.00.00.H41"}, "k")
    signed = json.loads(headers["XroadVnpt-sign-header"])
    assert signed == {"XroadVnpt-from": "000.00.00.H41", "XroadVnpt-systemid": "000.00.00.H41"}
    assert all(headers[name] == value for name, value in signed.items())
    assert headers["XroadVnpt-sign-header-key"] == "XroadVnpt-from;XroadVnpt-systemid"
    assert headers["XroadVnpt-hash-header"] == hmac.new(
        b"k", headers["XroadVnpt-sign-header"].encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-version"] == "3.0.201608"


def _answer(content: bytes) -> bytes:
    digest = hashlib.sha256(content).hexdigest()
    return (b'{"status": "OK", "ErrorCode": "0", "sha256": "' + digest.encode()
            + b'", "data": "' + base64.b64encode(content) + b'"}')


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 10_000])
def test_get_edoc_answer_decoded_across_any_chunk_boundary(chunk: int, tmp_path: Path) -> None:
    content = bytes(range(256)) * 7 + b"end"
    answer = _answer(content)
    download = Download(tmp_path / "got.edxml")
    meta = stream_data_field(iter(answer[i:i + chunk] for i in range(0, len(answer), chunk)),
                              download)
    download.commit(meta["sha256"])
    assert (tmp_path / "got.edxml").read_bytes() == content
    assert meta["status"] == "OK"


def test_truncated_or_corrupt_answers_are_refused(tmp_path: Path) -> None:
    answer = _answer(b"x" * 1000)
    with pytest.raises(ExchangeError, match="ended inside its data field"):
        stream_data_field(iter([answer[:500]]), Download(tmp_path / "a"))
    with pytest.raises(ExchangeError, match="bad base64"):
        stream_data_field(iter([answer.replace(b'"data": "', b'"data": "!!!!')]),
                           Download(tmp_path / "b"))
    download = Download(tmp_path / "c.edxml")
    meta = stream_data_field(iter([answer]), download)
    with pytest.raises(HashMismatch):
        download.commit("0" * 64 if meta["sha256"] != "0" * 64 else "1" * 64)
    assert list(tmp_path.glob("c.edxml*")) == []  # nothing left under any name


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_schema_is_created_and_upgraded_by_alembic(backend: str, tmp_path: Path) -> None:
    url = create_postgres_database() if backend == "postgresql" else db.default_url(tmp_path)
    try:
        engine = db.make_engine(url)
        db.migrate(engine)
        db.migrate(engine)  # idempotent
        tables = set(inspect(engine).get_table_names())
        assert {"axis_agency", "axis_message", "axis_delivery", "axis_seen_nonce",
                db.VERSION_TABLE} <= tables
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM axis_alembic_version"))
            assert version.scalar_one() == "0002_axis_directory"
        engine.dispose()
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)


def test_a_download_into_memory_is_checked_and_writes_no_file() -> None:
    content = b"envelope" * 100
    download = Download(None)
    stream_data_field(iter([_answer(content)]), download)
    assert download.commit(hashlib.sha256(content).hexdigest()) == Fetched(content)
    wrong = Download(None)
    stream_data_field(iter([_answer(content)]), wrong)
    with pytest.raises(HashMismatch):
        wrong.commit("0" * 64)
