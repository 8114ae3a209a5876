"""Đăng nhập and user accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from documents import users
from documents.models import User
from documents.web.deps import Admin, CurrentUser, HubDep, SessionDep
from documents.web.schemas import Token, UserCreate, UserPublic
from documents.web.security import issue_token

router = APIRouter(tags=["users"])


@router.post("/auth/token", response_model=Token)
def login(hub: HubDep, session: SessionDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = users.authenticate(session, form.username, form.password)
    return Token(access_token=issue_token(hub, user))


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
    return [UserPublic.model_validate(u) for u in session.scalars(select(User).order_by(User.id))]
