"""Người dùng: accounts with one role each; passwords hashed with pwdlib (Argon2)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from documents import audit
from documents.errors import Conflict, InvalidInput, NotAuthenticated
from documents.models import User
from documents.workflow import Role


@cache
def _hasher():  # noqa: ANN202 - pwdlib's type stays here
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def create_user(session: Session, actor: str, username: str, full_name: str, role: str,
                password: str, position: str = "") -> User:
    try:
        Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}; roles: "
                           f"{', '.join(r.value for r in Role)}") from None
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters")
    user = User(username=username, full_name=full_name, role=role, position=position,
                password_hash=hash_password(password))
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict(f"user {username!r} already exists") from None
    audit.record(session, actor, "create_user", "user", user.id, role=role, username=username)
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    # verify even for an unknown name, so timing does not tell which names exist
    valid = _hasher().verify(password, user.password_hash if user else _dummy_hash())
    if user is None or not valid or not user.active:
        raise NotAuthenticated("wrong user name or password")
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")
