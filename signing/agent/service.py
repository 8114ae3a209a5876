"""The local signing agent (``edochub sign-agent``) on a leader's PC.

It signs only what the person approved on the agent's own page, never on a request alone:

- ``GET /certificate`` (the hub's page): the token's certificate and chain (base64 DER), which
  the hub needs to prepare the document;
- ``POST /requests`` (the hub's page, JSON): the split-signing request
  (``signing.stamping.split.SigningRequest``), the prepared PDF and how the page describes the
  document. The agent checks the data to be signed is this PDF's (``approval``), renders its
  first page and answers the request's id, a one-time pairing secret and the address of its
  confirmation page. Nothing is signed yet;
- ``GET /confirm/{id}`` (the person, in a tab of their own): the agent's page showing the
  organization, number/notation, subject, the first page and the SHA-256 of the PDF, with the
  PIN and "confirm and sign" / "refuse". ``POST /confirm/{id}`` comes only from that page (its
  own origin and the form's secret): the token opens with the PIN typed there (or, when left
  empty, the PIN the agent was given in its environment) and signs the request's attributes;
- ``GET /requests/{id}`` (the hub's page, with the pairing secret in ``X-Pairing``): waiting,
  refused, or the CMS signature (base64 DER) once, after which the request is gone.

It listens on 127.0.0.1 only and answers only requests addressed to a loopback name (``Host``:
a DNS-rebinding page is refused). The hub's calls must carry the hub's ``Origin`` (CORS alone
would not stop a "simple" cross-site POST) and are JSON, so a browser always asks first
(preflight, with Chrome's Private Network Access). Anything else is refused with 403. A script
on the hub's origin can start a request but cannot confirm it: the confirmation page is another
origin, cannot be framed, and its form carries a secret only that page holds.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Awaitable, Callable

from asn1crypto import x509
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import FormData

from signing.agent import page
from signing.agent.approval import (
    MAX_PIN_TRIES,
    Approval,
    Approvals,
    Shown,
    check_request_fits_pdf,
    render_first_page,
)
from signing.errors import KeySourceError, SigningError
from signing.pades.keys import KeySource, Pkcs11Source, Pkcs12Source, open_key

#: the most a request may weigh: the prepared PDF (base64) and the signing request
MAX_REQUEST_BYTES = 64 * 1024 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def host_name(host: str) -> str:
    """``Host`` without its port (``[::1]:8765`` → ``::1``)."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _refuse(detail: str, status: int = 403) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers={"Vary": "Origin"})


def create_agent_app(source: KeySource, certificate: x509.Certificate,
                     chain: tuple[x509.Certificate, ...], hub_origin: str,
                     tsa_url: str | None = None) -> FastAPI:
    """The agent for the key at ``source`` (``certificate`` and ``chain`` read without the
    PIN, see ``signing.pades.keys.read_certificates``), serving ``hub_origin``'s pages."""
    hub_origin = hub_origin.rstrip("/")
    app = FastAPI(title="edochub sign-agent", docs_url=None, redoc_url=None, openapi_url=None)
    cors = {"Access-Control-Allow-Origin": hub_origin, "Vary": "Origin"}
    approvals = Approvals()
    token_lock = asyncio.Lock()
    signer = certificate.subject.native.get("common_name") or certificate.subject.human_friendly
    secret_env = (source.pin_env if isinstance(source, Pkcs11Source)
                  else source.password_env if isinstance(source, Pkcs12Source) else None)
    pin_configured = bool(secret_env and os.environ.get(secret_env) is not None)

    @app.middleware("http")
    async def guard(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if host_name(request.headers.get("host", "")) not in LOOPBACK_NAMES:
            return _refuse("this sign-agent answers only requests to a loopback address")
        if request.url.path.startswith("/confirm/"):
            return await call_next(request)  # the person's own page: checked in the routes
        if request.headers.get("origin", "").rstrip("/") != hub_origin:
            return _refuse(f"only {hub_origin} may use this sign-agent")
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={
                **cors, "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Content-Type, X-Pairing",
                "Access-Control-Allow-Private-Network": "true", "Access-Control-Max-Age": "600"})
        response = await call_next(request)
        response.headers.update(cors)
        return response

    @app.get("/certificate")
    def read_certificate() -> dict:
        return {"certificate": _b64(certificate.dump()), "chain": [_b64(c.dump()) for c in chain],
                "subject": certificate.subject.human_friendly}

    @app.post("/requests")
    async def new_request(request: Request) -> JSONResponse:
        from signing.stamping.split import SigningRequest

        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _refuse("send the signing request as application/json", 415)
        declared = request.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            return _refuse("the signing request is too large", 413)
        body = await request.body()
        if len(body) > MAX_REQUEST_BYTES:
            return _refuse("the signing request is too large", 413)
        try:
            data = json.loads(body)
            signing_request = SigningRequest.from_json(data["request"])
            pdf = base64.b64decode(data["pdf"], validate=True)
            shown = Shown.from_json(data.get("document"))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return _refuse('expected {"request": <signing request JSON>, "pdf": <base64>, '
                           '"document": {...}}', 422)
        except SigningError as exc:
            return _refuse(str(exc), 422)
        if signing_request.signer_certificate.dump() != certificate.dump():
            return _refuse(f"the document was prepared for another certificate, not {signer}'s",
                           422)
        try:
            check_request_fits_pdf(signing_request, pdf)
            png = await render_first_page(pdf)
        except SigningError as exc:
            return _refuse(str(exc), 422)
        approval = Approval(signing_request, shown, hashlib.sha256(pdf).hexdigest(), png)
        approvals.add(approval)
        host = request.headers["host"]
        return JSONResponse({"id": approval.id, "pairing": approval.pairing,
                             "confirm": f"http://{host}/confirm/{approval.id}"},
                            status_code=201)

    @app.get("/requests/{approval_id}")
    def result(request: Request, approval_id: str) -> JSONResponse:
        approval = approvals.get(approval_id)
        if approval is None:
            return _refuse("no such signing request (done, expired or unknown)", 404)
        if not hmac.compare_digest(approval.pairing, request.headers.get("x-pairing", "")):
            return _refuse("this signing request belongs to another page")
        if approval.state == "signed":
            approvals.remove(approval.id)  # the signature is handed over once
            return JSONResponse({"state": "signed", "signature": _b64(approval.signature)})
        if approval.state == "refused":
            approvals.remove(approval.id)
        return JSONResponse({"state": approval.state})

    @app.get("/confirm/{approval_id}")
    def confirmation(approval_id: str) -> HTMLResponse:
        approval = approvals.get(approval_id)
        if approval is None or approval.state != "waiting":
            return HTMLResponse(page.gone(), status_code=404, headers=page.PAGE_HEADERS)
        return HTMLResponse(page.confirmation(approval, signer, pin_configured),
                            headers=page.PAGE_HEADERS)

    @app.get("/confirm/{approval_id}/page.png")
    def first_page(approval_id: str) -> Response:
        approval = approvals.get(approval_id)
        if approval is None:
            return Response(status_code=404, headers=page.PAGE_HEADERS)
        return Response(approval.first_page_png, media_type="image/png",
                        headers=page.PAGE_HEADERS)

    @app.post("/confirm/{approval_id}")
    async def decide(request: Request, approval_id: str) -> Response:
        own_origin = f"http://{request.headers.get('host', '')}"
        if request.headers.get("origin") != own_origin or request.headers.get(
                "sec-fetch-site", "same-origin") != "same-origin":
            return _refuse("only the sign-agent's own page may confirm a signature")
        if not request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            return _refuse("expected the confirmation form", 415)
        form = await request.form(max_files=0, max_fields=8)
        approval = approvals.get(approval_id)
        if approval is None or approval.state != "waiting":
            return HTMLResponse(page.gone(), status_code=404, headers=page.PAGE_HEADERS)
        if not hmac.compare_digest(approval.form, str(form.get("form", ""))):
            return _refuse("the confirmation form's secret is missing or wrong")
        if form.get("decision") != "sign":
            approval.state = "refused"
            return HTMLResponse(page.outcome(False), headers=page.PAGE_HEADERS)
        return await _sign(approval, form)

    async def _sign(approval: Approval, form: FormData) -> Response:
        from signing.stamping.split import async_complete

        pin = str(form.get("pin", ""))[:256]
        try:
            async with token_lock:
                with open_key(source, pin or None) as key:
                    approval.signature = await async_complete(approval.request, key, tsa_url)
        except KeySourceError as exc:
            approval.pin_tries += 1
            if approval.pin_tries >= MAX_PIN_TRIES:
                approval.state = "refused"
                return HTMLResponse(page.outcome(False), status_code=403,
                                    headers=page.PAGE_HEADERS)
            problem = "Nhập PIN của USB token." if "not set" in str(exc) else str(exc)
            return HTMLResponse(page.confirmation(approval, signer, pin_configured, problem),
                                status_code=422, headers=page.PAGE_HEADERS)
        except SigningError as exc:
            approval.state = "refused"
            return HTMLResponse(page.confirmation(approval, signer, pin_configured, str(exc)),
                                status_code=422, headers=page.PAGE_HEADERS)
        approval.state = "signed"
        return HTMLResponse(page.outcome(True), headers=page.PAGE_HEADERS)

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def anything_else(path: str) -> JSONResponse:
        return _refuse("not a sign-agent request")

    return app


def _b64(data: bytes | None) -> str:
    return base64.b64encode(data or b"").decode()
