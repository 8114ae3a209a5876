"""A request sent by hand over a socket: the headers and only the first bytes of the body it
announces. The answer read back proves the server decided without waiting for the rest (it
never comes)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def post_partly(url: str, path: str, headers: dict[str, str], first_bytes: bytes) -> RawAnswer:
    """POST ``path`` with ``headers`` (which announce the body: Content-Length or chunked),
    sending only ``first_bytes`` of it, and read the answer."""
    parts = urlsplit(url)
    lines = [f"POST {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}",
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall("\r\n".join(lines).encode("latin-1") + first_bytes)
        received = b""
        while b"\r\n\r\n" not in received:
            received += _chunk(sock)
        head, _, body = received.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        answer_headers = {k.strip().lower(): v.strip()
                          for k, _, v in (line.partition(":") for line in header_lines)}
        length = int(answer_headers.get("content-length", "0"))
        while len(body) < length:
            body += _chunk(sock)
    return RawAnswer(int(status_line.split()[1]), answer_headers, body[:length])


def _chunk(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection without an answer")
    return data
