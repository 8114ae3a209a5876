"""The leader signs from the document page with a key the hub does not hold.

Ký duyệt bằng USB token: the page asks the leader's sign-agent for the token's certificate,
posts it here (``prepare``), passes the answer (the data to be signed, the prepared PDF and what
the document is) to the sign-agent, which shows the document on its own page and signs with the
token once the leader confirms there; the page collects the signature and posts it back
(``complete``): ``documents.services.token_signing``, the same service as the JSON API's
``/outgoing/{id}/token-sign/*``.

Ký số từ xa: a leader configured for remote signing types the PIN or one-time code of their
remote-signing account into the page's form (or confirms on their phone) and posts it here
(``remote-sign``): ``documents.services.remote_signing``, as the JSON API's
``/outgoing/{id}/remote-sign``. The PIN is used for that one signature: it is never shown
again, stored or logged.

This module only adds the page's session and CSRF check.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from documents.adapters.models import OutgoingDocument, User
from documents.domain.errors import Forbidden, InvalidInput, RegisterError
from documents.domain.ports import RemoteApproval
from documents.http.deps import RowId
from documents.http.errors import status_of
from documents.http.pages.document_pages import FormState, show_outgoing
from documents.http.pages.rendering import PREFIX, PageRoute, go
from documents.http.pages.session import check_csrf, current_user, hub_of
from documents.services import remote_signing, token_signing
from documents.services.hub import Hub, load

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]


async def _body(request: Request) -> dict:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise InvalidInput("send this step as application/json (the page's script does)")
    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput("the body is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("expected a JSON object")
    return body


def _described(hub: Hub, document_id: int) -> dict[str, str]:
    """The document as the sign-agent's confirmation page names it."""
    with hub.sessions() as session:
        document = load(session, OutgoingDocument, document_id, "outgoing document")
        number = (f"{document.number:02d}/{document.notation}" if document.number
                  else f"(số cấp khi ban hành) {document.doc_type}")
        return {"organization": hub.settings.organ_name, "number": number,
                "subject": document.subject}


@router.post(PREFIX + "/outgoing/{document_id}/token-sign/prepare",
             dependencies=[Depends(check_csrf)])
async def prepare(request: Request, user: PageUser, document_id: RowId) -> JSONResponse:
    body = await _body(request)
    certificate, issuers = token_signing.read_certificates(
        str(body.get("certificate", "")), [str(c) for c in body.get("chain") or []])
    asked = await token_signing.prepare(hub_of(request), user, document_id, certificate,
                                        issuers)
    hub = hub_of(request)
    prepared = await asyncio.to_thread(hub.store.get, asked.prepared_hash)
    described = await asyncio.to_thread(_described, hub, document_id)
    return JSONResponse({"pending": asked.pending_id, "request": asked.request_json,
                         "pdf": base64.b64encode(prepared).decode(), "document": described})


@router.post(PREFIX + "/outgoing/{document_id}/token-sign/complete",
             dependencies=[Depends(check_csrf)])
async def complete(request: Request, user: PageUser, document_id: RowId) -> JSONResponse:
    body = await _body(request)
    await token_signing.complete(hub_of(request), user, document_id,
                                 str(body.get("pending", "")),
                                 token_signing.read_signature(str(body.get("signature", ""))))
    return JSONResponse({"next": f"{PREFIX}/outgoing/{document_id}?done=sign_split"})


@router.post(PREFIX + "/outgoing/{document_id}/remote-sign", dependencies=[Depends(check_csrf)])
async def remote_sign(request: Request, user: PageUser, document_id: RowId) -> Response:
    form = await request.form()
    approval = RemoteApproval(pin=str(form.get("pin") or ""), otp=str(form.get("otp") or ""))
    done = f"{PREFIX}/outgoing/{document_id}?done=sign_remote"
    scripted = "application/json" in request.headers.get("accept", "")  # the page's script
    try:
        await remote_signing.sign(hub_of(request), user, document_id, approval)
    except Forbidden:
        raise
    except RegisterError as exc:  # the reason, without what was typed
        if scripted:
            return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))
        return await show_outgoing(request, user, document_id, FormState(
            status_of(exc), problem=str(exc), failed_action="sign_remote"))
    return JSONResponse({"next": done}) if scripted else go(done)
