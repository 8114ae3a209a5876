"""Remote signing (ký số từ xa): the key stays with a remote-signing service; edochub sends
the digest to be signed and receives the signature value. Two kinds of service:

- **CSC API v1** (Cloud Signature Consortium), on pyHanko's CSC signer: ``credentials/info``
  gives the certificate and its chain, ``credentials/authorize`` (the official's PIN and/or
  one-time code) gives the signature activation data, ``signatures/signHash`` signs;
- **phone-confirmed services**: the service pushes the request to the official's phone and
  edochub polls it until it is signed, refused or expired, within a time limit (the
  :class:`PolledSource` protocol below).

API (opened through :func:`signing.pades.opening.async_open_key`, like the other key
sources)::

    source = CscSource("https://csc.example.vn", "credential-id")
    async with async_open_key(source, Authorisation(pin=pin)) as key:   # a SigningKey
        await PadesSigner(key, options).async_sign_file(src, dst)

    source = PolledSource("https://sign.example.vn/api", "credential-id", time_limit=120)

Every failure becomes one line (:class:`signing.errors.RemoteSigningError`): the service is
unreachable, does not know the credential, refuses the authorisation, the official refuses
or lets the request expire, or no answer comes within the time limit. A service that cannot
be reached, times out or fails (HTTP 5xx) is :class:`signing.errors.RemoteServiceUnavailable`,
which is also a ``ServiceError``: worth asking again later, where a refusal is not. The PIN
and one-time code are held in memory only for the signature they authorise, never logged or
written.

Protocol of a phone-confirmed service (JSON over HTTP, base64 values; vendors' own APIs
differ in names, an adapter maps them onto this)::

    POST {url}/credentials/info        {"credentialID"}  -> {"certificates": [leaf, CA...],
                                                              "algo": [OID...]}
    POST {url}/signatures/request      {"credentialID", "hash", "hashAlgo", "signAlgo",
                                        "signAlgoParams"?, "description"}
                                       -> {"transactionID", "expiresIn"}
    GET  {url}/signatures/request/ID   -> {"status": "pending" | "signed" | "refused" |
                                           "expired", "signature"?}
    DELETE {url}/signatures/request/ID (the time limit passed: withdraw the request)
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from asn1crypto import algos, x509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.errors import RemoteServiceUnavailable, RemoteSigningError
from signing.pades.keys import Authorisation, CscSource, PolledSource, SigningKey

#: seconds allowed for each request to a service (the phone's confirmation has its own limit)
REQUEST_TIMEOUT = 30


@asynccontextmanager
async def open_remote_key(source: CscSource | PolledSource,
                          authorisation: Authorisation | None = None
                          ) -> AsyncIterator[SigningKey]:
    """The remote credential as a :class:`SigningKey`; its HTTP session stays open (on the
    running event loop) for the ``async with`` block."""
    authorisation = authorisation or Authorisation()
    async with aiohttp.ClientSession() as http:
        signer: Signer
        if isinstance(source, CscSource):
            signer = await _csc_signer(http, source, authorisation)
        else:
            signer = await _polled_signer(http, source, authorisation)
        chain = tuple(c for c in signer.cert_registry if c != signer.signing_cert)
        # a credential without RSASSA-PSS signs PKCS#1 v1.5, with a notice (crypto_rules)
        yield SigningKey(signer=signer, certificate=signer.signing_cert, chain=chain,
                         source=source,
                         backend_errors=(aiohttp.ClientError, TimeoutError),
                         pss_digests=None if signer.prefer_pss else frozenset())


# -- CSC API v1 ------------------------------------------------------------------------------

async def _csc_signer(http: aiohttp.ClientSession, source: CscSource,
                      authorisation: Authorisation) -> CSCSigner:
    session_info = CSCServiceSessionInfo(source.url.rstrip("/"), source.credential_id,
                                         oauth_token=authorisation.bearer_token)
    try:
        credential = await fetch_certs_in_csc_credential(http, session_info, REQUEST_TIMEOUT)
    except PyHankoSigningError as exc:
        raise _credential_error(source, exc) from None
    status = credential.response_data.get("key", {}).get("status", "enabled")
    if status != "enabled":
        raise RemoteSigningError(f"{source.describe()} is {status}: it cannot sign")
    manager = _PinAuthorisation(session_info, credential, http, authorisation, source)
    return _CscSigner(http, manager, prefer_pss="rsassa_pss" in credential.supported_mechanisms,
                      sign_timeout=REQUEST_TIMEOUT)


def _credential_error(source: CscSource | PolledSource,
                      exc: BaseException) -> RemoteSigningError:
    """What went wrong asking for the credential: a refusal, or the service unavailable."""
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientResponseError):
        if cause.status in (400, 404):
            return RemoteSigningError(f"the remote-signing service at {source.url} has no "
                                      f"credential {source.credential_id!r} (HTTP {cause.status})")
        if cause.status in (401, 403):
            return RemoteSigningError(f"the remote-signing service at {source.url} refused "
                                      f"access (HTTP {cause.status}): check the access token")
        kind = RemoteServiceUnavailable if cause.status >= 500 else RemoteSigningError
        return kind(f"the remote-signing service at {source.url} answered HTTP {cause.status} "
                    f"for credential {source.credential_id!r}")
    if isinstance(cause, aiohttp.ClientError | TimeoutError):
        return _unreachable(source.url, cause)
    return RemoteSigningError(f"unusable answer from the remote-signing service at "
                              f"{source.url}: {_one_line(exc)}")


def _unreachable(url: str, exc: BaseException) -> RemoteServiceUnavailable:
    """The service did not answer in time, or answered a server error (5xx)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return RemoteServiceUnavailable(f"the remote-signing service at {url} failed "
                                        f"(HTTP {exc.status})")
    return RemoteServiceUnavailable(f"cannot reach the remote-signing service at {url}: "
                                    f"{_one_line(exc)}")


class _PinAuthorisation(CSCAuthorizationManager):
    """``credentials/authorize`` with the official's PIN/one-time code, once per batch of
    hashes (bound to them when the credential requires it, SCAL 2)."""

    def __init__(self, session_info: CSCServiceSessionInfo, credential: CSCCredentialInfo,
                 http: aiohttp.ClientSession, authorisation: Authorisation,
                 source: CscSource) -> None:
        super().__init__(session_info, credential)
        self._http, self._authorisation, self._source = http, authorisation, source

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        request = self.format_csc_auth_request(
            num_signatures=len(hash_b64s), pin=self._authorisation.pin,
            otp=self._authorisation.otp,
            hash_b64s=hash_b64s if self.credential_info.hash_pinning_required else None,
            description="edochub")
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        try:
            async with self._http.post(url, json=request, headers=self.auth_headers,
                                       timeout=aiohttp.ClientTimeout(REQUEST_TIMEOUT)
                                       ) as answer:
                body = await _json_or_empty(answer)
                if answer.status >= 500:
                    raise RemoteServiceUnavailable(
                        f"the remote-signing service at {self._source.url} failed "
                        f"(HTTP {answer.status})")
                if answer.status >= 400:
                    reason = body.get("error_description") or body.get("error") \
                        or f"HTTP {answer.status}"
                    raise RemoteSigningError(
                        f"{self._source.describe()}: the authorisation was refused ({reason})")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _unreachable(self._source.url, exc) from None
        try:
            return self.parse_csc_auth_response(body)
        except PyHankoSigningError as exc:
            raise RemoteSigningError(f"{self._source.describe()}: unusable authorisation "
                                     f"answer: {_one_line(exc)}") from None


class _CscSigner(CSCSigner):
    """pyHanko's CSC signer whose failures keep their reason: pyHanko logs a failed
    ``signatures/signHash`` and reports only that no result came."""

    async def _do_commit(self, batch: Any) -> None:  # pyHanko's (private) batch record
        try:
            await super()._do_commit(batch)
        except PyHankoSigningError as exc:
            cause = exc.__cause__
            where = self.auth_manager.csc_session_info
            if isinstance(cause, aiohttp.ClientResponseError) and cause.status >= 500 \
                    or isinstance(cause, TimeoutError | aiohttp.ClientConnectionError):
                raise _unreachable(where.service_url, cause) from None
            reason = f"HTTP {cause.status}" if isinstance(cause, aiohttp.ClientResponseError) \
                else _one_line(cause or exc)
            raise RemoteSigningError(f"credential {where.credential_id!r} at "
                                     f"{where.service_url}: signing refused ({reason})") from None


# -- phone-confirmed, polled services ---------------------------------------------------------

async def _polled_signer(http: aiohttp.ClientSession, source: PolledSource,
                         authorisation: Authorisation) -> _PolledSigner:
    headers = _bearer(authorisation)
    try:
        async with http.post(f"{source.url.rstrip('/')}/credentials/info",
                             json={"credentialID": source.credential_id}, headers=headers,
                             raise_for_status=True,
                             timeout=aiohttp.ClientTimeout(REQUEST_TIMEOUT)) as answer:
            body = await answer.json()
        certificates = [x509.Certificate.load(base64.b64decode(c))
                        for c in body["certificates"]]
        mechanisms = frozenset(algos.SignedDigestAlgorithmId(oid).native
                               for oid in body.get("algo", ()))
        certificates[0].native  # noqa: B018 - parse now, so a malformed one is refused here
    except (TimeoutError, aiohttp.ClientError) as exc:
        wrapped = PyHankoSigningError("credential info request failed")
        wrapped.__cause__ = exc
        raise _credential_error(source, wrapped) from None
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise RemoteSigningError(f"unusable answer from the remote-signing service at "
                                 f"{source.url}: {_one_line(exc)}") from None
    return _PolledSigner(http, source, headers, certificates[0], tuple(certificates[1:]),
                         prefer_pss="rsassa_pss" in mechanisms)


class _PolledSigner(Signer):
    """A pyHanko signer whose signature value comes from a request the official confirms on
    their phone: submitted, then polled every ``poll_interval`` seconds until it is signed,
    refused or expired, or ``time_limit`` passes (then it is withdrawn)."""

    def __init__(self, http: aiohttp.ClientSession, source: PolledSource,
                 headers: dict[str, str], certificate: x509.Certificate,
                 chain: tuple[x509.Certificate, ...], prefer_pss: bool) -> None:
        registry = SimpleCertificateStore()
        registry.register(certificate)
        registry.register_multiple(chain)
        super().__init__(signing_cert=certificate, cert_registry=registry,
                         prefer_pss=prefer_pss)
        self._http, self._source, self._headers = http, source, headers
        self._base = source.url.rstrip("/")
        # as long as the longest signature this key can give (for sizing the container)
        self._placeholder = bytes(2 * certificate.public_key.bit_size // 8 + 16)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run:
            return self._placeholder
        from pyhanko.sign.signers.csc_signer import base64_digest

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        request = {"credentialID": self._source.credential_id,
                   "hash": base64_digest(data, digest_algorithm),
                   "hashAlgo": algos.DigestAlgorithmId(digest_algorithm).dotted,
                   "signAlgo": mechanism["algorithm"].dotted,
                   "description": "edochub"}
        if mechanism["parameters"].native is not None:
            request["signAlgoParams"] = base64.b64encode(
                mechanism["parameters"].dump()).decode("ascii")
        try:
            submitted = await self._call("POST", "/signatures/request", request)
            transaction = str(submitted["transactionID"])
            return await self._wait_for(transaction)
        except aiohttp.ClientResponseError as exc:
            if exc.status < 500:
                raise RemoteSigningError(f"{self._source.describe()}: the service refused the "
                                         f"request (HTTP {exc.status})") from None
            raise _unreachable(self._source.url, exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _unreachable(self._source.url, exc) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise RemoteSigningError(f"{self._source.describe()}: unusable answer: "
                                     f"{_one_line(exc)}") from None

    async def _wait_for(self, transaction: str) -> bytes:
        deadline = time.monotonic() + self._source.time_limit
        who = self._source.describe()
        while True:
            answer = await self._call("GET", f"/signatures/request/{transaction}")
            status = answer.get("status")
            if status == "signed":
                return base64.b64decode(answer["signature"], validate=True)
            if status == "refused":
                raise RemoteSigningError(f"{who}: the official refused the signing request "
                                         "on their phone; nothing was signed")
            if status == "expired":
                raise RemoteSigningError(f"{who}: the signing request expired at the service "
                                         "before the official confirmed it; nothing was "
                                         "signed, ask again")
            if status != "pending":
                raise RemoteSigningError(f"{who}: unknown request status {status!r}")
            if time.monotonic() >= deadline:
                await self._withdraw(transaction)
                raise RemoteSigningError(
                    f"{who}: no confirmation from the official's phone within "
                    f"{self._source.time_limit:g} s; the request was withdrawn and nothing "
                    "was signed")
            await asyncio.sleep(self._source.poll_interval)

    async def _withdraw(self, transaction: str) -> None:
        # if this fails the service lets it expire on its own; nothing is signed either way
        with contextlib.suppress(TimeoutError, aiohttp.ClientError):
            await self._call("DELETE", f"/signatures/request/{transaction}")

    async def _call(self, method: str, path: str,
                    body: dict[str, Any] | None = None) -> dict[str, Any]:
        async with self._http.request(method, self._base + path, json=body,
                                      headers=self._headers, raise_for_status=True,
                                      timeout=aiohttp.ClientTimeout(REQUEST_TIMEOUT)) as answer:
            return await _json_or_empty(answer)


# -- helpers --------------------------------------------------------------------------------

def _bearer(authorisation: Authorisation) -> dict[str, str]:
    token = authorisation.bearer_token
    return {"Authorization": f"Bearer {token}"} if token else {}


async def _json_or_empty(answer: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await answer.json(content_type=None)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
