"""Văn bản đến: what arrives from the axis, and the clerk's, leader's and handlers' steps.

Arrival validates every PDF signature and checks that the organization seal belongs to the
``From`` agency; a document failing either is stored flagged and cannot be registered without
the clerk explicitly overriding with a reason. Each step that the sender should hear about
queues a status message in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.adapters.models import (
    Attachment,
    IncomingDocument,
    OutboxMessage,
    OutgoingDocument,
    OutgoingRecipient,
    User,
)
from documents.adapters.storage import content_hash
from documents.domain import workflow
from documents.domain.errors import Forbidden, InvalidInput, NotFound
from documents.domain.ports import (
    LEADER_ROLE,
    DocumentEnvelope,
    FileVerdict,
    Party,
    StatusEnvelope,
)
from documents.domain.text import fold
from documents.domain.workflow import Assignment, BusinessType, IncomingState, Role, StatusCode
from documents.services import audit, books, directory
from documents.services.hub import Hub, load

HUB_ACTOR = "hub"  # audit actor for what the hub does by itself


@dataclass(frozen=True)
class Verification:
    """What arrival found: every signature's result and whether the seal is the sender's."""

    files: tuple[FileVerdict, ...]
    seal_identifiers: tuple[str, ...]
    expected_identifier: str

    @property
    def signatures_valid(self) -> bool:
        return bool(self.files) and all(f.bottom_line for f in self.files)

    @property
    def sender_matches(self) -> bool:
        return self.expected_identifier in self.seal_identifiers

    def problems(self) -> list[str]:
        found: list[str] = []
        for result in self.files:
            if result.error:
                found.append(f"{result.path}: {result.error}")
            elif not result.signatures:
                found.append(f"{result.path}: not signed")
            found += [f"{result.path} {s.field}: {s.indication}"
                      f"{'/' + s.sub_indication if s.sub_indication else ''}"
                      for s in result.signatures if not s.bottom_line]
        if not self.sender_matches:
            shown = ", ".join(self.seal_identifiers) or "none"
            found.append(f"no organization seal of the sender {self.expected_identifier} "
                         f"(seal identifiers found: {shown})")
        return found

    def to_json(self) -> dict:
        return {"signatures_valid": self.signatures_valid,
                "sender_matches": self.sender_matches,
                "expected_identifier": self.expected_identifier,
                "seal_identifiers": list(self.seal_identifiers),
                "problems": self.problems(),
                "files": [f.to_json() for f in self.files]}


def verify_files(expected_identifier: str, results: list[FileVerdict]) -> Verification:
    """Seal identifiers are taken from signatures that passed and are not the leader's (a
    leader's personal certificate may name the organization too, but it is not the seal)."""
    seals = tuple(dict.fromkeys(
        s.signer.organization_identifier
        for r in results for s in r.signatures
        if s.bottom_line and s.signer and s.signer.organization_identifier
        and s.role != LEADER_ROLE
    ))
    return Verification(tuple(results), seals, expected_identifier)


def queue_status(session: Session, hub: Hub, document: IncomingDocument, code: StatusCode,
                 description: str, staff: str) -> None:
    envelope = StatusEnvelope(
        sender=hub.party, to=Party(document.sender_organ_id, document.sender_name),
        response_for=document.message_id, code=code.value, description=description,
        staff=staff, timestamp=hub.now_vietnam().replace(microsecond=0),
    )
    payload = hub.codec.write_status(envelope)
    session.add(OutboxMessage(message_id=str(uuid.uuid4()), kind="status",
                              to_organ_id=document.sender_organ_id, payload=payload,
                              payload_hash=content_hash(payload)))


def accept_document(session: Session, hub: Hub, envelope: DocumentEnvelope,
                    envelope_hash: str, verification: Verification,
                    file_hashes: Sequence[str] | None = None) -> IncomingDocument:
    """Store a new document (business type 0) and answer 01; flags stay on the row.
    ``file_hashes``: the envelope's files' hashes in the hub's store, when the caller has put
    them there already (outside the transaction)."""
    document = IncomingDocument(
        state=IncomingState.RECEIVED.value, sender_organ_id=envelope.sender.organ_id,
        sender_name=(envelope.sender.name
                     or directory.name_of(session, envelope.sender.organ_id)),
        message_id=envelope.document_id,
        code_number=envelope.number, code_notation=envelope.notation,
        promulgated_on=envelope.promulgated_on, doc_type=envelope.doc_type,
        subject=envelope.subject, subject_folded=fold(envelope.subject),
        signer_name=envelope.signer_name, envelope_hash=envelope_hash,
        signatures_valid=verification.signatures_valid,
        sender_matches=verification.sender_matches, verification=verification.to_json(),
        received_at=hub.clock(),
    )
    session.add(document)
    session.flush()
    stored = file_hashes if file_hashes is not None else [
        hub.store.put(part.data) for part in envelope.files]
    for index, (part, blob_hash) in enumerate(zip(envelope.files, stored, strict=True)):
        session.add(Attachment(incoming_id=document.id, is_main=index == 0, name=part.name,
                               content_type=part.content_type, size=len(part.data),
                               blob_hash=blob_hash))
    queue_status(session, hub, document, StatusCode.ARRIVED, "Đã đến", HUB_ACTOR)
    audit.record(session, HUB_ACTOR, "receive", "incoming", document.id, envelope_hash,
                 sender=document.sender_organ_id, verified=verification.signatures_valid,
                 sender_matches=verification.sender_matches)
    return document


def note_change_request(session: Session, hub: Hub, envelope: DocumentEnvelope,
                        envelope_hash: str) -> IncomingDocument:
    """A recall (1), update (2) or replacement (3) of a document received earlier waits for
    the clerk's answer."""
    earlier = session.scalars(select(IncomingDocument).where(
        IncomingDocument.sender_organ_id == envelope.sender.organ_id,
        IncomingDocument.message_id == envelope.refers_to)).one_or_none()
    if earlier is None:
        raise NotFound(f"{envelope.sender.organ_id} changes {envelope.refers_to!r}, "
                       "which never arrived here")
    files = [{"name": f.name, "content_type": f.content_type, "hash": hub.store.put(f.data)}
             for f in envelope.files]
    earlier.pending_change = {
        "business": envelope.business, "subject": envelope.subject,
        "document_id": envelope.document_id, "envelope_hash": envelope_hash, "files": files,
    }
    audit.record(session, HUB_ACTOR, "change_requested", "incoming", earlier.id, envelope_hash,
                 business=envelope.business)
    return earlier


def apply_status(session: Session, status: StatusEnvelope) -> OutgoingRecipient:
    """A recipient's status message updates that recipient's line of the outgoing book."""
    recipient = session.scalars(
        select(OutgoingRecipient).join(OutgoingDocument).where(
            OutgoingRecipient.organ_id == status.sender.organ_id,
            OutgoingDocument.document_id == status.response_for)
    ).one_or_none()
    if recipient is None:
        raise NotFound(f"status {status.code} from {status.sender.organ_id} answers "
                       f"{status.response_for!r}, which was not sent to it")
    kept = workflow.recipient_status_after(recipient.status, status.code)
    if kept == status.code:  # the note goes with the status it explains
        recipient.status, recipient.status_note = kept, status.description
    audit.record(session, status.sender.organ_id, "status", "outgoing", recipient.document_id,
                 code=status.code, recipient=recipient.organ_id, description=status.description)
    document = recipient.document
    state = workflow.outgoing_state_after_answers(
        document.state, [r.status for r in document.recipients])
    if state != document.state:
        # refused everywhere: the newer document no longer replaces this one, which is in force
        newer = list(session.scalars(select(OutgoingDocument).where(
            OutgoingDocument.replaces_id == document.id)))
        for replacement in newer:
            replacement.replaces_id = None
        audit.record(session, status.sender.organ_id, "change_refused", "outgoing", document.id,
                     previous=document.state, state=state, replacement=[r.id for r in newer])
        document.state = state
    return recipient


def _advance(session: Session, hub: Hub, document: IncomingDocument, action: str,
             actor: User, description: str) -> None:
    document.state = workflow.next_incoming(document.state, action, Role(actor.role)).value
    code = workflow.INCOMING_STATUS[IncomingState(document.state)]
    queue_status(session, hub, document, code, description, actor.full_name)


def register(session: Session, hub: Hub, actor: User, document_id: int, receiving_unit: str,
             notes: str = "", override_reason: str = "") -> IncomingDocument:
    """Vào sổ: the incoming number, and status 03 to the sender."""
    document = load(session, IncomingDocument, document_id, "incoming document")
    flagged = not (document.signatures_valid and document.sender_matches)
    if flagged and not override_reason:
        problems = "; ".join(document.verification.get("problems", [])) or "not verified"
        raise InvalidInput(f"incoming document {document.id} is flagged ({problems}); "
                           "reject it, or register it with an override reason")
    _advance(session, hub, document, "register", actor, "Đã vào sổ")
    now = hub.clock()
    document.book_id, document.incoming_number = books.take_number(
        session, books.INCOMING, hub.today().year)
    document.registered_at, document.receiving_unit = now, receiving_unit
    document.notes = notes if not override_reason else f"{notes} [override: {override_reason}]"
    audit.record(session, actor.username, "register", "incoming", document.id,
                 document.envelope_hash, incoming_number=document.incoming_number,
                 override=override_reason)
    return document


def reject(session: Session, hub: Hub, actor: User, document_id: int,
           reason: str) -> IncomingDocument:
    if not reason.strip():
        raise InvalidInput("a rejection needs a reason")
    document = load(session, IncomingDocument, document_id, "incoming document")
    _advance(session, hub, document, "reject", actor, reason)
    document.reject_reason = reason
    audit.record(session, actor.username, "reject", "incoming", document.id,
                 document.envelope_hash, reason=reason)
    return document


def assign(session: Session, hub: Hub, actor: User, document_id: int,
           assignment: Assignment) -> IncomingDocument:
    """Bút phê và phân công: one main handler, co-handlers, for information, due date."""
    document = load(session, IncomingDocument, document_id, "incoming document")
    assignment.check(hub.today())
    people = {u.username: u for u in session.scalars(select(User).where(User.username.in_(
        [assignment.main_handler, *assignment.co_handlers, *assignment.for_information])))}
    missing = [name for name in (assignment.main_handler, *assignment.co_handlers,
                                 *assignment.for_information) if name not in people]
    if missing:
        raise InvalidInput(f"unknown users: {', '.join(missing)}")
    _advance(session, hub, document, "assign", actor, assignment.direction or "Đã phân công")
    document.main_handler_id = people[assignment.main_handler].id
    document.co_handlers = list(assignment.co_handlers)
    document.for_information = list(assignment.for_information)
    document.due_date, document.direction = assignment.due_date, assignment.direction
    audit.record(session, actor.username, "assign", "incoming", document.id,
                 main=assignment.main_handler, co=list(assignment.co_handlers),
                 due=assignment.due_date)
    return document


def progress(session: Session, hub: Hub, actor: User, document_id: int, action: str,
             note: str = "") -> IncomingDocument:
    """Đang xử lý (05) / hoàn thành (06): only the main handler reports for the document."""
    if action not in ("start", "finish"):
        raise InvalidInput(f"unknown step {action!r}: start or finish")
    document = load(session, IncomingDocument, document_id, "incoming document")
    if document.main_handler_id != actor.id:
        raise Forbidden("only the main handler reports progress on this document")
    _advance(session, hub, document, action, actor,
             note or ("Đang xử lý" if action == "start" else "Đã hoàn thành"))
    audit.record(session, actor.username, action, "incoming", document.id, note=note)
    return document


def answer_change(session: Session, hub: Hub, actor: User, document_id: int, agree: bool,
                  reason: str = "") -> IncomingDocument:
    """The clerk agrees (15) or refuses (16) a recall, update or replacement."""
    document = load(session, IncomingDocument, document_id, "incoming document")
    change = document.pending_change
    if not change:
        raise InvalidInput(f"incoming document {document.id} has no pending change")
    if actor.role != Role.CLERK:
        raise Forbidden(f"role {actor.role} may not answer a recall or update")
    business = BusinessType(change["business"])
    if agree:
        if business is BusinessType.UPDATE:
            document.subject, document.subject_folded = change["subject"], fold(change["subject"])
        else:
            document.state = workflow.next_incoming(document.state, "accept_recall",
                                                    Role(actor.role)).value
        code = StatusCode.CHANGE_AGREED
    else:
        code = StatusCode.CHANGE_REFUSED
    queue_status(session, hub, document, code, reason or ("Đồng ý" if agree else "Từ chối"),
                 actor.full_name)
    document.pending_change = None
    audit.record(session, actor.username, "answer_change", "incoming", document.id,
                 business=int(business), agree=agree, reason=reason, code=code.value)
    return document


def overdue(session: Session, today: date) -> list[IncomingDocument]:
    """Văn bản quá hạn: open documents whose due date has passed."""
    rows = session.scalars(select(IncomingDocument).where(
        IncomingDocument.due_date < today,
        IncomingDocument.state.in_([s.value for s in workflow.OPEN_INCOMING])))
    return [r for r in rows if workflow.is_overdue(r.state, r.due_date, today)]
