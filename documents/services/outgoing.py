"""Văn bản đi: draft → submitted → signed by the leader → issued by the clerk → sent, then
recall, update or replace. Each function is one unit of work in the caller's transaction and
writes its audit entry and outbox rows there too."""

from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from decree30 import numbering
from documents.adapters.models import (
    Attachment,
    OutboxMessage,
    OutgoingDocument,
    OutgoingRecipient,
    User,
)
from documents.domain import workflow
from documents.domain.errors import (
    ConfigurationError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    decree30_rules,
)
from documents.domain.ports import DocumentEnvelope, FilePart, LeaderKey, Party
from documents.domain.text import fold
from documents.domain.workflow import BusinessType, OutgoingState, Role, StatusCode
from documents.services import audit, books, metrics
from documents.services.hub import Hub, check_pdf, load

#: seals attachments beside the issuing thread; one long-lived thread, since the signer keeps
#: its keys and certificate checks per thread
_ATTACHMENTS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="edochub-attachments")


@dataclass(frozen=True)
class Draft:
    doc_type: str
    subject: str
    recipients: tuple[Party, ...]
    unit: str = ""
    signer_position: str = ""
    competence: str = ""
    copies: int = 1
    file_keeper: str = ""
    notes: str = ""


def _role(user: User) -> Role:
    return Role(user.role)


def _advance(document: OutgoingDocument, action: str, actor: User) -> None:
    document.state = workflow.next_outgoing(document.state, action, _role(actor)).value


def main_file(document: OutgoingDocument) -> Attachment:
    """The document itself, among its files (the others are attachments)."""
    return next(f for f in document.files if f.is_main)


def create_draft(session: Session, hub: Hub, actor: User, draft: Draft, pdf: bytes,
                 attachments: tuple[FilePart, ...] = ()) -> OutgoingDocument:
    """Dự thảo: the specialist's PDF and metadata; nothing is numbered yet."""
    if _role(actor) is not Role.SPECIALIST:
        raise Forbidden(f"role {actor.role} may not draft outgoing documents")
    with decree30_rules():
        numbering.check_document_type(draft.doc_type)
    if draft.doc_type == numbering.OFFICIAL_LETTER and not draft.unit:
        raise InvalidInput("a Công văn needs its drafting unit (e.g. VP)")
    if not draft.subject.strip():
        raise InvalidInput("the subject (trích yếu) is empty")
    if not draft.recipients:
        raise InvalidInput("an outgoing document needs at least one recipient (nơi nhận)")
    limit = hub.settings.max_file_bytes
    check_pdf(pdf, "the document", limit)
    for part in attachments:
        check_pdf(part.data, f"attachment {part.name!r}", limit)
    document = OutgoingDocument(
        state=OutgoingState.DRAFT.value, doc_type=draft.doc_type, subject=draft.subject,
        subject_folded=fold(draft.subject), unit=draft.unit, author_id=actor.id,
        signer_position=draft.signer_position, competence=draft.competence,
        copies=draft.copies, file_keeper=draft.file_keeper, notes=draft.notes,
    )
    session.add(document)
    session.flush()
    _attach(session, hub, document, FilePart("document.pdf", "application/pdf", pdf), True)
    for part in attachments:
        _attach(session, hub, document, part, False)
    for party in dict.fromkeys(draft.recipients):
        session.add(OutgoingRecipient(document_id=document.id, organ_id=party.organ_id,
                                      organ_name=party.name))
    session.flush()
    session.refresh(document)
    audit.record(session, actor.username, "draft", "outgoing", document.id,
                 main_file(document).blob_hash, subject=draft.subject)
    return document


def _attach(session: Session, hub: Hub, document: OutgoingDocument, part: FilePart,
            is_main: bool) -> Attachment:
    # every file of an outgoing document passed check_pdf: its type is PDF, whatever the
    # uploader declared (a declared text/html would otherwise be served as a page)
    attachment = Attachment(outgoing_id=document.id, is_main=is_main, name=part.name[:255],
                            content_type="application/pdf", blob_hash=hub.store.put(part.data),
                            size=len(part.data))
    session.add(attachment)
    return attachment


def submit(session: Session, hub: Hub, actor: User, document_id: int) -> OutgoingDocument:
    """Trình ký: the draft gets its number and date fields now, before anyone signs it."""
    document = load(session, OutgoingDocument, document_id, "outgoing document")
    _advance(document, "submit", actor)
    if hub.signer is None:
        raise ConfigurationError("this hub has no signer configured")
    main = main_file(document)
    prepared = hub.signer.prepare(hub.store.get(main.blob_hash))
    main.blob_hash, main.size = hub.store.put(prepared), len(prepared)
    audit.record(session, actor.username, "submit", "outgoing", document.id, main.blob_hash)
    return document


def send_back(session: Session, hub: Hub, actor: User, document_id: int,
              reason: str) -> OutgoingDocument:
    document = load(session, OutgoingDocument, document_id, "outgoing document")
    _advance(document, "send_back", actor)
    audit.record(session, actor.username, "send_back", "outgoing", document.id, reason=reason)
    return document


def sign(session: Session, hub: Hub, actor: User, document_id: int) -> OutgoingDocument:
    """Ký duyệt: the leader signs with the key the hub holds for them."""
    document = load(session, OutgoingDocument, document_id, "outgoing document")
    workflow.next_outgoing(document.state, "sign", _role(actor))  # refuse before signing
    if hub.signer is None:
        raise ConfigurationError("this hub has no signer configured")
    main = main_file(document)
    signed = hub.signer.sign_as_leader(
        hub.store.get(main.blob_hash),
        LeaderKey(actor.username, actor.full_name, actor.position or document.signer_position),
    )
    return record_leader_signature(session, hub, actor, document_id, signed, main.blob_hash,
                                   "server-held key")


def record_leader_signature(session: Session, hub: Hub, actor: User, document_id: int,
                            signed_pdf: bytes, signed_from: str, method: str) -> OutgoingDocument:
    """The leader's signed PDF enters the register, whichever way it was signed (server-held
    key, or split signing completed from the leader's token); ``signed_from`` is the hash of
    the file that was signed, so a document changed meanwhile is refused."""
    document = load(session, OutgoingDocument, document_id, "outgoing document")
    main = main_file(document)
    if main.blob_hash != signed_from:
        raise InvalidTransition("the document changed while it was being signed; sign again")
    _advance(document, "sign", actor)
    main.blob_hash, main.size = hub.store.put(signed_pdf), len(signed_pdf)
    document.signer_id, document.signer_name = actor.id, actor.full_name
    document.signer_position = document.signer_position or actor.position
    audit.record(session, actor.username, "sign", "outgoing", document.id, main.blob_hash,
                 method=method)
    metrics.SIGNATURES_MADE.labels(hub.settings.organ_id, "leader").inc()
    return document


def issue(session: Session, hub: Hub, actor: User, document_id: int) -> OutgoingDocument:
    """Ban hành: number and date written in, the organization's seal applied, attachments
    sealed with the number and notation. The number is taken in this transaction, so a failed
    seal gives it back."""
    document = load(session, OutgoingDocument, document_id, "outgoing document")
    _advance(document, "issue", actor)
    if hub.signer is None:
        raise ConfigurationError("this hub has no signer configured")
    today = hub.today()
    document.book_id, document.number = books.take_number(session, books.OUTGOING, today.year)
    with decree30_rules():
        document.notation = numbering.notation(document.doc_type, hub.settings.abbreviation,
                                               document.unit or None)
    document.issued_on = today
    shown = numbering.number_and_notation(document.number, document.notation)
    document.document_id = f"{hub.settings.organ_id},{today:%Y/%m/%d},{shown}"
    signer, main = hub.signer, main_file(document)
    signed = hub.store.get(main.blob_hash)
    annexes = [part for part in document.files if not part.is_main]
    # beside this thread while it seals the document: the leader's signature checked and the
    # attachments sealed by the hub's sealer (a worker process, on another core), or else the
    # attachments on a helper thread, where at least each signature's wait for its time-stamp
    # token overlaps the other's
    checked, sealing = (
        hub.sealer.submit(signed, [hub.store.get(part.blob_hash) for part in annexes], shown)
        if hub.sealer is not None else
        (None, [_ATTACHMENTS.submit(signer.seal_attachment, hub.store.get(part.blob_hash),
                                    shown) for part in annexes]))
    try:
        sealed = signer.issue(signed, document.number, document.notation, hub.settings.place,
                              today, leader_checked=checked)
        main.blob_hash, main.size = hub.store.put(sealed), len(sealed)
        metrics.SIGNATURES_MADE.labels(hub.settings.organ_id, "seal").inc()
        for part, made in zip(annexes, sealing, strict=True):
            data = made.result()
            part.blob_hash, part.size = hub.store.put(data), len(data)
            metrics.SIGNATURES_MADE.labels(hub.settings.organ_id, "attachment").inc()
    finally:
        # none left running when the number is given back
        pending: list[Future[Any]] = [*sealing, *([checked] if checked is not None else [])]
        for one in pending:
            one.cancel()
        wait(pending)
    audit.record(session, actor.username, "issue", "outgoing", document.id, main.blob_hash,
                 number=shown, date=today.isoformat())
    return document


def envelope_of(hub: Hub, document: OutgoingDocument, business: BusinessType = BusinessType.NEW,
                refers_to: str = "") -> DocumentEnvelope:
    """The edXML document message built from the register's data."""
    if document.number is None or document.notation is None or document.issued_on is None:
        raise InvalidTransition(f"document {document.id} is not issued: it has no number yet")
    return DocumentEnvelope(
        sender=hub.party,
        recipients=tuple(Party(r.organ_id, r.organ_name) for r in document.recipients),
        number=numbering.format_number(document.number), notation=document.notation,
        promulgated_on=document.issued_on, place=hub.settings.place,
        doc_type=document.doc_type, subject=document.subject,
        signer_name=document.signer_name, signer_position=document.signer_position,
        competence=document.competence, business=int(business), refers_to=refers_to,
        files=tuple(FilePart(f.name, f.content_type, hub.store.get(f.blob_hash))
                    for f in document.files),
    )


def _queue(session: Session, hub: Hub, recipient: OutgoingRecipient, payload: bytes,
           kind: str = "edoc") -> OutboxMessage:
    message = OutboxMessage(message_id=str(uuid.uuid4()), kind=kind,
                            to_organ_id=recipient.organ_id, payload_hash=hub.store.put(payload),
                            recipient_id=recipient.id)
    session.add(message)
    return message


def send(session: Session, hub: Hub, actor: User, document_id: int) -> OutgoingDocument:
    """Gửi: one outbox message per recipient, in this transaction; the worker delivers."""
    document = load(session, OutgoingDocument, document_id, "outgoing document")
    _advance(document, "send", actor)
    envelope = envelope_of(hub, document)
    for recipient in document.recipients:
        one = replace(envelope, recipients=(Party(recipient.organ_id, recipient.organ_name),))
        _queue(session, hub, recipient, hub.codec.write_document(one))
    audit.record(session, actor.username, "send", "outgoing", document.id,
                 main_file(document).blob_hash,
                 recipients=[r.organ_id for r in document.recipients])
    return document


def change_after_sending(session: Session, hub: Hub, actor: User, document_id: int,
                         action: str, reason: str, subject: str | None = None,
                         replacement_id: int | None = None) -> OutgoingDocument:
    """Thu hồi / cập nhật / thay thế: asks every recipient to take the document back, update
    it (new subject) or replace it (by an issued document); each answers 15 or 16."""
    document = load(session, OutgoingDocument, document_id, "outgoing document")
    business = workflow.BUSINESS_OF_ACTION.get(action)
    if business is None:
        raise InvalidInput(f"unknown change {action!r}: recall, update or replace")
    first_id = envelope_of(hub, document).document_id
    _advance(document, action, actor)
    envelope = envelope_of(hub, document, business, refers_to=first_id)
    if business is BusinessType.UPDATE:
        if not subject:
            raise InvalidInput("an update needs the corrected subject")
        document.subject, document.subject_folded = subject, fold(subject)
        envelope = replace(envelope, subject=subject)
    if business is BusinessType.REPLACE:
        newer = load(session, OutgoingDocument, replacement_id or 0, "replacement document")
        if newer.state != OutgoingState.ISSUED.value:
            raise InvalidInput("the replacement must be an issued, not yet sent, document")
        # its status messages come back from these recipients and update its own rows
        theirs = sorted(r.organ_id for r in document.recipients)
        ours = sorted(r.organ_id for r in newer.recipients)
        if ours != theirs:
            raise InvalidInput(f"the replacement must go to the recipients of the document it "
                               f"replaces ({', '.join(theirs)}), not to {', '.join(ours)}")
        newer.replaces_id = document.id
        newer.state = OutgoingState.SENT.value
        envelope = replace(envelope_of(hub, newer, business, refers_to=first_id),
                           recipients=envelope.recipients)
    for recipient in document.recipients:
        one = replace(envelope, recipients=(Party(recipient.organ_id, recipient.organ_name),))
        _queue(session, hub, recipient, hub.codec.write_document(one))
        recipient.status = StatusCode.RECALL_REQUESTED.value
        recipient.status_note = reason
    audit.record(session, actor.username, action, "outgoing", document.id, reason=reason,
                 replacement=replacement_id)
    return document
