"""Văn bản đi: draft, submit, sign, issue, send, and changes after sending."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select

from documents.adapters.models import Attachment, OutgoingDocument
from documents.domain.errors import InvalidInput, NotFound
from documents.domain.ports import FilePart, Party, RemoteApproval
from documents.http.deps import Clerk, HubDep, Leader, Limit, RowId, SessionDep, Specialist, Staff
from documents.http.files import file_response
from documents.http.schemas import (
    ChangeAfterSending,
    DraftCreate,
    OutgoingPublic,
    RemoteSign,
    SendBack,
    TokenSignComplete,
    TokenSignPrepare,
    TokenSignRequest,
)
from documents.services import outgoing, remote_signing, token_signing
from documents.services.hub import load

router = APIRouter(prefix="/outgoing", tags=["outgoing"])


async def _read(upload: UploadFile, limit: int) -> FilePart:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"{upload.filename} is larger than the limit of {limit} bytes")
    return FilePart(upload.filename or "file.pdf", upload.content_type or "application/pdf",
                    data)


@router.post("", response_model=OutgoingPublic, status_code=201)
async def create_draft(
    hub: HubDep, session: SessionDep, user: Specialist,
    metadata: Annotated[str, Form(description="DraftCreate as JSON")],
    document: Annotated[UploadFile, File(description="the document, PDF")],
    attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> OutgoingPublic:
    try:
        draft = DraftCreate.model_validate_json(metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "metadata"
        raise InvalidInput(f"metadata {where}: {first['msg']}") from None
    limit = hub.settings.max_file_bytes
    main = await _read(document, limit)
    parts = tuple([await _read(a, limit) for a in attachments or []])
    return OutgoingPublic.model_validate(outgoing.create_draft(
        session, hub, user,
        outgoing.Draft(draft.doc_type, draft.subject,
                       tuple(Party(r.organ_id, r.name) for r in draft.recipients),
                       draft.unit, draft.signer_position, draft.competence, draft.copies,
                       draft.file_keeper, draft.notes),
        main.data, parts))


@router.get("", response_model=list[OutgoingPublic])
def list_outgoing(session: SessionDep, user: Staff, state: str | None = None,
                  limit: Limit = 100) -> list[OutgoingPublic]:
    query = select(OutgoingDocument).order_by(OutgoingDocument.id.desc()).limit(min(limit, 500))
    if state:
        query = query.where(OutgoingDocument.state == state)
    return [OutgoingPublic.model_validate(d) for d in session.scalars(query)]


@router.get("/{document_id}", response_model=OutgoingPublic)
def get_outgoing(session: SessionDep, user: Staff, document_id: RowId) -> OutgoingPublic:
    return OutgoingPublic.model_validate(
        load(session, OutgoingDocument, document_id, "outgoing document"))


@router.get("/{document_id}/files/{file_id}", response_class=Response)
def get_file(hub: HubDep, session: SessionDep, user: Staff, document_id: RowId,
             file_id: RowId) -> Response:
    part = session.get(Attachment, file_id)
    if part is None or part.outgoing_id != document_id:
        raise NotFound(f"file {file_id} of outgoing document {document_id} does not exist")
    return file_response(part.name, part.content_type, hub.store.get(part.blob_hash))


@router.post("/{document_id}/submit", response_model=OutgoingPublic)
def submit(hub: HubDep, session: SessionDep, user: Specialist,
           document_id: RowId) -> OutgoingPublic:
    return OutgoingPublic.model_validate(outgoing.submit(session, hub, user, document_id))


@router.post("/{document_id}/send-back", response_model=OutgoingPublic)
def send_back(hub: HubDep, session: SessionDep, user: Leader, document_id: RowId,
              body: SendBack) -> OutgoingPublic:
    document = outgoing.send_back(session, hub, user, document_id, body.reason)
    return OutgoingPublic.model_validate(document)


@router.post("/{document_id}/sign", response_model=OutgoingPublic)
def sign(hub: HubDep, session: SessionDep, user: Leader, document_id: RowId) -> OutgoingPublic:
    return OutgoingPublic.model_validate(outgoing.sign(session, hub, user, document_id))


@router.post("/{document_id}/remote-sign", response_model=OutgoingPublic)
async def remote_sign(hub: HubDep, user: Leader, document_id: RowId,
                      body: RemoteSign) -> OutgoingPublic:
    """Remote signing: the leader's remote-signing service signs, authorised by the PIN or
    one-time code given here (or confirmed on the leader's phone); validated and recorded."""
    document = await remote_signing.sign(hub, user, document_id,
                                         RemoteApproval(pin=body.pin, otp=body.otp))
    return OutgoingPublic.model_validate(document)


@router.post("/{document_id}/token-sign/prepare", response_model=TokenSignRequest,
             status_code=201)
async def token_sign_prepare(hub: HubDep, user: Leader, document_id: RowId,
                             body: TokenSignPrepare) -> TokenSignRequest:
    """Split signing, step 1: the leader's token certificate in, the data to sign out."""
    certificate, chain = token_signing.read_certificates(body.certificate, body.chain)
    asked = await token_signing.prepare(hub, user, document_id, certificate, chain)
    return TokenSignRequest(pending=asked.pending_id, request=asked.request_json,
                            expires_at=asked.expires_at)


@router.post("/{document_id}/token-sign/complete", response_model=OutgoingPublic)
async def token_sign_complete(hub: HubDep, user: Leader, document_id: RowId,
                              body: TokenSignComplete) -> OutgoingPublic:
    """Split signing, step 3: the token's signature embedded, validated and recorded."""
    document = await token_signing.complete(hub, user, document_id, body.pending,
                                            token_signing.read_signature(body.signature))
    return OutgoingPublic.model_validate(document)


@router.post("/{document_id}/issue", response_model=OutgoingPublic)
def issue(hub: HubDep, session: SessionDep, user: Clerk, document_id: RowId) -> OutgoingPublic:
    return OutgoingPublic.model_validate(outgoing.issue(session, hub, user, document_id))


@router.post("/{document_id}/send", response_model=OutgoingPublic)
def send(hub: HubDep, session: SessionDep, user: Clerk, document_id: RowId) -> OutgoingPublic:
    return OutgoingPublic.model_validate(outgoing.send(session, hub, user, document_id))


@router.post("/{document_id}/change", response_model=OutgoingPublic)
def change(hub: HubDep, session: SessionDep, user: Clerk, document_id: RowId,
           body: ChangeAfterSending) -> OutgoingPublic:
    document = outgoing.change_after_sending(session, hub, user, document_id, body.action,
                                             body.reason, body.subject, body.replacement_id)
    return OutgoingPublic.model_validate(document)
