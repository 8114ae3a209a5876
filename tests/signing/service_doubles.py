"""A loopback HTTP service that misbehaves on purpose, standing for a time-stamping, OCSP or CRL
service that answers an error or too slowly (a stopped one is a closed loopback port)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.server.delay:
            time.sleep(self.server.delay)
        try:
            self.send_response(self.server.status)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>not here</html>")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as it should

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    status = 404
    delay = 0.0


@contextmanager
def misbehaving_service(status: int = 404, delay: float = 0.0, port: int = 0) -> Iterator[str]:
    """``http://127.0.0.1:PORT``: every request answered ``status`` after ``delay`` seconds
    (on ``port``, or a free one)."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.status, server.delay = status, delay
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
