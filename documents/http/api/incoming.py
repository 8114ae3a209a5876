"""Văn bản đến: register or reject, assign, progress, answer recalls, re-validate."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from documents.adapters.models import Attachment, IncomingDocument, User
from documents.domain.errors import NotFound
from documents.domain.workflow import Assignment, is_overdue
from documents.http.deps import (
    Clerk,
    HubDep,
    Leader,
    Limit,
    RowId,
    SessionDep,
    Specialist,
    Staff,
    Validator,
)
from documents.http.schemas import (
    AssignIncoming,
    ChangeAnswer,
    IncomingPublic,
    ProgressUpdate,
    RegisterIncoming,
    RejectIncoming,
)
from documents.services import audit, incoming
from documents.services.hub import Hub, load

router = APIRouter(prefix="/incoming", tags=["incoming"])


def public(hub: Hub, document: IncomingDocument) -> IncomingPublic:
    answer = IncomingPublic.model_validate(document)
    answer.overdue = is_overdue(document.state, document.due_date, hub.today())
    return answer


@router.get("", response_model=list[IncomingPublic])
def list_incoming(hub: HubDep, session: SessionDep, user: Staff, state: str | None = None,
                  limit: Limit = 100) -> list[IncomingPublic]:
    query = select(IncomingDocument).order_by(IncomingDocument.id.desc()).limit(min(limit, 500))
    if state:
        query = query.where(IncomingDocument.state == state)
    return [public(hub, d) for d in session.scalars(query)]


@router.get("/overdue", response_model=list[IncomingPublic])
def overdue(hub: HubDep, session: SessionDep, user: Staff) -> list[IncomingPublic]:
    return [public(hub, d) for d in incoming.overdue(session, hub.today())]


@router.get("/{document_id}", response_model=IncomingPublic)
def get_incoming(hub: HubDep, session: SessionDep, user: Staff,
                 document_id: RowId) -> IncomingPublic:
    return public(hub, load(session, IncomingDocument, document_id, "incoming document"))


@router.post("/{document_id}/register", response_model=IncomingPublic)
def register(hub: HubDep, session: SessionDep, user: Clerk, document_id: RowId,
             body: RegisterIncoming) -> IncomingPublic:
    return public(hub, incoming.register(session, hub, user, document_id, body.receiving_unit,
                                         body.notes, body.override_reason))


@router.post("/{document_id}/reject", response_model=IncomingPublic)
def reject(hub: HubDep, session: SessionDep, user: Clerk, document_id: RowId,
           body: RejectIncoming) -> IncomingPublic:
    return public(hub, incoming.reject(session, hub, user, document_id, body.reason))


@router.post("/{document_id}/assign", response_model=IncomingPublic)
def assign(hub: HubDep, session: SessionDep, user: Leader, document_id: RowId,
           body: AssignIncoming) -> IncomingPublic:
    assignment = Assignment(body.main_handler, tuple(body.co_handlers),
                            tuple(body.for_information), body.due_date, body.direction)
    return public(hub, incoming.assign(session, hub, user, document_id, assignment))


@router.post("/{document_id}/start", response_model=IncomingPublic)
def start(hub: HubDep, session: SessionDep, user: Specialist, document_id: RowId,
          body: ProgressUpdate) -> IncomingPublic:
    return public(hub, incoming.progress(session, hub, user, document_id, "start", body.note))


@router.post("/{document_id}/finish", response_model=IncomingPublic)
def finish(hub: HubDep, session: SessionDep, user: Specialist, document_id: RowId,
           body: ProgressUpdate) -> IncomingPublic:
    return public(hub, incoming.progress(session, hub, user, document_id, "finish", body.note))


@router.post("/{document_id}/answer-change", response_model=IncomingPublic)
def answer_change(hub: HubDep, session: SessionDep, user: Clerk, document_id: RowId,
                  body: ChangeAnswer) -> IncomingPublic:
    return public(hub, incoming.answer_change(session, hub, user, document_id, body.agree,
                                              body.reason))


@router.post("/{document_id}/validate", response_model=IncomingPublic)
async def revalidate(hub: HubDep, session: SessionDep, user: Validator,
                     document_id: RowId) -> IncomingPublic:
    """Validate every PDF again now (pyHanko's async validation, off the request thread)."""
    document, pdfs = await run_in_threadpool(_pdfs_of, hub, session, document_id)
    results = await hub.validator.validate(pdfs)
    return await run_in_threadpool(_store_verification, hub, session, user, document, results)


def _pdfs_of(hub: Hub, session, document_id: int):  # noqa: ANN001, ANN202
    document = load(session, IncomingDocument, document_id, "incoming document")
    files = session.scalars(select(Attachment).where(Attachment.incoming_id == document.id))
    pdfs = [(f.name, hub.store.get(f.blob_hash)) for f in files
            if f.content_type == "application/pdf" or f.name.lower().endswith(".pdf")]
    if not pdfs:
        raise NotFound(f"incoming document {document_id} has no PDF to validate")
    return document, pdfs


def _store_verification(hub: Hub, session, user: User, document: IncomingDocument,  # noqa: ANN001
                        results) -> IncomingPublic:  # noqa: ANN001
    expected = hub.settings.expected_seal_identifier(document.sender_organ_id)
    verification = incoming.verify_files(expected, results)
    document.signatures_valid = verification.signatures_valid
    document.sender_matches = verification.sender_matches
    document.verification = verification.to_json()
    audit.record(session, user.username, "validate", "incoming", document.id,
                 document.envelope_hash, valid=verification.signatures_valid,
                 sender_matches=verification.sender_matches)
    return public(hub, document)
