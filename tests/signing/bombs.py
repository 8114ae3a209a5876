"""Hostile inputs built fast: a ZIP whose one member inflates to gigabytes, PDFs of whitespace.

The ZIP is written by hand (local header, deflate data, central directory): its deflate stream
is one fully flushed block of zeros repeated, so a 1 GiB member costs a megabyte and a second to
build, and it is a valid archive (``zipfile`` reads it, CRC included).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

MiB = 1 << 20


def zip_bomb(target: Path, name: str = "bom.pdf", mebibytes: int = 1024) -> Path:
    """A ZIP with one member of ``mebibytes`` MiB of zeros."""
    chunk = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressor.compress(chunk)
    compressor.flush(zlib.Z_FULL_FLUSH)  # the first block may differ; the next ones repeat
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = first.compress(chunk) + first.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(chunk, crc)
    size = mebibytes * MiB
    packed = len(head) + len(block) * (mebibytes - 1) + len(tail)
    raw = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, packed, size,
                        len(raw), 0) + raw
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc,
                          packed, size, len(raw), 0, 0, 0, 0, 0o100644 << 16, 0) + raw
    with target.open("wb") as out:
        out.write(local)
        out.write(head)
        for _ in range(mebibytes - 1):
            out.write(block)
        out.write(tail)
        directory_at = out.tell()
        out.write(central)
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                              directory_at, 0))
    return target


def whitespace_pdf(target: Path, mebibytes: int, before_offset: bytes = b"") -> Path:
    """``%PDF-1.7``, ``before_offset``, then ``mebibytes`` MiB of whitespace, and a trailer
    whose ``startxref`` points just after the header (into ``before_offset``)."""
    with target.open("wb") as out:
        out.write(b"%PDF-1.7\n" + before_offset)
        for _ in range(mebibytes):
            out.write(b" \r\n\t" * (MiB // 4))
        out.write(b"\nstartxref\n9\n%%EOF\n")
    return target
