"""Remote-signing services on loopback for the tests.

- :func:`csc_service`: ``certomancer-csc-dummy`` (CSC API v1, by pyHanko's author) over the
  development PKI's certomancer configuration; every certificate is a credential
  ``edochub-dev/<label>``. The dummy authorises whatever it is asked; like a real service in
  CSC's "explicit" authorisation mode, :class:`PinCheckingCsc` adds one check to
  ``credentials/authorize``: the credential's PIN (the dummy itself signs).
- :func:`phone_service`: a **stand-in** for a vendor service that pushes each signing request
  to the official's phone and is polled (no such service is reachable from here). It speaks the
  protocol of ``signing.pades.remote`` and answers as :class:`Phone` says the official did.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web
from asn1crypto import algos
from csc_dummy.csc_dummy_server import CSCWithCertomancer, generic_sign_prehashed

from signing import devpki
from tests.helpers.net import free_port


@contextmanager
def _serving(app: web.Application) -> Iterator[str]:
    """Serve ``app`` on a free loopback port from a thread of its own (its event loop lives
    there only: the browser tests keep one running on the main thread); yields the base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    port = free_port()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="remote-signing", daemon=True)
    thread.start()
    if not ready.wait(timeout=30):
        raise RuntimeError("the remote-signing test service did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()


class PinCheckingCsc(CSCWithCertomancer):
    """The dummy CSC server, refusing ``credentials/authorize`` without the credential's PIN
    (CSC error ``invalid_request``, HTTP 400, as the specification words it) and, given an
    ``access_token``, every request without it (HTTP 401, as an OAuth2-protected service)."""

    def __init__(self, config, pins: dict[str, str],  # noqa: ANN001
                 access_token: str | None = None) -> None:
        super().__init__(config)
        self.pins = pins
        if access_token is not None:
            @web.middleware
            async def bearer_only(request: web.Request, handler):  # noqa: ANN001, ANN202
                if request.headers.get("Authorization") != f"Bearer {access_token}":
                    return web.json_response({"error": "invalid_token"}, status=401)
                return await handler(request)

            self.app.middlewares.append(bearer_only)

    async def credentials_authorize(self, request: web.Request) -> web.Response:
        params = await request.json()
        expected = self.pins.get(str(params.get("credentialID")))
        if expected is not None and params.get("PIN") != expected:
            return web.json_response({"error": "invalid_request",
                                      "error_description": "Invalid PIN"}, status=400)
        return await super().credentials_authorize(request)


def credential(label: str) -> str:
    """The CSC credential id of a development PKI certificate."""
    return f"{devpki.ARCH}/{label}"


@contextmanager
def csc_service(pki: devpki.DevPki, pins: dict[str, str],
                access_token: str | None = None) -> Iterator[str]:
    """The CSC service's base URL; ``pins``: credential id → the PIN it requires;
    ``access_token``: the OAuth2 token it requires on every request, if any."""
    with warnings.catch_warnings():  # the dummy keys its aiohttp app with plain strings
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        server = PinCheckingCsc(devpki.load_config(pki.directory, pki.url_prefix), pins,
                                access_token)
    server.register_routes()
    with _serving(server.app) as url:
        yield url


@dataclass
class Phone:
    """What the official does on their phone: ``answer`` is ``confirm``, ``refuse``,
    ``ignore`` (the request stays pending) or ``expire`` (the service gives up on it), or
    ``fail`` (the service itself breaks down: HTTP 500 to every poll), read
    at each poll once the first ``pending_polls`` polls of a request were answered
    "pending"."""

    answer: str = "confirm"
    pending_polls: int = 2
    #: transaction ids the client withdrew (DELETE)
    withdrawn: list[str] = field(default_factory=list)
    requests: int = 0


class _StandInService:
    def __init__(self, pki: devpki.DevPki, phone: Phone) -> None:
        self.arch = devpki.load_architecture(pki.directory, pki.url_prefix)
        self.phone = phone
        self.transactions: dict[str, dict] = {}

    def _cert_spec(self, credential_id: str):  # noqa: ANN202
        from certomancer.registry import CertLabel, CertomancerObjectNotFoundError

        arch, _, label = credential_id.partition("/")
        if arch != devpki.ARCH:
            raise web.HTTPNotFound()
        try:
            return self.arch.get_cert_spec(CertLabel(label))
        except CertomancerObjectNotFoundError:
            raise web.HTTPNotFound() from None

    async def info(self, request: web.Request) -> web.Response:
        spec = self._cert_spec(str((await request.json()).get("credentialID")))
        labels = [spec.label, *self.arch.get_chain(spec.label)]
        certificates = [base64.b64encode(self.arch.get_cert(label).dump()).decode()
                        for label in labels]
        algorithm = self.arch.get_cert(spec.label).public_key.algorithm
        names = ("sha256_rsa", "rsassa_pss") if algorithm == "rsa" else ("sha256_ecdsa",)
        return web.json_response({"certificates": certificates,
                                  "algo": [algos.SignedDigestAlgorithmId(n).dotted
                                           for n in names]})

    async def request(self, request: web.Request) -> web.Response:
        body = await request.json()
        spec = self._cert_spec(str(body.get("credentialID")))
        transaction = secrets.token_hex(8)
        self.phone.requests += 1
        self.transactions[transaction] = {"spec": spec, "body": body,
                                          "polls": self.phone.pending_polls}
        return web.json_response({"transactionID": transaction, "expiresIn": 300}, status=202)

    async def status(self, request: web.Request) -> web.Response:
        entry = self.transactions.get(request.match_info["transaction"])
        if entry is None:
            raise web.HTTPNotFound()
        answer = self.phone.answer  # as the official acts now
        if answer == "fail":
            raise web.HTTPInternalServerError()
        if entry["polls"] > 0 or answer == "ignore":
            entry["polls"] -= 1
            return web.json_response({"status": "pending"})
        if answer == "refuse":
            return web.json_response({"status": "refused"})
        if answer == "expire":
            return web.json_response({"status": "expired"})
        return web.json_response({"status": "signed", "signature": self._sign(entry)})

    def _sign(self, entry: dict) -> str:
        body = entry["body"]
        params = body.get("signAlgoParams")
        algorithm = algos.SignedDigestAlgorithm({
            "algorithm": algos.SignedDigestAlgorithmId(body["signAlgo"]),
            "parameters": None if params is None
            else algos.RSASSAPSSParams.load(base64.b64decode(params))})
        key = self.arch.key_set.get_private_key(entry["spec"].subject_key)
        signature = generic_sign_prehashed(key, base64.b64decode(body["hash"]), algorithm,
                                           algos.DigestAlgorithmId(body["hashAlgo"]).native)
        return base64.b64encode(signature).decode()

    async def withdraw(self, request: web.Request) -> web.Response:
        transaction = request.match_info["transaction"]
        self.transactions.pop(transaction, None)
        self.phone.withdrawn.append(transaction)
        return web.json_response({})


@contextmanager
def phone_service(pki: devpki.DevPki, phone: Phone) -> Iterator[str]:
    """The stand-in phone-confirmed service's base URL (credentials as in :func:`credential`)."""
    service = _StandInService(pki, phone)
    app = web.Application()
    app.add_routes([web.post("/credentials/info", service.info),
                    web.post("/signatures/request", service.request),
                    web.get("/signatures/request/{transaction}", service.status),
                    web.delete("/signatures/request/{transaction}", service.withdraw)])
    with _serving(app) as url:
        yield url
