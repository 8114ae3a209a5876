"""Bearer tokens: short-lived JWTs (HS256) signed with the hub's token key.

A token carries its user's token version (``User.token_version``); a password reset or a
deactivation raises it, so every token and page session issued before is refused from the
next request on, not only when it expires. Each token also carries its own id (``jti``):
logging out (the page's button, or ``POST /auth/logout``) records it in ``revoked_tokens``,
and that one token is refused from then on, as a cookie and as a bearer token alike.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import delete, select
from starlette.requests import HTTPConnection

from documents.adapters import db
from documents.adapters.models import RevokedToken, User
from documents.domain.errors import NotAuthenticated
from documents.services.hub import Hub

ALGORITHM = "HS256"


def issue_token(hub: Hub, user: User) -> str:
    now = hub.clock()
    claims = {"sub": user.username, "role": user.role, "ver": user.token_version, "iat": now,
              "exp": now + timedelta(minutes=hub.settings.token_minutes),
              "jti": secrets.token_urlsafe(18)}
    return jwt.encode(claims, hub.settings.token_key, algorithm=ALGORITHM)


def _claims(hub: Hub, token: str) -> dict:
    try:
        return jwt.decode(token, hub.settings.token_key, algorithms=[ALGORITHM],
                          options={"require": ["sub", "exp", "ver", "jti"]})
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("the token has expired; log in again") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("the token is not valid") from None


def user_of(hub: Hub, token: str) -> User:
    """The active user ``token`` was issued to, if the token is still theirs to use; else
    :class:`NotAuthenticated`. Looked up in a short session of its own, so that routes which
    do not need the request's transaction (exchange rounds) do not hold SQLite's write lock."""
    claims = _claims(hub, token)
    with hub.sessions() as session:
        user = session.scalars(select(User).where(User.username == claims["sub"])).one_or_none()
        revoked = session.get(RevokedToken, str(claims["jti"])) is not None
    if revoked:
        raise NotAuthenticated("this session was logged out; log in again")
    if user is None or not user.active:
        raise NotAuthenticated("the token's user no longer exists or is disabled")
    if claims["ver"] != user.token_version:
        raise NotAuthenticated("the password was reset or the account disabled since this "
                               "login; log in again")
    return user


def revoke_token(hub: Hub, token: str) -> None:
    """Log out: ``token`` (a valid one; anything else is ignored) is refused from now on.
    Entries of tokens that have expired anyway are dropped on the way."""
    try:
        claims = _claims(hub, token)
    except NotAuthenticated:
        return
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    with db.transaction(hub.sessions) as session:
        session.execute(delete(RevokedToken).where(RevokedToken.expires_at <= hub.clock()))
        if session.get(RevokedToken, str(claims["jti"])) is None:
            session.add(RevokedToken(jti=str(claims["jti"])[:64], expires_at=expires))


def client_address(request: HTTPConnection) -> str:
    """The address the request came from, as the server saw it (a proxy in front must pass
    uvicorn ``--proxy-headers`` for this to be the client's)."""
    return request.client.host if request.client else ""
