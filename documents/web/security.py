"""Bearer tokens: short-lived JWTs (HS256) signed with the hub's token key."""

from __future__ import annotations

from datetime import timedelta

import jwt

from documents.errors import NotAuthenticated
from documents.hub import Hub
from documents.models import User

ALGORITHM = "HS256"


def issue_token(hub: Hub, user: User) -> str:
    now = hub.clock()
    claims = {"sub": user.username, "role": user.role, "iat": now,
              "exp": now + timedelta(minutes=hub.settings.token_minutes)}
    return jwt.encode(claims, hub.settings.token_key, algorithm=ALGORITHM)


def username_of(hub: Hub, token: str) -> str:
    try:
        claims = jwt.decode(token, hub.settings.token_key, algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("the token has expired; log in again") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("the token is not valid") from None
    return claims["sub"]
