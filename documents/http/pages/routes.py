"""Login, language, the two books with filters and search, the overdue list and new drafts."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from decree30 import DOCUMENT_TYPES
from documents.adapters import db
from documents.adapters.models import User
from documents.domain.errors import InvalidInput, NotAuthenticated, NotFound, RegisterError
from documents.domain.ports import FilePart, Party
from documents.domain.workflow import IncomingState, OutgoingState, Role, is_overdue
from documents.http.errors import status_of
from documents.http.pages import i18n
from documents.http.pages.collation import sort_key
from documents.http.pages.rendering import HERE, PREFIX, PageRoute, go, render
from documents.http.pages.session import (
    LANGUAGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    check_login_csrf,
    current_user,
    hub_of,
    new_login_csrf,
    require_role,
    set_cookie,
)
from documents.http.security import client_address, issue_token, revoke_token
from documents.services import incoming, logins, outgoing, search

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]
Csrf = Depends(check_csrf)
STATIC = {"app.css": "text/css", "app.js": "text/javascript"}
ORGAN_ID = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


@router.get("/")
def home() -> Response:
    return go(f"{PREFIX}/incoming")


@router.get(PREFIX + "/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        raise NotFound(f"no static file {name}")
    return FileResponse(HERE / "static" / name, media_type=STATIC[name],
                        headers={"Cache-Control": "no-cache"})


@router.get(PREFIX + "/lang/{language}")
def choose_language(request: Request, language: str, next: str = PREFIX) -> Response:
    if language not in i18n.LANGUAGES:
        raise NotFound(f"no language {language}")
    response = go(next if next.startswith(PREFIX) else PREFIX)  # never off this site
    set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=365 * 86400)
    return response


@router.get(PREFIX + "/login")
def login_form(request: Request, next: str = "") -> HTMLResponse:
    token = new_login_csrf()
    response = render(request, "login.html", csrf=token, next=next, errors={}, username="")
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    response.delete_cookie(SESSION_COOKIE, path="/")  # logging in again starts afresh
    return response


@router.post(PREFIX + "/login", dependencies=[Depends(check_login_csrf)])
async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = str(form.get("next") or f"{PREFIX}/incoming")
    if not target.startswith(PREFIX):
        target = f"{PREFIX}/incoming"
    t = i18n.Translator(request.cookies.get(LANGUAGE_COOKIE, i18n.DEFAULT))
    errors = {name: t("required") for name, value in (("username", username),
                                                       ("password", password)) if not value}
    hub = hub_of(request)
    if not errors:
        try:
            user = await run_in_threadpool(logins.log_in, hub, username, password,
                                           client_address(request))
        except NotAuthenticated:
            errors["password"] = t("wrong_login")
    if errors:
        return render(request, "login.html", status_code=401 if "password" in errors else 422,
                      csrf=request.cookies.get(LOGIN_CSRF_COOKIE), next=target, errors=errors,
                      username=username)
    response = go(target)
    set_cookie(request, response, SESSION_COOKIE, issue_token(hub, user),
               max_age=hub.settings.token_minutes * 60)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post(PREFIX + "/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        revoke_token(hub_of(request), session)
    response = go(f"{PREFIX}/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- books -------------------------------------------------------------------------------


def _filters(request: Request) -> tuple[search.Query, dict[str, str], dict[str, str]]:
    """The book's filter form: values as typed, errors beside their field."""
    args = request.query_params
    values = {k: args.get(k, "").strip() for k in ("number", "subject", "sender", "date_from",
                                                    "date_to", "status", "sort")}
    t = i18n.Translator(request.cookies.get(LANGUAGE_COOKIE, i18n.DEFAULT))
    errors: dict[str, str] = {}
    dates = {}
    for name in ("date_from", "date_to"):
        try:
            dates[name] = i18n.parse_date(values[name])
        except InvalidInput:
            errors[name] = t("bad_date")
    query = search.Query(number=values["number"], subject=values["subject"],
                         sender=values["sender"], date_from=dates.get("date_from"),
                         date_to=dates.get("date_to"), status=values["status"], limit=500)
    return query, values, errors


def _sorted(rows: list, sort: str, sender: bool) -> list:
    if sort == "subject":
        return sorted(rows, key=lambda r: sort_key(r.subject))
    if sort == "sender" and sender:
        return sorted(rows, key=lambda r: sort_key(r.sender_name or r.sender_organ_id))
    return rows


def _book(request: Request, user: User, direction: str) -> HTMLResponse:
    query, values, errors = _filters(request)
    hub = hub_of(request)
    rows: list = []
    problem = ""
    if not errors:
        try:
            with db.transaction(hub.sessions) as session:
                rows = search.search(session, replace(query, direction=direction))
                for row in rows:  # the book shows recipients: load them in this session
                    getattr(row, "recipients", None)
                rows = _sorted(rows, values["sort"], direction == "incoming")
        except InvalidInput as exc:
            problem = str(exc)
    states = [s.value for s in (OutgoingState if direction == "outgoing" else IncomingState)]
    return render(request, f"{direction}_book.html", user=user, rows=rows, values=values,
                  errors=errors, problem=problem, states=states, today=hub.today(),
                  is_overdue=is_overdue, status_code=422 if errors or problem else 200)


@router.get(PREFIX + "/outgoing")
def outgoing_book(request: Request, user: PageUser) -> HTMLResponse:
    return _book(request, user, "outgoing")


@router.get(PREFIX + "/incoming")
def incoming_book(request: Request, user: PageUser) -> HTMLResponse:
    return _book(request, user, "incoming")


@router.get(PREFIX + "/overdue")
def overdue(request: Request, user: PageUser) -> HTMLResponse:
    hub = hub_of(request)
    with db.transaction(hub.sessions) as session:
        rows = incoming.overdue(session, hub.today())
        handlers = {u.id: u.full_name for u in session.scalars(select(User))}
    rows.sort(key=lambda r: (r.due_date, sort_key(r.subject)))
    return render(request, "overdue.html", user=user, rows=rows, handlers=handlers,
                  today=hub.today())


# --- new draft (chuyên viên) -------------------------------------------------------------


@router.get(PREFIX + "/outgoing/new")
def draft_form(request: Request, user: PageUser) -> HTMLResponse:
    require_role(user, Role.SPECIALIST)
    return render(request, "draft.html", user=user, types=DOCUMENT_TYPES, values={},
                  errors={}, problem="")


def _recipients(text: str, t: i18n.Translator) -> tuple[tuple[Party, ...], str | None]:
    parties = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        code, _, name = (p.strip() for p in line.partition(","))
        if not ORGAN_ID.match(code):
            return (), t("bad_recipient", line=line_number)
        parties.append(Party(code, name))
    return tuple(parties), None if parties else t("required")


@router.post(PREFIX + "/outgoing/new", dependencies=[Csrf])
async def create_draft(request: Request, user: PageUser) -> Response:
    require_role(user, Role.SPECIALIST)
    hub = hub_of(request)
    t = i18n.Translator(request.cookies.get(LANGUAGE_COOKIE, i18n.DEFAULT))
    form = await request.form()
    fields = ("doc_type", "subject", "recipients", "unit", "signer_position", "competence",
              "copies", "file_keeper", "notes")
    values = {k: str(form.get(k, "")).strip() for k in fields}
    errors: dict[str, str] = {}
    for name in ("doc_type", "subject", "recipients"):
        if not values[name]:
            errors[name] = t("required")
    recipients, problem = _recipients(values["recipients"], t)
    if problem and "recipients" not in errors:
        errors["recipients"] = problem
    main = form.get("document")
    pdf = await main.read(hub.settings.max_file_bytes + 1) if isinstance(main, UploadFile) \
        else b""
    if not pdf:
        errors["document"] = t("required_file")
    attachments = []
    for part in form.getlist("attachments"):
        if isinstance(part, UploadFile) and part.filename:
            attachments.append(FilePart(part.filename, part.content_type
                                                 or "application/pdf",
                                                 await part.read(hub.settings.max_file_bytes + 1)))
    copies = (int(values["copies"]) if values["copies"].isascii()
              and values["copies"].isdigit() and len(values["copies"]) <= 6 else 1)
    if errors:
        return render(request, "draft.html", status_code=422, user=user, types=DOCUMENT_TYPES,
                      values=values, errors=errors, problem="")
    draft = outgoing.Draft(values["doc_type"], values["subject"], recipients, values["unit"],
                           values["signer_position"], values["competence"], copies,
                           values["file_keeper"], values["notes"])

    def create() -> int:
        with db.transaction(hub.sessions) as session:
            return outgoing.create_draft(session, hub, user, draft, pdf, tuple(attachments)).id

    try:
        document_id = await run_in_threadpool(create)
    except RegisterError as exc:
        return render(request, "draft.html", status_code=status_of(exc), user=user,
                      types=DOCUMENT_TYPES, values=values, errors={}, problem=str(exc))
    return go(f"{PREFIX}/outgoing/{document_id}?done=draft")
