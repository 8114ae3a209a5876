"""The local signing agent (``edochub sign-agent``) on a leader's PC.

It holds the leader's token (PKCS#11) open and answers two requests from the hub's page, and
only from the hub's page:

- ``GET /certificate``: the token's certificate and chain (base64 DER), which the hub needs to
  prepare the document;
- ``POST /sign``: a split-signing request (``signing.stamping.split.SigningRequest`` JSON,
  the data to be signed); the answer is the CMS signature (base64 DER), made by
  ``signing.stamping.split.async_complete`` (optionally time-stamped).

It listens on 127.0.0.1 only. The PIN comes from the environment, never over the network.
Requests whose ``Origin`` is not the hub's are refused (403) — CORS alone would not stop a
"simple" cross-site POST from reaching the token — and ``/sign`` accepts JSON only, so a
browser always asks first (preflight). Preflights also allow Chrome's Private Network Access
(an intranet hub calling loopback).
"""

from __future__ import annotations

import base64

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from signing.errors import SigningError
from signing.pades.keys import SigningKey

#: the most a signing request may weigh (it carries a certificate and the signed attributes)
MAX_REQUEST_BYTES = 256 * 1024


def create_agent_app(key: SigningKey, hub_origin: str, tsa_url: str | None = None) -> FastAPI:
    hub_origin = hub_origin.rstrip("/")
    app = FastAPI(title="edochub sign-agent", docs_url=None, redoc_url=None, openapi_url=None)
    cors = {"Access-Control-Allow-Origin": hub_origin, "Vary": "Origin"}

    @app.middleware("http")
    async def only_the_hub(request: Request, call_next):  # noqa: ANN001, ANN202
        if request.headers.get("origin", "").rstrip("/") != hub_origin:
            return JSONResponse({"detail": f"only {hub_origin} may use this sign-agent"},
                                status_code=403, headers={"Vary": "Origin"})
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={
                **cors, "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Allow-Private-Network": "true", "Access-Control-Max-Age": "600"})
        response = await call_next(request)
        response.headers.update(cors)
        return response

    @app.get("/certificate")
    def certificate() -> dict:
        return {"certificate": _b64(key.certificate.dump()),
                "chain": [_b64(c.dump()) for c in key.chain],
                "subject": key.certificate.subject.human_friendly}

    @app.post("/sign")
    async def sign(request: Request) -> JSONResponse:
        from signing.stamping.split import SigningRequest, async_complete

        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"detail": "send the signing request as application/json"},
                                status_code=415)
        body = await request.body()
        if len(body) > MAX_REQUEST_BYTES:
            return JSONResponse({"detail": "the signing request is too large"}, status_code=413)
        try:
            import json

            signing_request = SigningRequest.from_json(json.loads(body)["request"])
            signature = await async_complete(signing_request, key, tsa_url)
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"detail": "expected {\"request\": <signing request JSON>}"},
                                status_code=422)
        except SigningError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return JSONResponse({"signature": _b64(signature)})

    return app


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
