"""Người dùng: accounts with one role each; passwords hashed with pwdlib (Argon2).

The administrator creates accounts, changes their role, resets their password and deactivates
them; every change is written to the audit log (never the password). An account is
deactivated, not deleted: documents and the audit log keep naming it."""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from documents.adapters.models import User
from documents.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyRequests,
)
from documents.domain.workflow import Role
from documents.services import audit

if TYPE_CHECKING:
    from pwdlib import PasswordHash


@cache
def _hasher() -> PasswordHash:
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


#: Argon2 hashes at once (each takes 64 MiB and a core for a moment); a request that cannot
#: get a turn within HASH_WAIT seconds is answered 429
HASHES_AT_ONCE = 2
HASH_WAIT = 20.0
_hashing = threading.BoundedSemaphore(HASHES_AT_ONCE)


def _bounded(work):  # noqa: ANN001, ANN202
    if not _hashing.acquire(timeout=HASH_WAIT):
        raise TooManyRequests("the hub is busy checking other passwords; try again shortly",
                              retry_after=5)
    try:
        return work()
    finally:
        _hashing.release()


def hash_password(password: str) -> str:
    return _bounded(lambda: _hasher().hash(password))


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}; roles: "
                           f"{', '.join(r.value for r in Role)}") from None


def _check_password(password: str) -> str:
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters")
    return password


def create_user(session: Session, actor: str, username: str, full_name: str, role: str,
                password: str, position: str = "") -> User:
    _check_role(role)
    _check_password(password)
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


def list_users(session: Session) -> list[User]:
    """Every account, active or not, oldest first."""
    return list(session.scalars(select(User).order_by(User.id)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def _not_self(actor: str, user: User, what: str) -> None:
    """An administrator cannot lock themself out (another administrator can)."""
    if user.username == actor:
        raise InvalidInput(f"you cannot {what} your own account; ask another administrator")


def change_role(session: Session, actor: str, user_id: int, role: str) -> User:
    user = get_user(session, user_id)
    new_role = _check_role(role)
    if new_role is not Role.ADMIN:
        _not_self(actor, user, "take the administrator role from")
    previous, user.role = user.role, new_role.value
    audit.record(session, actor, "change_role", "user", user.id, username=user.username,
                 previous=previous, role=new_role.value)
    return user


def set_active(session: Session, actor: str, user_id: int, active: bool) -> User:
    """Khóa / mở khóa: a deactivated account cannot log in, and its sessions stop working."""
    user = get_user(session, user_id)
    if not active:
        _not_self(actor, user, "deactivate")
    user.active = active
    if not active:
        user.token_version += 1  # reactivating does not bring old sessions back
    audit.record(session, actor, "activate" if active else "deactivate", "user", user.id,
                 username=user.username)
    return user


def reset_password(session: Session, actor: str, user_id: int, password: str) -> User:
    user = get_user(session, user_id)
    user.password_hash = hash_password(_check_password(password))
    user.token_version += 1  # whoever held the old password's sessions is logged out
    audit.record(session, actor, "reset_password", "user", user.id, username=user.username)
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    # verify even for an unknown name, so timing does not tell which names exist
    stored = user.password_hash if user else _dummy_hash()
    valid = _bounded(lambda: _hasher().verify(password, stored))
    if user is None or not valid or not user.active:
        raise NotAuthenticated("wrong user name or password")
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")
