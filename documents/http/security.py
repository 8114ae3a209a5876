"""Bearer tokens: short-lived JWTs (HS256) signed with the hub's token key.

A token carries its user's token version (``User.token_version``); a password reset or a
deactivation raises it, so every token and page session issued before is refused from the
next request on, not only when it expires.
"""

from __future__ import annotations

from datetime import timedelta

import jwt
from sqlalchemy import select

from documents.adapters.models import User
from documents.domain.errors import NotAuthenticated
from documents.services.hub import Hub

ALGORITHM = "HS256"


def issue_token(hub: Hub, user: User) -> str:
    now = hub.clock()
    claims = {"sub": user.username, "role": user.role, "ver": user.token_version, "iat": now,
              "exp": now + timedelta(minutes=hub.settings.token_minutes)}
    return jwt.encode(claims, hub.settings.token_key, algorithm=ALGORITHM)


def user_of(hub: Hub, token: str) -> User:
    """The active user ``token`` was issued to, if the token is still theirs to use; else
    :class:`NotAuthenticated`. Looked up in a short session of its own, so that routes which
    do not need the request's transaction (exchange rounds) do not hold SQLite's write lock."""
    try:
        claims = jwt.decode(token, hub.settings.token_key, algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp", "ver"]})
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("the token has expired; log in again") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("the token is not valid") from None
    with hub.sessions() as session:
        user = session.scalars(select(User).where(User.username == claims["sub"])).one_or_none()
    if user is None or not user.active:
        raise NotAuthenticated("the token's user no longer exists or is disabled")
    if claims["ver"] != user.token_version:
        raise NotAuthenticated("the password was reset or the account disabled since this "
                               "login; log in again")
    return user


def client_address(request) -> str:  # noqa: ANN001 - a Starlette Request
    """The address the request came from, as the server saw it (a proxy in front must pass
    uvicorn ``--proxy-headers`` for this to be the client's)."""
    return request.client.host if request.client else ""
