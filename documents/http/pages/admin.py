"""Quản trị người dùng: the administrator lists accounts, creates one with its role, changes
the role, resets the password and deactivates or reactivates an account.

The rules are the register's (``documents.services.users``) and the API's input schemas
(``documents.http.schemas``); this module only turns their refusals into errors beside the
fields. Passwords are typed, never shown back (not even after a refused form).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from documents.adapters import db
from documents.adapters.models import User
from documents.domain.errors import Conflict, Forbidden, NotFound, RegisterError
from documents.domain.workflow import Role
from documents.http.deps import RowId
from documents.http.errors import status_of
from documents.http.pages import i18n
from documents.http.pages.collation import sort_key
from documents.http.pages.document_pages import history_of
from documents.http.pages.rendering import PREFIX, PageRoute, go, render
from documents.http.pages.session import check_csrf, current_user, hub_of, language_of, require_role
from documents.http.schemas import PasswordReset, RoleChange, UserCreate
from documents.services import users

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PageUser = Annotated[User, Depends(current_user)]
Csrf = Depends(check_csrf)
USERS = PREFIX + "/admin/users"
CREATE_FIELDS = ("username", "full_name", "role", "position", "password")
#: what to say beside a field whose value the schema refuses; an empty field is "required",
#: except a choice left unmade
FIELD_MESSAGES = {"username": "bad_username", "role": "bad_role", "password": "short_password"}
EMPTY_MESSAGES = {"role": "bad_role"}


def _admin(user: User) -> None:
    require_role(user, Role.ADMIN)


def _field_errors(schema: type[BaseModel], values: dict[str, str],
                  t: i18n.Translator) -> dict[str, str]:
    """The schema's refusals, one translated sentence beside each field."""
    try:
        schema.model_validate(values)
    except ValidationError as exc:
        errors = {}
        for problem in exc.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            key = (EMPTY_MESSAGES.get(name, "required") if not values.get(name)
                   else FIELD_MESSAGES.get(name, "required"))
            errors.setdefault(name, t(key))
        return errors
    return {}


def _form_values(form: Any, names: tuple[str, ...]) -> dict[str, str]:  # noqa: ANN401
    return {name: str(form.get(name, "")).strip() for name in names}


def _users_page(request: Request, user: User, status_code: int = 200,
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                problem: str = "") -> HTMLResponse:
    with db.transaction(hub_of(request).sessions) as session:
        everyone = users.list_users(session)
    everyone.sort(key=lambda u: (not u.active, sort_key(u.full_name)))
    return render(request, "admin_users.html", status_code=status_code, user=user,
                  people=everyone, roles=[r.value for r in Role], errors=errors or {},
                  values=values or {}, problem=problem,
                  done=request.query_params.get("done", ""))


@router.get(USERS)
def users_page(request: Request, user: PageUser) -> HTMLResponse:
    _admin(user)
    return _users_page(request, user)


@router.post(USERS, dependencies=[Csrf])
async def create_user(request: Request, user: PageUser) -> Response:
    _admin(user)
    t = i18n.Translator(language_of(request))
    values = _form_values(await request.form(), CREATE_FIELDS)
    errors = _field_errors(UserCreate, values, t)
    shown = {k: v for k, v in values.items() if k != "password"}  # never echoed back
    if errors:
        return _users_page(request, user, 422, errors, shown)
    hub = hub_of(request)

    def create() -> int:
        with db.transaction(hub.sessions) as session:
            return users.create_user(session, user.username, values["username"],
                                     values["full_name"], values["role"], values["password"],
                                     values["position"]).id

    try:
        new_id = await run_in_threadpool(create)  # Argon2 hashing: off the event loop
    except Conflict:
        return _users_page(request, user, 409, {"username": t("username_taken")}, shown)
    return go(f"{USERS}/{new_id}?done=create_user")


def _user_page(request: Request, admin: User, user_id: int, status_code: int = 200,
               errors: dict[str, str] | None = None, failed: str = "",
               problem: str = "") -> HTMLResponse:
    with db.transaction(hub_of(request).sessions) as session:
        person = users.get_user(session, user_id)
        history = history_of(session, "user", user_id)
    return render(request, "admin_user.html", status_code=status_code, user=admin,
                  person=person, roles=[r.value for r in Role], errors=errors or {},
                  failed_action=failed, problem=problem, history=history, names={},
                  done=request.query_params.get("done", ""))


@router.get(USERS + "/{user_id}")
def user_page(request: Request, user: PageUser, user_id: RowId) -> HTMLResponse:
    _admin(user)
    return _user_page(request, user, user_id)


#: action → (the schema its form must satisfy, the service call)
CHANGES = {
    "change_role": (RoleChange, lambda s, actor, i, f: users.change_role(s, actor, i,
                                                                         f["role"])),
    "reset_password": (PasswordReset, lambda s, actor, i, f: users.reset_password(
        s, actor, i, f["password"])),
    "deactivate": (None, lambda s, actor, i, f: users.set_active(s, actor, i, False)),
    "activate": (None, lambda s, actor, i, f: users.set_active(s, actor, i, True)),
}


@router.post(USERS + "/{user_id}/{action}", dependencies=[Csrf])
async def change_user(request: Request, user: PageUser, user_id: RowId, action: str) -> Response:
    _admin(user)
    if action not in CHANGES:
        raise NotFound(f"no user action {action!r}")
    schema, call = CHANGES[action]
    t = i18n.Translator(language_of(request))
    values = _form_values(await request.form(), ("role", "password"))
    errors = _field_errors(schema, values, t) if schema else {}
    if errors:
        return _user_page(request, user, user_id, 422, errors, action)
    hub = hub_of(request)

    def run() -> None:
        with db.transaction(hub.sessions) as session:
            call(session, user.username, user_id, values)

    try:
        await run_in_threadpool(run)
    except (Forbidden, NotFound):
        raise
    except RegisterError as exc:  # e.g. an administrator deactivating themself
        return _user_page(request, user, user_id, status_of(exc), failed=action,
                          problem=str(exc))
    return go(f"{USERS}/{user_id}?done={action}")
