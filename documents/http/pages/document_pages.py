"""The document page (metadata, the PDF, its signatures, its history) and the actions each
role may take on it.

Actions call the register's service functions, the same the JSON API calls; an action is shown
only to a role the workflow allows it for, and a forged request is refused by the same checks
(403). Each action runs in its own transaction: a refused one changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from documents.adapters import db
from documents.adapters.models import (
    Attachment,
    AuditEntry,
    IncomingDocument,
    OutboxMessage,
    OutgoingDocument,
    User,
)
from documents.domain import workflow
from documents.domain.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    RegisterError,
)
from documents.domain.workflow import Assignment, Role, is_overdue
from documents.http.deps import RowId
from documents.http.errors import status_of
from documents.http.files import file_response
from documents.http.pages import i18n, signatures
from documents.http.pages.collation import sort_key
from documents.http.pages.rendering import PREFIX, PageRoute, go, render
from documents.http.pages.session import check_csrf, current_user, hub_of, language_of
from documents.services import exchange, incoming, outgoing, remote_signing
from documents.services.hub import Hub, load

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]
Csrf = Depends(check_csrf)

#: outgoing actions offered on the page (the workflow's names); the last three change a
#: document already sent (thu hồi / cập nhật / thay thế)
OUTGOING_ACTIONS = ("submit", "send_back", "sign", "issue", "send", "update", "recall",
                    "replace")
INCOMING_ACTIONS = ("register", "reject", "assign", "start", "finish")
#: the clerk's answer (15/16) to the sender's recall, update or replacement: the workflow's
#: ``accept_recall`` transition says who may give it
ANSWER_CHANGE = "answer_change"


def may(kind: str, action: str, state: str, user: User) -> bool:
    """Whether ``user`` may take ``action`` now: the workflow itself answers (role and
    state), so the pages show exactly what the services will accept."""
    step = workflow.next_outgoing if kind == "outgoing" else workflow.next_incoming
    try:
        step(state, action, Role(user.role))
    except (Forbidden, InvalidTransition):
        return False
    return True


def outgoing_actions(document: OutgoingDocument, user: User) -> list[str]:
    return [a for a in OUTGOING_ACTIONS if may("outgoing", a, document.state, user)]


def incoming_actions(document: IncomingDocument, user: User) -> list[str]:
    found = [a for a in INCOMING_ACTIONS if may("incoming", a, document.state, user)]
    if document.main_handler_id != user.id:  # only the main handler reports progress
        found = [a for a in found if a not in ("start", "finish")]
    if document.pending_change and Role(user.role) in _incoming_roles(ANSWER_CHANGE):
        found.append(ANSWER_CHANGE)
    return found


def _incoming_roles(action: str) -> frozenset[Role]:
    return workflow.INCOMING["accept_recall" if action == ANSWER_CHANGE else action].roles


def may_agree(document: IncomingDocument, user: User) -> bool:
    """An update only changes the subject; a recall or replacement takes the document back,
    which its state must still allow (a finished document cannot be taken back)."""
    change = document.pending_change or {}
    return (change.get("business") == workflow.BusinessType.UPDATE
            or may("incoming", "accept_recall", document.state, user))


def _refuse_unless(allowed: bool, user: User, action: str) -> None:
    if not allowed:
        raise Forbidden(f"a {user.role} may not {action} this document now")


def history_of(session: Session, entity: str, ident: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == str(ident)).order_by(AuditEntry.id)))


class _People(TypedDict):
    all: list[User]
    by_id: dict[int | None, User]  # looked up by optional references (no handler: None)
    names: dict[str, str]


def _people(session: Session) -> _People:
    everyone = sorted(session.scalars(select(User).where(User.active.is_(True))),
                      key=lambda u: sort_key(u.full_name))
    return {"all": everyone, "by_id": {u.id: u for u in everyone},
            "names": {u.username: u.full_name for u in everyone}}


def _pdf_files(hub: Hub, files: list[Attachment]) -> list[tuple[Attachment, bytes]]:
    return [(f, hub.store.get(f.blob_hash)) for f in files
            if f.content_type == "application/pdf" or f.name.lower().endswith(".pdf")]


async def _signature_views(hub: Hub, pdfs: list[tuple[Attachment, bytes]],
                           language: str) -> list[signatures.FileSignatures]:
    views = []
    for part, data in pdfs:
        result = await signatures.validated(hub, part.name, part.blob_hash, data)
        views.append(signatures.describe(result, part.name, language))
    return views


def _sending_progress(session: Session, document: OutgoingDocument) -> dict[str, int]:
    ids = [r.id for r in document.recipients]
    rows = list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient_id.in_(ids), OutboxMessage.kind == "edoc"))) if ids else []
    return {"total": len(rows), "done": sum(1 for r in rows if r.state == "sent"),
            "failed": sum(1 for r in rows if r.state == "failed")}


# --- outgoing ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FormState:
    """What a refused action shows again on its document page: the HTTP status, errors beside
    the fields, the problem in one line, which action failed and the values typed."""

    status_code: int = 200
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    failed_action: str = ""
    values: dict[str, str] = field(default_factory=dict)


async def _render_document(request: Request, user: User, template: str,
                           read: Callable[[], dict[str, Any]], state: FormState | None
                           ) -> HTMLResponse:
    """A document page: what ``read`` loads, its PDFs' signatures, and the form state."""
    state = state or FormState()
    data = await run_in_threadpool(read)
    views = await _signature_views(hub_of(request), data.pop("pdfs"), language_of(request))
    return render(request, template, status_code=state.status_code, user=user,
                  signatures=views, errors=state.errors, problem=state.problem,
                  failed_action=state.failed_action, values=state.values,
                  done=request.query_params.get("done", ""), **data)


async def show_outgoing(request: Request, user: User, document_id: int,
                        state: FormState | None = None) -> HTMLResponse:
    hub = hub_of(request)

    def read() -> dict[str, Any]:
        with db.transaction(hub.sessions) as session:
            document = load(session, OutgoingDocument, document_id, "outgoing document")
            actions = outgoing_actions(document, user)
            return {"document": document, "files": list(document.files),
                    "recipients": list(document.recipients),
                    "names": _people(session)["names"],
                    "history": history_of(session, "outgoing", document_id),
                    "actions": actions,
                    "sending": _sending_progress(session, document),
                    "replaced_by": list(session.scalars(select(OutgoingDocument).where(
                        OutgoingDocument.replaces_id == document.id))),
                    "replacements": _replacements(session, document) if "replace" in actions
                    else [],
                    "remote_kind": remote_signing.kind_for(hub, user),
                    "pdfs": _pdf_files(hub, list(document.files))}

    return await _render_document(request, user, "outgoing.html", read, state)


def _replacements(session: Session, document: OutgoingDocument) -> list[OutgoingDocument]:
    """Issued documents not yet sent: what a sent document may be replaced by."""
    return list(session.scalars(select(OutgoingDocument).where(
        OutgoingDocument.state == workflow.OutgoingState.ISSUED.value,
        OutgoingDocument.id != document.id).order_by(OutgoingDocument.id.desc())))


@router.get(PREFIX + "/outgoing/{document_id}")
async def outgoing_page(request: Request, user: PageUser, document_id: RowId) -> HTMLResponse:
    return await show_outgoing(request, user, document_id)


def _file(hub: Hub, session: Session, owner: str, document_id: int, file_id: int) -> Response:
    part = session.get(Attachment, file_id)
    if part is None or getattr(part, f"{owner}_id") != document_id:
        raise NotFound(f"file {file_id} of {owner} document {document_id} does not exist")
    return file_response(part.name, part.content_type, hub.store.get(part.blob_hash))


@router.get(PREFIX + "/outgoing/{document_id}/files/{file_id}")
def outgoing_file(request: Request, user: PageUser, document_id: RowId, file_id: RowId) -> Response:
    hub = hub_of(request)
    with db.transaction(hub.sessions) as session:
        return _file(hub, session, "outgoing", document_id, file_id)


@router.get(PREFIX + "/outgoing/{document_id}/progress")
def outgoing_progress(request: Request, user: PageUser, document_id: RowId) -> JSONResponse:
    """Sending to many recipients: how many were handed to the axis, and their statuses."""
    hub = hub_of(request)
    with db.transaction(hub.sessions) as session:
        document = load(session, OutgoingDocument, document_id, "outgoing document")
        answer: dict[str, object] = {**_sending_progress(session, document)}
        answer["statuses"] = {r.organ_id: r.status for r in document.recipients}
    return JSONResponse(answer)


Step = Callable[[Session, Hub, User, int, dict[str, str]], Any]

OUTGOING_STEPS: dict[str, tuple[tuple[str, ...], Step]] = {
    # action: (required form fields, the service call)
    "submit": ((), lambda s, h, u, i, f: outgoing.submit(s, h, u, i)),
    "send_back": (("reason",), lambda s, h, u, i, f: outgoing.send_back(s, h, u, i,
                                                                        f["reason"])),
    "sign": ((), lambda s, h, u, i, f: outgoing.sign(s, h, u, i)),
    "issue": ((), lambda s, h, u, i, f: outgoing.issue(s, h, u, i)),
    "send": ((), lambda s, h, u, i, f: outgoing.send(s, h, u, i)),
    "update": (("subject", "reason"), lambda s, h, u, i, f: outgoing.change_after_sending(
        s, h, u, i, "update", f["reason"], subject=f["subject"])),
    "recall": (("reason",), lambda s, h, u, i, f: outgoing.change_after_sending(
        s, h, u, i, "recall", f["reason"])),
    "replace": (("replacement_id", "reason"), lambda s, h, u, i, f: outgoing.change_after_sending(
        s, h, u, i, "replace", f["reason"], replacement_id=int(f["replacement_id"]))),
}


def _fields(form: FormData) -> dict[str, str]:
    """The form's text fields, trimmed (files are left out)."""
    return {k: str(v).strip() for k, v in form.multi_items() if isinstance(v, str)}


def _missing(request: Request, form: dict[str, str], required: tuple[str, ...]) -> dict[str, str]:
    t = i18n.Translator(language_of(request))
    return {f"{name}": t("required") for name in required if not form.get(name)}


@router.post(PREFIX + "/outgoing/{document_id}/{action}", dependencies=[Csrf])
async def outgoing_action(request: Request, user: PageUser, document_id: RowId,
                          action: str) -> Response:
    if action not in OUTGOING_STEPS:
        raise NotFound(f"no outgoing action {action!r}")
    hub = hub_of(request)
    _refuse_unless(Role(user.role) in workflow.OUTGOING[action].roles, user, action)
    required, step = OUTGOING_STEPS[action]
    form = _fields(await request.form())
    errors = _missing(request, form, required)
    chosen = form.get("replacement_id", "")
    if action == "replace" and not (chosen.isascii() and chosen.isdigit() and len(chosen) < 19):
        errors["replacement_id"] = i18n.Translator(language_of(request))("choose_replacement")
    if errors:
        return await show_outgoing(request, user, document_id,
                                   FormState(422, errors, failed_action=action, values=form))

    def run(session: Session) -> None:
        step(session, hub, user, document_id, form)

    return await _act(request, user, document_id, action, form, run, "outgoing", show_outgoing)


#: a book's document page, showing a form's state
ShowPage = Callable[[Request, User, int, "FormState | None"], Awaitable[HTMLResponse]]


async def _act(request: Request, user: User, document_id: int, action: str,
               form: dict[str, str], run: Callable[[Session], None], book: str,
               show: ShowPage) -> Response:
    """``run`` in one transaction on a worker thread; back to the document page with the
    outcome, or the page again with the refusal beside the form as it was filled."""
    hub = hub_of(request)

    def in_transaction() -> None:
        with db.transaction(hub.sessions) as session:
            run(session)

    try:
        await run_in_threadpool(in_transaction)
    except Forbidden:
        raise
    except RegisterError as exc:
        return await show(request, user, document_id, FormState(
            status_of(exc), problem=str(exc), failed_action=action, values=form))
    return go(f"{PREFIX}/{book}/{document_id}?done={action}")


# --- incoming ----------------------------------------------------------------------------


async def show_incoming(request: Request, user: User, document_id: int,
                        state: FormState | None = None) -> HTMLResponse:
    hub = hub_of(request)

    def read() -> dict[str, Any]:
        with db.transaction(hub.sessions) as session:
            document = load(session, IncomingDocument, document_id, "incoming document")
            people = _people(session)
            return {"document": document, "files": list(document.files),
                    "history": history_of(session, "incoming", document_id),
                    "actions": incoming_actions(document, user), "people": people["all"],
                    "names": people["names"],
                    "main_handler": people["by_id"].get(document.main_handler_id),
                    "overdue": is_overdue(document.state, document.due_date, hub.today()),
                    "replacement": _replacement_of(session, document),
                    "may_agree": may_agree(document, user),
                    "pdfs": _pdf_files(hub, list(document.files))}

    return await _render_document(request, user, "incoming.html", read, state)


def _replacement_of(session: Session, document: IncomingDocument) -> IncomingDocument | None:
    """The document that arrived to replace this one (a replacement arrives as a document of
    its own, and as a request on the one it replaces)."""
    change = document.pending_change or {}
    if change.get("business") != workflow.BusinessType.REPLACE:
        return None
    return session.scalars(select(IncomingDocument).where(
        IncomingDocument.sender_organ_id == document.sender_organ_id,
        IncomingDocument.message_id == change.get("document_id"))).one_or_none()


@router.get(PREFIX + "/incoming/{document_id}")
async def incoming_page(request: Request, user: PageUser, document_id: RowId) -> HTMLResponse:
    return await show_incoming(request, user, document_id)


@router.get(PREFIX + "/incoming/{document_id}/files/{file_id}")
def incoming_file(request: Request, user: PageUser, document_id: RowId, file_id: RowId) -> Response:
    hub = hub_of(request)
    with db.transaction(hub.sessions) as session:
        return _file(hub, session, "incoming", document_id, file_id)


def _assignment(form: dict[str, str], multi: dict[str, list[str]]) -> Assignment:
    return Assignment(form["main_handler"], tuple(multi.get("co_handlers", [])),
                      tuple(multi.get("for_information", [])),
                      i18n.parse_date(form.get("due_date", "")), form.get("direction", ""))


INCOMING_REQUIRED = {"register": ("receiving_unit",), "reject": ("reason",),
                     "assign": ("main_handler",), "start": (), "finish": (),
                     ANSWER_CHANGE: ()}


@router.post(PREFIX + "/incoming/{document_id}/{action}", dependencies=[Csrf])
async def incoming_action(request: Request, user: PageUser, document_id: RowId,
                          action: str) -> Response:
    if action not in INCOMING_REQUIRED:
        raise NotFound(f"no incoming action {action!r}")
    hub = hub_of(request)
    _refuse_unless(Role(user.role) in _incoming_roles(action), user, action)
    raw = await request.form()
    form = _fields(raw)
    multi = {k: [str(v) for v in raw.getlist(k) if str(v)] for k in ("co_handlers",
                                                                     "for_information")}
    errors = _missing(request, form, INCOMING_REQUIRED[action])
    if action == "assign":
        try:
            i18n.parse_date(form.get("due_date", ""))
        except InvalidInput:
            errors["due_date"] = i18n.Translator(language_of(request))("bad_date")
    if action == ANSWER_CHANGE and form.get("agree") not in ("yes", "no"):
        errors["agree"] = i18n.Translator(language_of(request))("agree_or_refuse")
    elif action == ANSWER_CHANGE and form["agree"] == "no" and not form.get("reason"):
        errors["reason"] = i18n.Translator(language_of(request))("refusal_reason")
    if errors:
        return await show_incoming(request, user, document_id,
                                   FormState(422, errors, failed_action=action, values=form))

    def run(session: Session) -> None:
        if action == "register":
            incoming.register(session, hub, user, document_id, form["receiving_unit"],
                              form.get("notes", ""), form.get("override_reason", ""))
        elif action == "reject":
            incoming.reject(session, hub, user, document_id, form["reason"])
        elif action == "assign":
            incoming.assign(session, hub, user, document_id, _assignment(form, multi))
        elif action == ANSWER_CHANGE:
            incoming.answer_change(session, hub, user, document_id, form["agree"] == "yes",
                                   form.get("reason", ""))
        else:
            incoming.progress(session, hub, user, document_id, action, form.get("note", ""))

    return await _act(request, user, document_id, action, form, run, "incoming", show_incoming)


# --- the exchange round (văn thư) -----------------------------------------------------------


@router.post(PREFIX + "/exchange", dependencies=[Csrf])
async def exchange_round(request: Request, user: PageUser) -> JSONResponse:
    """Send what is due and collect what waits at the axis, now (as ``POST /exchange/run``)."""
    if user.role not in (Role.CLERK, Role.ADMIN):
        raise Forbidden(f"a {user.role} may not run the exchange")
    hub = hub_of(request)
    delivery = await run_in_threadpool(exchange.deliver_due, hub)
    await run_in_threadpool(exchange.collect, hub)
    processed = await run_in_threadpool(exchange.process_stored, hub)
    t = i18n.Translator(language_of(request))
    return JSONResponse({"sent": delivery.sent, "received": processed.documents,
                         "statuses": processed.statuses,
                         "message": t("exchange_done", sent=delivery.sent,
                                      received=processed.documents,
                                      statuses=processed.statuses)})
