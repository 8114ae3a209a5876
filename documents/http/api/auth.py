"""Đăng nhập and user accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from documents.http.deps import Admin, CurrentUser, HubDep, RowId, SessionDep, oauth2
from documents.http.schemas import PasswordReset, RoleChange, Token, UserCreate, UserPublic
from documents.http.security import client_address, issue_token, revoke_token
from documents.services import logins, users

router = APIRouter(tags=["users"])


@router.post("/auth/token", response_model=Token)
def login(request: Request, hub: HubDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Throttled per account and client address (429 with Retry-After)."""
    user = logins.log_in(hub, form.username, form.password, client_address(request))
    return Token(access_token=issue_token(hub, user))


@router.post("/auth/logout", status_code=204)
def logout(hub: HubDep, user: CurrentUser,
           token: Annotated[str | None, Depends(oauth2)]) -> Response:
    """End this bearer token (or page session) now: it is refused from the next request on."""
    revoke_token(hub, token or "")
    return Response(status_code=204)


@router.get("/users/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(session: SessionDep, admin: Admin, body: UserCreate) -> UserPublic:
    return UserPublic.model_validate(users.create_user(
        session, admin.username, body.username, body.full_name, body.role.value,
        body.password, body.position))


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, admin: Admin) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in users.list_users(session)]


@router.post("/users/{user_id}/role", response_model=UserPublic)
def change_role(session: SessionDep, admin: Admin, user_id: RowId, body: RoleChange) -> UserPublic:
    return UserPublic.model_validate(users.change_role(session, admin.username, user_id,
                                                       body.role.value))


@router.post("/users/{user_id}/password", response_model=UserPublic)
def reset_password(session: SessionDep, admin: Admin, user_id: RowId,
                   body: PasswordReset) -> UserPublic:
    return UserPublic.model_validate(users.reset_password(session, admin.username, user_id,
                                                          body.password))


@router.post("/users/{user_id}/deactivate", response_model=UserPublic)
def deactivate(session: SessionDep, admin: Admin, user_id: RowId) -> UserPublic:
    return UserPublic.model_validate(users.set_active(session, admin.username, user_id, False))


@router.post("/users/{user_id}/activate", response_model=UserPublic)
def activate(session: SessionDep, admin: Admin, user_id: RowId) -> UserPublic:
    return UserPublic.model_validate(users.set_active(session, admin.username, user_id, True))
