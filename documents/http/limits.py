"""The hub's gate for request bodies, before any route reads one (ASGI middleware).

FastAPI reads and parses a form (every uploaded file) before it runs a route's dependencies, so
the route's authentication came after a 300 MB upload. :class:`BodyGate` runs first:

- a body larger than the limit is refused with 413 on its ``Content-Length`` alone, and a body
  without one (chunked) is cut off with 413 once it passes the limit;
- a body sent to anything but the two login forms must come with credentials that are valid now
  (a bearer token, or the pages' session cookie), checked before one byte of it is read: else
  401 for the API, and for the pages a redirect to the login form;
- the login forms take at most :data:`LOGIN_BODY_BYTES`.

The routes still check roles and CSRF tokens themselves; this gate only decides whether a body
is read at all.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from documents.domain.errors import NotAuthenticated, StorageUnavailable
from documents.http.errors import status_of
from documents.http.security import user_of
from documents.services.hub import Hub

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the forms that take a body from someone not logged in yet
LOGIN_PATHS = frozenset({"/auth/token", "/ui/login"})
LOGIN_BODY_BYTES = 64 * 1024
SESSION_COOKIE = "edochub_session"  # documents.http.pages.session.SESSION_COOKIE


class BodyGate:
    def __init__(self, app: ASGIApp, hub: Hub) -> None:
        self.app, self.hub = app, hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        declared = headers.get("content-length", "")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if not chunked and declared in ("", "0"):
            await self.app(scope, receive, send)  # no body
            return
        path = scope.get("path", "")
        limit = LOGIN_BODY_BYTES if path in LOGIN_PATHS else self.hub.settings.max_request_bytes
        if not declared.isdigit() and not chunked:
            await _answer(send, 400, "Content-Length is not a number")
            return
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, f"the request body of {declared} bytes is larger than the "
                                     f"limit of {limit} bytes")
            return
        if path not in LOGIN_PATHS:
            try:
                problem = await run_in_threadpool(self._unauthenticated, headers)
            except StorageUnavailable as exc:  # the tokens are in the database
                await _answer(send, status_of(exc), str(exc))
                return
            if problem is not None:
                if path.startswith("/ui/"):
                    await _redirect(send, "/ui/login")
                else:
                    await _answer(send, 401, problem, {"www-authenticate": "Bearer"})
                return
        await self._bounded(scope, receive, send, limit)

    def _unauthenticated(self, headers: dict[str, str]) -> str | None:
        """Why the request's credentials are not valid now (None when they are)."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            token = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        if not token:
            return "log in first: no bearer token was sent"
        try:
            user_of(self.hub, token.strip())
        except NotAuthenticated as exc:
            return str(exc)
        return None

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the body on until it passes ``limit``: then answer 413 here, tell the app the
        client left, and drop whatever the app still answers."""
        received = 0
        started = refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started:
                        await _answer(send, 413, "the request body is larger than the limit "
                                                 f"of {limit} bytes")
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, tracking_send)


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


async def _answer(send: Send, status: int, detail: str,
                  headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((k.encode(), v.encode()) for k, v in (headers or {}).items())]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"location", location.encode()), (b"content-length", b"0"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": b""})
