"""The FastAPI application of one hub. Domain errors become HTTP answers in one place,
:mod:`documents.http.errors`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from axis.errors import AxisError
from axis.protocol import RequestContext
from documents.domain import errors
from documents.http.api import auth, incoming, misc, operations, outgoing
from documents.http.errors import ERROR_RESPONSES, bad_request, domain_error, out_of_range
from documents.http.limits import BodyGate
from documents.http.pages import router as pages_router
from documents.services.hub import Hub
from signing.errors import SigningError


def create_app(hub: Hub) -> FastAPI:
    # no /docs or /redoc: FastAPI's pages load their scripts from a third-party CDN; the
    # schema itself stays at /openapi.json for tools
    app = FastAPI(title=f"edochub — {hub.settings.organ_name}", version="0.1.0",
                  description="Register of incoming and outgoing documents (Decree 30/2020) "
                              "of agency " + hub.settings.organ_id,
                  docs_url=None, redoc_url=None)
    app.state.hub = hub
    for kind in (errors.RegisterError, SigningError, AxisError):
        app.add_exception_handler(kind, domain_error)
    # Starlette types a handler as taking any Exception; this one gets only its own kind
    app.add_exception_handler(RequestValidationError, bad_request)  # type: ignore[arg-type]
    app.add_exception_handler(OverflowError, out_of_range)  # type: ignore[arg-type]
    for module in (auth, outgoing, incoming, misc, operations):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(pages_router)  # the web pages (documents.http.pages), under /ui
    app.add_middleware(BodyGate, hub=hub)  # credentials and size before any body is read
    # request id, JSON access log line and request metrics (axis.protocol.operations)
    app.add_middleware(RequestContext, service=f"hub:{hub.settings.organ_id}")
    return app
