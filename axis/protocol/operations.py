"""What operators see of the hub and the axis alike: one request id per request that travels
from hub to axis in the ``X-Request-ID`` header, one JSON log line per request carrying it,
Prometheus metrics of requests and latencies, and the liveness/readiness answers.

Both servers mount :class:`RequestContext` and :func:`add_operations_routes`; clients copy
:func:`current_request_id` into the header of what they send, so one id follows a document
across both logs.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                          default=None)
ACCESS_LOG = logging.getLogger("edochub.access")

REQUESTS = Counter("edochub_http_requests_total", "HTTP requests answered",
                   ("service", "method", "route", "status"))
LATENCY = Histogram("edochub_http_request_seconds", "Time to answer an HTTP request",
                    ("service", "method", "route"),
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _request_id.get()


def request_id_headers() -> dict[str, str]:
    """Headers a client adds so that the server logs the same id (empty outside a request)."""
    request_id = _request_id.get()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Work done outside any request (a background worker's round) under one id of its own,
    made here unless given, so that its log lines and its calls to the axis share it."""
    chosen = request_id if request_id and _valid_request_id(request_id) else uuid.uuid4().hex
    token = _request_id.set(chosen)
    try:
        yield chosen
    finally:
        _request_id.reset(token)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request id,
    and the record's ``fields`` when given (``logger.info("...", extra={"fields": {...}})``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            entry.update(fields)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, ensure_ascii=False)


def _valid_request_id(value: str) -> bool:
    # an id from outside is logged and passed on: keep it short and printable
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value)


class RequestContext:
    """ASGI middleware: takes the caller's ``X-Request-ID`` (or makes one), answers it back,
    logs one JSON line and counts the request with its latency under ``service``."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(REQUEST_ID_HEADER.lower().encode(), b"")
        text = given.decode("latin-1")
        request_id = text if _valid_request_id(text) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (REQUEST_ID_HEADER.lower().encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            REQUESTS.labels(self.service, method, template, str(status)).inc()
            LATENCY.labels(self.service, method, template).observe(elapsed)
            ACCESS_LOG.info("request", extra={"fields": {
                "service": self.service, "request_id": request_id, "method": method,
                "route": template,
                "status": status, "duration_ms": round(elapsed * 1000, 1)}})
            _request_id.reset(token)


def metrics_body() -> tuple[bytes, str]:
    """The Prometheus text exposition of every metric of this process, and its media type."""
    return generate_latest(), CONTENT_TYPE_LATEST


def readiness(checks: Mapping[str, Callable[[], object]]) -> tuple[bool, dict[str, str]]:
    """Run each check (raising means not ready); ``{name: "ok" | what failed}``."""
    answers: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure means not ready; the answer says which
            answers[name] = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        else:
            answers[name] = "ok"
    return all(answer == "ok" for answer in answers.values()), answers
