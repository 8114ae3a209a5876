"""Web pages for clerks, leaders, specialists and archivists (server-rendered, Jinja2 and a
little plain JavaScript), mounted into the register's app by ``create_app`` under ``/ui``.

Pages call the register's service functions, the same the JSON API calls; see
:mod:`documents.http.pages.document_pages` for the actions and :mod:`documents.http.pages.session`
for
the cookie session and CSRF protection.
"""

from fastapi import APIRouter

from documents.http.pages import admin, archive, document_pages, leader_signing, routes

router = APIRouter()
for _module in (routes, leader_signing, archive, document_pages, admin):
    router.include_router(_module.router)

__all__ = ["router"]
