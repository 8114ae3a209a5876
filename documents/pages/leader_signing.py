"""Ký duyệt bằng USB token: the leader's token signs through split signing.

1. ``prepare``: the page sends the certificate the leader's sign-agent reports; the hub checks
   it names the logged-in leader, prepares the PDF (``signing.split.async_prepare``), keeps the
   prepared PDF in its file store and answers the data to be signed;
2. the page passes that to the sign-agent on the leader's PC, which signs with the token;
3. ``complete``: the hub embeds the signature (``signing.split.embed``, which refuses one that
   does not answer this request or this prepared PDF), validates the result and records the
   leader's signature in the register.

Pending requests live in memory, bound to the leader and the document; a restarted hub forgets
them and the leader simply signs again.

The register step is ``documents.outgoing.record_leader_signature``, shared with the
server-held key path.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from documents import db, outgoing, workflow
from documents.errors import Forbidden, InvalidInput, NotFound
from documents.hub import Hub, load
from documents.models import OutgoingDocument, User
from documents.pages.rendering import PREFIX, PageRoute
from documents.pages.session import check_csrf, current_user, hub_of
from documents.ports import LeaderKey
from documents.workflow import Role
from signing.results import Indication

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]
MAX_PENDING = 200


@dataclass(frozen=True)
class Pending:
    user_id: int
    document_id: int
    source_hash: str  # the main file the request was prepared from
    prepared_hash: str
    request_json: str


_pending: dict[str, Pending] = {}


def _main_file(document: OutgoingDocument):  # noqa: ANN202 - an Attachment
    return next(f for f in document.files if f.is_main)


def _check_may_sign(document: OutgoingDocument, user: User) -> None:
    """The workflow's own rule for "sign" (role and state), before any work is done."""
    workflow.next_outgoing(document.state, "sign", Role(user.role))


def _certificates(body: dict) -> tuple:  # noqa: ANN001
    from asn1crypto import x509

    try:
        certificate = x509.Certificate.load(base64.b64decode(body["certificate"], validate=True))
        chain = tuple(x509.Certificate.load(base64.b64decode(c, validate=True))
                      for c in body.get("chain", []))
        certificate.native  # noqa: B018 - parse now, so a malformed one is refused here
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"the sign-agent's certificate is not readable: {exc}") from None
    return certificate, chain


def _names_leader(certificate, user: User) -> bool:  # noqa: ANN001
    return certificate.subject.native.get("common_name", "").strip() == user.full_name.strip()


@router.post(PREFIX + "/outgoing/{document_id}/token-sign/prepare",
             dependencies=[Depends(check_csrf)])
async def prepare(request: Request, user: PageUser, document_id: int) -> JSONResponse:
    hub = hub_of(request)
    if user.role not in (Role.LEADER, Role.ADMIN):
        raise Forbidden(f"a {user.role} may not sign outgoing documents")
    certificate, chain = _certificates(await request.json())
    if not _names_leader(certificate, user):
        raise Forbidden(f"the token's certificate is not {user.full_name}'s "
                        f"({certificate.subject.human_friendly})")

    def source() -> tuple[str, bytes, LeaderKey]:
        with db.transaction(hub.sessions) as session:
            document = load(session, OutgoingDocument, document_id, "outgoing document")
            _check_may_sign(document, user)
            main = _main_file(document)
            leader = LeaderKey(user.username, user.full_name,
                               user.position or document.signer_position)
            return main.blob_hash, hub.store.get(main.blob_hash), leader

    if hub.signer is None:
        raise InvalidInput("this hub has no signing configured")
    source_hash, pdf, leader = await run_in_threadpool(source)
    prepared, request_json = await hub.signer.prepare_for_token(pdf, leader, certificate, chain)
    pending_id = secrets.token_urlsafe(24)
    if len(_pending) >= MAX_PENDING:
        _pending.pop(next(iter(_pending)))
    _pending[pending_id] = Pending(user.id, document_id, source_hash, hub.store.put(prepared),
                                   request_json)
    return JSONResponse({"pending": pending_id, "request": request_json})


@router.post(PREFIX + "/outgoing/{document_id}/token-sign/complete",
             dependencies=[Depends(check_csrf)])
async def complete(request: Request, user: PageUser, document_id: int) -> JSONResponse:
    from signing.split import SigningRequest, embed

    hub = hub_of(request)
    body = await request.json()
    pending = _pending.get(str(body.get("pending", "")))
    if pending is None or (pending.user_id, pending.document_id) != (user.id, document_id):
        raise NotFound("no signing request of yours is waiting for this document; sign again")
    try:
        signature = base64.b64decode(str(body.get("signature", "")), validate=True)
    except ValueError:
        raise InvalidInput("the signature is not base64") from None
    signing_request = SigningRequest.from_json(pending.request_json)
    signed = embed(hub.store.get(pending.prepared_hash), signing_request, signature)
    await _refuse_failed(hub, signed)
    await run_in_threadpool(_record, hub, user, document_id, pending, signed)
    _pending.pop(str(body["pending"]), None)
    return JSONResponse({"next": f"{PREFIX}/outgoing/{document_id}?done=sign_split"})


async def _refuse_failed(hub: Hub, signed: bytes) -> None:
    if hub.validator is None:
        return
    [result] = await hub.validator.validate([("signed.pdf", signed)])
    failed = [s for s in result.signatures if s.indication is Indication.TOTAL_FAILED]
    if result.error or failed:
        raise InvalidInput("the signed document does not validate: "
                           f"{result.error or failed[0].sub_indication}")


def _record(hub: Hub, user: User, document_id: int, pending: Pending, signed: bytes) -> None:
    with db.transaction(hub.sessions) as session:
        outgoing.record_leader_signature(session, hub, user, document_id, signed,
                                         pending.source_hash, "token")
