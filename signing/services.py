"""The outside services signing depends on (time-stamping, OCSP, CRL), with a time limit and a
one-line account of what went wrong: "time-stamping service http://... answered HTTP 404".

- :class:`TimeStamper`: pyHanko's HTTP time-stamp client, raising :class:`ServiceError` for a
  refused connection, no answer within the time limit, an HTTP error or an answer that is not
  a time-stamp reply.
- :class:`WatchedFetcherBackend`: pyHanko's OCSP/CRL/certificate fetchers with a time limit,
  remembering each failed fetch (:attr:`WatchedFetcherBackend.failures`), so that a check that
  fails for want of revocation data can say which service failed and how.

Imported lazily (it loads pyHanko).
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import threading
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

import requests
from asn1crypto import tsp
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import CRLFetcher, FetcherBackend, Fetchers, OCSPFetcher

from signing.errors import DEFAULT_SERVICE_TIMEOUT, ServiceError

_URL = re.compile(r"https?://\S+")
_ERRNO_REASONS = {errno.ECONNREFUSED: "connection refused", errno.EHOSTUNREACH: "no route to host",
                  errno.ENETUNREACH: "network unreachable", errno.ECONNRESET: "connection reset",
                  errno.ETIMEDOUT: "connection timed out"}


#: an event set when a time-stamp request of the task (and the tasks it starts) is on its way:
#: a caller with other work sets it around a signature to do that work during the wait
#: (:func:`signing.stamping.issuance.async_issue`)
TOKEN_REQUESTED: ContextVar[asyncio.Event | None] = ContextVar("token_requested",
                                                               default=None)


class TimeStamper(RequestsHTTPTimeStamper):
    """RFC 3161 client whose failures are one-line :class:`ServiceError`\\ s.

    Each thread keeps one HTTP session (its connection to the TSA stays open between tokens,
    as the issue's "no per-document client construction" asks); every signature still gets a
    token of its own."""

    def __init__(self, url: str, timeout: float = DEFAULT_SERVICE_TIMEOUT) -> None:
        super().__init__(url, timeout=timeout)
        self._sessions = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._sessions, "session", None)
        if session is None:
            session = self._sessions.session = requests.Session()
            # the environment's proxy and CA settings for this URL, read once: requests would
            # read them (and look for a netrc file) on every request, ~0.3 ms of CPU and up to
            # 2 ms of latency per token measured against the development TSA
            session.proxies = requests.utils.get_environ_proxies(self.url)
            session.verify = (os.environ.get("REQUESTS_CA_BUNDLE")
                              or os.environ.get("CURL_CA_BUNDLE") or True)
            session.trust_env = False
        return session

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        answer = asyncio.get_running_loop().run_in_executor(None, self._request, req)
        requested = TOKEN_REQUESTED.get()
        if requested is not None:
            requested.set()
        return await answer

    def _request(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        what = f"time-stamping service {self.url}"
        try:
            answer = self._session().post(self.url, req.dump(), headers=self.request_headers(),
                                          auth=self.auth, timeout=self.timeout)
        except requests.Timeout:
            raise ServiceError(f"{what} did not answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise ServiceError(f"{what} is unreachable ({_reason(exc)})") from None
        if answer.status_code != 200:
            raise ServiceError(f"{what} answered HTTP {answer.status_code} "
                               f"{answer.reason or ''}".rstrip())
        kind = answer.headers.get("Content-Type", "")
        if kind.split(";")[0].strip() != "application/timestamp-reply":
            raise ServiceError(f"{what} answered {kind or 'no content type'}, not a "
                               "time-stamp reply")
        try:
            response = tsp.TimeStampResp.load(answer.content)
            status = response["status"]["status"].native
        except ValueError:
            raise ServiceError(f"{what} sent a malformed time-stamp reply") from None
        if status not in ("granted", "granted_with_mods"):
            detail = response["status"]["status_string"].native
            raise ServiceError(f"{what} refused the request ({status}"
                               + (f": {' '.join(detail)}" if detail else "") + ")")
        return response


@dataclass(frozen=True)
class FetchFailure:
    kind: str  # "OCSP", "CRL", "certificate"
    description: str

    def __str__(self) -> str:
        return self.description


class WatchedFetcherBackend(FetcherBackend):
    """pyHanko's aiohttp fetchers with ``timeout`` per request, recording failed fetches."""

    def __init__(self, timeout: float = DEFAULT_SERVICE_TIMEOUT) -> None:
        self.timeout = timeout
        self._backend = AIOHttpFetcherBackend(per_request_timeout=timeout)
        #: the latest failed fetches (a long-running hub keeps only the last few)
        self.failures: deque[FetchFailure] = deque(maxlen=64)
        #: how many fetches failed since the backend was made
        self.failure_count = 0

    def record(self, failure: FetchFailure) -> None:
        self.failures.append(failure)
        self.failure_count += 1

    def get_fetchers(self) -> Fetchers:
        inner = self._backend.get_fetchers()
        # a _Watched fetcher stands in for the one it wraps (every other call passes through)
        return Fetchers(ocsp_fetcher=cast(OCSPFetcher, _Watched(inner.ocsp_fetcher, "OCSP", self)),
                        crl_fetcher=cast(CRLFetcher, _Watched(inner.crl_fetcher, "CRL", self)),
                        cert_fetcher=inner.cert_fetcher)

    def service_error(self, subject: str) -> ServiceError | None:
        """A :class:`ServiceError` about ``subject`` naming the failed services, if any."""
        if not self.failures:
            return None
        seen = list(dict.fromkeys(str(f) for f in self.failures))
        return ServiceError(f"cannot check the revocation status of {subject}: "
                            + "; ".join(seen))

    async def close(self) -> None:
        await self._backend.close()


class _Watched:
    """A fetcher whose failed ``fetch`` calls are recorded on the backend."""

    def __init__(self, inner: OCSPFetcher | CRLFetcher, kind: str,
                 backend: WatchedFetcherBackend) -> None:
        self._inner = inner
        self._kind = kind
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self._inner.fetch(*args, **kwargs)
        except TimeoutError:
            # aiohttp's time limit escapes pyHanko's fetchers as a bare TimeoutError: make it
            # the fetch error pyHanko handles (and tolerates in soft mode)
            urls = _service_urls(self._kind, args[0] if args else None)
            what = f"{self._kind} service" + (f" {urls[0]}" if urls else "")
            description = f"{what} did not answer within {self._backend.timeout:g} s"
            self._backend.record(FetchFailure(self._kind, description))
            raise _FETCH_ERRORS[self._kind](description) from None
        except Exception as exc:
            self._backend.record(
                FetchFailure(self._kind, describe_fetch_failure(self._kind, exc,
                                                                self._backend.timeout)))
            raise


_FETCH_ERRORS = {"OCSP": OCSPFetchError, "CRL": CRLFetchError}


def _service_urls(kind: str, cert: Any) -> list[str]:  # a certificate; None when not given
    """The OCSP or CRL addresses a certificate names."""
    try:
        if kind == "OCSP":
            return list(cert.ocsp_urls)
        return [dp.url for dp in cert.crl_distribution_points if dp.url]
    except (AttributeError, ValueError, KeyError, TypeError):
        return []


def describe_fetch_failure(kind: str, exc: BaseException, timeout: float) -> str:
    """``OCSP service http://... answered HTTP 404`` and the like, from a pyHanko fetch error
    (whose cause is the aiohttp error)."""
    import aiohttp

    found = _URL.search(str(exc))
    what = f"{kind} service" + (f" {found.group(0).rstrip('.')}" if found else "")
    cause = exc.__cause__ or exc
    if isinstance(cause, aiohttp.ClientResponseError):
        return f"{what} answered HTTP {cause.status} {cause.message or ''}".rstrip()
    if isinstance(cause, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return f"{what} did not answer within {timeout:g} s"
    if isinstance(cause, aiohttp.ClientConnectionError):
        return f"{what} is unreachable ({_reason(cause)})"
    if isinstance(cause, ValueError):
        return f"{what} sent an answer that is not a valid {kind} response"
    return f"{what} failed ({' '.join(str(cause).split()) or type(cause).__name__})"


def _reason(exc: BaseException) -> str:
    """A few words on why a connection failed, from the error or the OS error behind it."""
    seen: BaseException | None = exc
    while seen is not None:
        for error in (seen, getattr(seen, "os_error", None)):
            if isinstance(error, OSError) and error.errno in _ERRNO_REASONS:
                return _ERRNO_REASONS[error.errno]
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    for words, reason in (("refused", "connection refused"),
                          ("connect call failed", "connection refused"),
                          ("name or service not known", "unknown host"),
                          ("temporary failure in name resolution", "unknown host"),
                          ("reset by peer", "connection reset")):
        if words in text:
            return reason
    return type(exc).__name__
