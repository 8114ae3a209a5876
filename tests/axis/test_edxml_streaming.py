"""Attachments stream: ``peek_routing`` stops before them, content goes file to file in bounded
chunks, and a 200 MB attachment is written and read back within the 64 MB memory budget."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from axis import edxml
from axis.errors import MalformedEdxmlError

ROOT = Path(__file__).resolve().parents[2]


class CountingReader(io.RawIOBase):
    """A binary stream that counts what the reader consumed."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("rb")
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.consumed += len(data)
        return data

    def close(self) -> None:
        self.handle.close()
        super().close()


def envelope_with(content: Path, tmp_path: Path) -> Path:
    attachment = edxml.Attachment("cid:1", "hồ sơ.bin", "application/octet-stream",
                                  path=content)
    message = edxml.DocumentMessage(
        sender=edxml.Organization("000.00.00.H41"),
        to=(edxml.Organization("000.00.00.G09"), edxml.Organization("000.00.00.H14")),
        document_id="000.00.00.H41,2026/11/20,125/UBND-VP",
        trace=(edxml.TraceHeader("000.00.00.H41", dt.datetime(2026, 11, 20, 8, 0)),),
        business=edxml.Business(edxml.BusinessDocType.NEW),
        attachments=(attachment,), manifest=edxml.manifest_for((attachment,)))
    path = tmp_path / "big.edxml"
    edxml.write(message, path)
    return path


@pytest.fixture()
def content(tmp_path) -> Path:
    path = tmp_path / "content.bin"
    block = bytes(range(256)) * 4096
    with path.open("wb") as handle:
        for index in range(20):  # 20 MB, every byte value, no two blocks alike
            handle.write(block[index:] + block[:index])
    return path


def test_peek_routing_reads_only_the_header(content, tmp_path):
    envelope = envelope_with(content, tmp_path)
    stream = CountingReader(envelope)
    routing = edxml.peek_routing(stream)
    assert routing == edxml.Routing("edoc", "000.00.00.H41", ("000.00.00.G09", "000.00.00.H14"),
                                    "000.00.00.H41,2026/11/20,125/UBND-VP", (),
                                    edxml.BusinessDocType.NEW, None)
    assert stream.consumed <= 64 * 1024 < envelope.stat().st_size // 100


def test_peek_routing_does_not_need_the_attachments(content, tmp_path):
    envelope = envelope_with(content, tmp_path)
    cut = envelope.read_bytes()[:200_000]  # the attachment is cut off mid-way
    assert edxml.peek_routing(cut).sender == "000.00.00.H41"
    with pytest.raises(MalformedEdxmlError, match="not well-formed XML"):
        edxml.parse(cut)


def test_large_attachment_goes_file_to_file(content, tmp_path):
    envelope = envelope_with(content, tmp_path)
    message = edxml.parse(envelope, attachments_dir=tmp_path / "out")
    [attachment] = message.attachments
    assert attachment.path == tmp_path / "out" / "hồ sơ.bin"
    expected = hashlib.sha256(content.read_bytes()).hexdigest()
    assert (attachment.size, attachment.sha256) == (content.stat().st_size, expected)
    assert hashlib.sha256(attachment.path.read_bytes()).hexdigest() == expected
    # Without a folder the content is measured and hashed, not kept.
    measured = edxml.parse(envelope).attachments[0]
    assert dataclasses.replace(measured, path=attachment.path) == attachment


def test_attachments_into_memory_instead_of_files(content, tmp_path):
    envelope = envelope_with(content, tmp_path)
    contents: list[bytes] = []
    message = edxml.parse(envelope, contents=contents)
    assert contents == [content.read_bytes()]
    assert not list(tmp_path.glob("out*"))  # no file written
    assert message.attachments[0].path is None
    with pytest.raises(ValueError, match="not both"):
        edxml.parse(envelope, attachments_dir=tmp_path / "out", contents=[])
    refused: list[bytes] = []
    with pytest.raises(MalformedEdxmlError):
        edxml.parse(envelope.read_bytes()[:-200], contents=refused)
    assert refused == []


@pytest.mark.slow
def test_200_mb_attachment_stays_within_the_memory_budget():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_edxml_stream.py"), "--json"],
        capture_output=True, text=True, check=True, timeout=300)
    figures = json.loads(done.stdout)
    assert figures["size_mb"] == 200 and figures["read_back_identical"]
    assert figures["write_growth_mb"] < 64
    assert figures["read_growth_mb"] < 64
    # The naive approach would not fit: the comparison shows the budget is meaningful.
    assert figures["naive_growth_mb"] > 64
