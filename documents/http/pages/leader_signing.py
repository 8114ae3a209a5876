"""The leader signs from the document page with a key the hub does not hold.

Ký duyệt bằng USB token: the page asks the leader's sign-agent for the token's certificate,
posts it here (``prepare``), passes the answer to the sign-agent, which signs with the token,
and posts the signature back (``complete``): ``documents.services.token_signing``, the same
service as the JSON API's ``/outgoing/{id}/token-sign/*``.

Ký số từ xa: a leader configured for remote signing types the PIN or one-time code of their
remote-signing account into the page's form (or confirms on their phone) and posts it here
(``remote-sign``): ``documents.services.remote_signing``, as the JSON API's
``/outgoing/{id}/remote-sign``. The PIN is used for that one signature: it is never shown
again, stored or logged.

This module only adds the page's session and CSRF check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from documents.adapters.models import User
from documents.domain.errors import Forbidden, InvalidInput, RegisterError
from documents.domain.ports import RemoteApproval
from documents.http.errors import status_of
from documents.http.pages.document_pages import FormState, show_outgoing
from documents.http.pages.rendering import PREFIX, PageRoute, go
from documents.http.pages.session import check_csrf, current_user, hub_of
from documents.services import remote_signing, token_signing

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]


async def _body(request: Request) -> dict:
    body = await request.json()
    if not isinstance(body, dict):
        raise InvalidInput("expected a JSON object")
    return body


@router.post(PREFIX + "/outgoing/{document_id}/token-sign/prepare",
             dependencies=[Depends(check_csrf)])
async def prepare(request: Request, user: PageUser, document_id: int) -> JSONResponse:
    body = await _body(request)
    certificate, issuers = token_signing.read_certificates(
        str(body.get("certificate", "")), [str(c) for c in body.get("chain") or []])
    asked = await token_signing.prepare(hub_of(request), user, document_id, certificate,
                                        issuers)
    return JSONResponse({"pending": asked.pending_id, "request": asked.request_json})


@router.post(PREFIX + "/outgoing/{document_id}/token-sign/complete",
             dependencies=[Depends(check_csrf)])
async def complete(request: Request, user: PageUser, document_id: int) -> JSONResponse:
    body = await _body(request)
    await token_signing.complete(hub_of(request), user, document_id,
                                 str(body.get("pending", "")),
                                 token_signing.read_signature(str(body.get("signature", ""))))
    return JSONResponse({"next": f"{PREFIX}/outgoing/{document_id}?done=sign_split"})


@router.post(PREFIX + "/outgoing/{document_id}/remote-sign", dependencies=[Depends(check_csrf)])
async def remote_sign(request: Request, user: PageUser, document_id: int) -> Response:
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
