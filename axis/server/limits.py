"""A limit on every request body the axis reads (ASGI middleware), whatever the route: a body
announced larger than the limit is refused on its ``Content-Length``, before any of it is read,
and a chunked body is cut off once it passes the limit. Routes keep their own, smaller limits
(the SOAP request, the envelope, registerAgency's JSON)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Send

from axis.errors import MessageTooLarge

Message = MutableMapping[str, Any]
ASGIApp = Callable[..., Awaitable[None]]


class BodyLimit:
    """``answer(path, error)``: the refusal in the words of the face the path belongs to."""

    def __init__(self, app: ASGIApp, limit: int,
                 answer: Callable[[str, MessageTooLarge], Response]) -> None:
        self.app, self.limit, self.answer = app, limit, answer

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive,
                       send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-length"),
                        b"")
        path = scope.get("path", "")

        async def refuse(detail: str) -> None:
            response = self.answer(path, MessageTooLarge(detail))
            response.headers["connection"] = "close"
            await response(scope, receive, send)

        if declared.isdigit() and int(declared) > self.limit:
            await refuse(f"request body of {int(declared)} bytes is larger than the limit of "
                         f"{self.limit} bytes")
            return
        received, refused, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                refused = True
                if not started:
                    await refuse(f"request body larger than the limit of {self.limit} bytes")
                return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if not refused:
                started = started or message["type"] == "http.response.start"
                await send(message)

        await self.app(scope, counting_receive, tracking_send)
