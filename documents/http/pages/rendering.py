"""Templates, the page route class and how errors become pages.

:class:`PageRoute` turns the register's domain errors into an HTML page with the status the JSON
API would give (``documents.http.errors.status_of``: one mapping for both), and a missing session
into a redirect to the login form.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute

from axis.errors import AxisError
from decree30 import numbering
from documents.adapters.models import User
from documents.domain.errors import RegisterError
from documents.http.errors import status_of
from documents.http.pages import i18n
from documents.http.pages.session import LoginRequired, csrf_token, hub_of, language_of
from signing.errors import SigningError

HERE = Path(__file__).resolve().parent
PREFIX = "/ui"

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)
_environment.filters["d"] = i18n.format_date
_environment.filters["dt"] = i18n.format_datetime
_environment.filters["number"] = numbering.format_number  # "05": Decree 30 numbering

#: scripts and styles only from the hub; the leader's sign-agent on loopback may be called
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; frame-src 'self'; object-src 'self'; "
                               "connect-src 'self' http://127.0.0.1:* http://localhost:*; "
                               "frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, template: str, status_code: int = 200,
           user: User | None = None, csrf: str | None = None, **context: Any) -> HTMLResponse:
    """``csrf``: the token forms carry, when not the session's (the login form)."""
    language = language_of(request)
    t = i18n.Translator(language)
    html = _environment.get_template(template).render(
        request=request, t=t, lang=language, user=user, csrf=csrf or csrf_token(request),
        prefix=PREFIX, organ_name=hub_of(request).settings.organ_name,
        here=quote(request.url.path + (f"?{request.url.query}" if request.url.query else "")),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def error_page(request: Request, exc: Exception, user: User | None = None) -> Response:
    """The error as a page, or as ``{"detail": ...}`` to the page's own scripts."""
    status = status_of(exc)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=SECURITY_HEADERS)
    return render(request, "error.html", status_code=status, user=user, status=status,
                  message=str(exc))


def go(path: str) -> RedirectResponse:
    """After a successful POST: 303 to the page to show (post/redirect/get)."""
    return RedirectResponse(path, status_code=303, headers=SECURITY_HEADERS)


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if request.method == "GET":
                    return go(f"{PREFIX}/login?next={quote(str(request.url.path))}")
                return error_page(request, LoginRequired("log in first"))
            except (RegisterError, SigningError, AxisError) as exc:
                return error_page(request, exc)

        return guarded
