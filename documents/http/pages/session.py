"""Cookie sessions and CSRF protection of the pages.

The session cookie carries the same short-lived signed token (JWT, HS256, the hub's token key)
the API hands out as a bearer token, so both share one notion of "logged in"; it is HttpOnly
and SameSite=Strict (and Secure over HTTPS). Every form carries a CSRF token: an HMAC of the
session token under the hub's key, checked in constant time on each POST. The login form,
which has no session yet, uses a random double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from documents.adapters.models import User
from documents.domain.errors import Forbidden, NotAuthenticated
from documents.domain.workflow import Role
from documents.http.security import user_of
from documents.services.hub import Hub

SESSION_COOKIE = "edochub_session"
LOGIN_CSRF_COOKIE = "edochub_login_csrf"
LANGUAGE_COOKIE = "edochub_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(NotAuthenticated):
    """No valid session: the page sends the browser to the login form."""


def hub_of(request: Request) -> Hub:
    return request.app.state.hub


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def current_user(request: Request) -> User:
    """The logged-in user, or :class:`LoginRequired`."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired("log in first")
    try:
        return user_of(hub_of(request), token)
    except NotAuthenticated as exc:
        raise LoginRequired(str(exc)) from None


def require_role(user: User, *roles: Role) -> None:
    """The same limit the JSON API's route puts on the action (its ``allow``)."""
    if Role(user.role) not in roles:
        raise Forbidden(f"a {user.role} may not do this")


def csrf_token(request: Request) -> str:
    """The token forms of this session carry (empty without a session)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    if not session:
        return request.cookies.get(LOGIN_CSRF_COOKIE, "")
    key = hub_of(request).settings.token_key.encode()
    return hmac.new(key, b"csrf\n" + session.encode(), hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


async def check_csrf(request: Request) -> None:
    """A POST must carry this session's CSRF token (form field or header), else 403."""
    await _compare(request, csrf_token(request))


async def check_login_csrf(request: Request) -> None:
    """The login form carries the random token of its own cookie (whatever old session
    cookie the browser may still hold)."""
    await _compare(request, request.cookies.get(LOGIN_CSRF_COOKIE, ""))


async def _compare(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected, sent):
        raise Forbidden("the form's security token (CSRF) is missing or wrong; reload the page")


def language_of(request: Request) -> str:
    from documents.http.pages.i18n import DEFAULT, LANGUAGES

    chosen = request.cookies.get(LANGUAGE_COOKIE, DEFAULT)
    return chosen if chosen in LANGUAGES else DEFAULT
