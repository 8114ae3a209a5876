"""Ký duyệt bằng USB token from the page: the page asks the leader's sign-agent for the
token's certificate, posts it here (``prepare``), passes the answer to the sign-agent, which
signs with the token, and posts the signature back (``complete``).

Both steps are ``documents.services.token_signing``, the same service as the JSON API's
``/outgoing/{id}/token-sign/*``; this module only adds the page's session and CSRF check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from documents.adapters.models import User
from documents.domain.errors import InvalidInput
from documents.http.pages.rendering import PREFIX, PageRoute
from documents.http.pages.session import check_csrf, current_user, hub_of
from documents.services import token_signing

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
