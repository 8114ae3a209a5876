"""Dependencies of every route: the hub, a database session (one transaction per request) and
the current user; ``allow(...)`` limits a route to roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from documents.adapters.models import User
from documents.domain.errors import Forbidden, NotAuthenticated
from documents.domain.workflow import Role
from documents.http.security import user_of
from documents.services.hub import Hub

#: the largest row id either database holds (a 64-bit integer); a larger one cannot exist
MAX_ROW_ID = 2**63 - 1
#: a row's id in a path: refused (422) unless a row could have it, before any query
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
#: "rows older than this one" (paging): a row id, or none
BeforeId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
#: how many rows a list answers: at least 1, at most 500 (a larger value means 500)
Limit = Annotated[int, Query(ge=1, description="at most 500 rows are answered")]

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


HubDep = Annotated[Hub, Depends(get_hub)]


def get_session(hub: HubDep) -> Iterator[Session]:
    """Commit when the route returns, roll back when it raises: a refused request changes
    nothing."""
    with hub.sessions() as session, session.begin():
        yield session


#: "function" scope: committed before the answer is sent, so the next request sees the change
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_current_user(hub: HubDep, token: Annotated[str | None, Depends(oauth2)]) -> User:
    if not token:
        raise NotAuthenticated("log in first: no bearer token was sent")
    return user_of(hub, token)


CurrentUser = Annotated[User, Depends(get_current_user)]

STAFF = tuple(Role)


def allow(*roles: Role):  # noqa: ANN201 - a FastAPI dependency
    """Only ``roles`` may call the route (least privilege: the administrator manages
    accounts, it does not sign, issue or register)."""
    allowed = set(roles)

    def check(user: CurrentUser) -> User:
        if Role(user.role) not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"role {user.role} may not do this (allowed: {names})")
        return user

    return Depends(check)


Specialist = Annotated[User, allow(Role.SPECIALIST)]
Leader = Annotated[User, allow(Role.LEADER)]
Clerk = Annotated[User, allow(Role.CLERK)]
Admin = Annotated[User, allow(Role.ADMIN)]
Auditor = Annotated[User, allow(Role.ARCHIVIST, Role.ADMIN)]
Exchanger = Annotated[User, allow(Role.CLERK, Role.ADMIN)]
Validator = Annotated[User, allow(Role.CLERK, Role.ARCHIVIST)]
Staff = Annotated[User, allow(*STAFF)]
