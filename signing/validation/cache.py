"""What one :class:`signing.validation.validator.Validator` remembers from file to file of a batch
(bộ nhớ đệm khi kiểm tra hàng loạt): the fetched revocation data and the validated certificate
paths. pyHanko side of :mod:`signing.validation.validator`; its types do not leave here.

- :class:`SharedFetcherBackend`: one set of pyHanko fetchers, so each OCSP response, CRL and
  AIA certificate is fetched once for the batch (pyHanko hands every operation fresh, empty
  fetchers).
- :class:`Certificates`: one parsed object per certificate for the whole batch, so what
  asn1crypto and pyHanko work out about a certificate (names prepared for comparison, key
  identifiers, extensions, hashes) is worked out once, not once per file that carries it;
- :class:`ValidatedPaths`: once a signer's certificate path has passed validation, with every
  certificate's revocation status checked against that shared revocation data, later files
  signed with the same certificate and carrying the same certificates reuse the outcome of
  pyHanko's signer-certificate check (:mod:`signing.validation.upstream_paths`): the path
  building, certificate signature, validity and revocation checks (OCSP/CRL signature checks
  and the responders' and CRL issuers' own paths) are not done again for them. A
  time-stamped signature (validation with time) reuses the checks of its signer's and its
  time-stamps' TSA certificates alike.

Why the reuse cannot change a verdict:

- only a path validated at the current time in ``require`` or ``soft`` mode, by basic
  validation or validation with time fed with nothing but the shared revocation data (a file
  whose DSS holds validation data of its own is validated in full), is remembered, and only
  when every certificate check in it passed: that data is the
  same for every file until the fetchers are renewed, which also forgets every remembered
  path. A path whose validation met a failed fetch (tolerated in ``soft`` mode) is not
  remembered: only paths resting on revocation answers actually received are;
- a remembered path is reused only while every revocation answer in the shared data is still
  fresh (before the earliest ``nextUpdate``) and the validation time is within the validity
  period of every certificate involved (the path's, the signature's, the OCSP responders'):
  that is when pyHanko, checking again, would reach the same answer from the same data (its
  certificate signature, name, extension and key-usage checks do not depend on the time; the
  algorithm policy is pyHanko's default, which does not either);
- the key is the kind of validation, the signer's certificate and the set of certificates the
  signature and its time-stamps carry, so pyHanko would build the same paths from them, and
  each outcome is used only for the same certificate, key-usage rules and trust anchors (the
  signature's or the time-stamps', pyHanko's trust manager object); a check it was not
  reached with is done by pyHanko;
- the signature itself (digest, signed attributes, cryptographic check) is still checked for
  every file; a different validation time (``--at``) is another Validator, another cache, and
  point-in-time validation remembers nothing;
- a revoked certificate never passes, so is never remembered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from pyhanko_certvalidator.fetchers.api import FetcherBackend, Fetchers

if TYPE_CHECKING:
    from asn1crypto import cms, ocsp, x509
    from pyhanko.sign.validation.ades import (
        AdESBasicValidationResult,
        AdESWithTimeValidationResult,
    )
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.policy_decl import SignatureValidationSpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

    from signing.validation.upstream_paths import Check


class SharedFetcherBackend(FetcherBackend):
    """One set of pyHanko fetchers (and so one OCSP/CRL/certificate cache) for a whole batch,
    where pyHanko's own backend hands out fresh, empty fetchers to every operation."""

    def __init__(self) -> None:
        from signing.services import WatchedFetcherBackend

        # time limits become fetch errors pyHanko reports (not bare TimeoutErrors), and
        # failed fetches are remembered (``failures``) to name the service at fault
        self._backend = WatchedFetcherBackend()
        self._fetchers: Fetchers | None = None

    def failures_since(self, count: int) -> tuple[int, list[str]]:
        """How many fetches failed so far, and those (the latest kept) after the first
        ``count``, each one line naming the service and what happened."""
        total = self._backend.failure_count
        recent = list(self._backend.failures)[-(total - count):] if total > count else []
        return total, [str(f) for f in recent]

    def failure_count(self) -> int:
        """How many fetches failed so far (a failure pyHanko's fetchers remember counts again
        each time it is met)."""
        return self._backend.failure_count

    def get_fetchers(self) -> Fetchers:
        if self._fetchers is None:
            self._fetchers = self._backend.get_fetchers()
        return self._fetchers

    def renew(self) -> None:
        """Start a fresh cache (and fetch budget: pyHanko bounds the requests per fetcher set,
        which a long batch of many signers would otherwise exhaust)."""
        self._fetchers = None

    def fresh_until(self) -> datetime | None:
        """The earliest ``nextUpdate`` among the cached OCSP responses and CRLs: until then
        every revocation answer the cache holds is as good as when it was fetched. None when
        the cache is empty or an answer names no ``nextUpdate``."""
        if self._fetchers is None:
            return None
        horizons = [_ocsp_next_update(r) for r in self.responses()]
        horizons += [c["tbs_cert_list"]["next_update"].native
                     for c in self._fetchers.crl_fetcher.fetched_crls()]
        dated = [horizon for horizon in horizons if horizon is not None]
        return min(dated) if horizons and len(dated) == len(horizons) else None

    def responses(self) -> list[ocsp.OCSPResponse]:
        """The OCSP responses fetched so far."""
        if self._fetchers is None:
            return []
        return list(self._fetchers.ocsp_fetcher.fetched_responses())

    async def close(self) -> None:
        await self._backend.close()


def _ocsp_next_update(response: ocsp.OCSPResponse) -> datetime | None:
    try:
        basic = response["response_bytes"]["response"].parsed
        updates = [single["next_update"].native
                   for single in basic["tbs_response_data"]["responses"]]
    except (KeyError, TypeError, ValueError):
        return None
    return None if not updates or None in updates else min(updates)


class Certificates:
    """Certificates parsed once per batch: :meth:`share` makes a signature's certificate set
    use the objects already parsed from the same DER bytes (its own bytes are left as they are,
    so nothing signed or hashed changes). At most ``limit`` certificates are kept."""

    def __init__(self, limit: int = 2000) -> None:
        self._by_der: dict[bytes, object] = {}
        self._limit = limit

    def share(self, signed_data: cms.SignedData) -> None:
        try:
            choices = list(signed_data["certificates"] or ())
        except (ValueError, TypeError, KeyError):
            return  # a malformed set is left for pyHanko to report
        for choice in choices:
            try:
                if choice.name != "certificate":
                    continue
                certificate = choice.chosen
                der = certificate.dump()
            except Exception:  # noqa: BLE001, S112 - hostile content: left for pyHanko to judge
                continue
            known = self._by_der.setdefault(der, certificate)
            if known is not certificate:
                choice._parsed = known  # asn1crypto's parsed alternative, same encoding
        if len(self._by_der) > self._limit:
            self._by_der.clear()


@dataclass(frozen=True)
class _Remembered:
    #: pyHanko's certificate checks of one signature (the signer's, its time-stamps' TSAs')
    checks: tuple[Check, ...]
    #: from when to when every certificate they rest on is within its validity period
    valid_from: datetime
    #: ... and every revocation answer is fresh (whichever ends first)
    fresh_until: datetime


class ValidatedPaths:
    """Validated signer certificate paths of one batch, with counters of what they spared.

    ``recorded``: signatures whose checks were done in full and remembered; ``reused``:
    signatures whose every certificate check came from here instead of being done again;
    ``rechecked``: remembered checks done again in full (the validation time left their
    window, or pyHanko asked for another check)."""

    def __init__(self, fetchers: SharedFetcherBackend) -> None:
        self._fetchers = fetchers
        self._paths: dict[tuple[str, bytes, frozenset[bytes]], _Remembered] = {}
        self.recorded = 0
        self.reused = 0
        self.rechecked = 0

    def forget(self) -> None:
        """Forget every path (the revocation data they rest on is being renewed)."""
        self._paths.clear()

    async def basic_validation(self, embedded: EmbeddedPdfSignature,
                               signature_spec: SignatureValidationSpec,
                               timing_info: ValidationTimingInfo,
                               ) -> AdESBasicValidationResult:
        """pyHanko's basic validation (ETSI EN 319 102-1 5.3) of ``embedded``, given the
        outcome of the signer-certificate check remembered for its signer and certificates
        (:mod:`signing.validation.upstream_paths`), or remembering the one it gets."""
        return await self._validate("basic", embedded, timing_info,
                                    lambda: basic_validation(embedded, signature_spec,
                                                             timing_info))

    async def with_time_validation(self, embedded: EmbeddedPdfSignature,
                                   signature_spec: SignatureValidationSpec,
                                   timing_info: ValidationTimingInfo,
                                   ) -> AdESWithTimeValidationResult:
        """pyHanko's validation with time (ETSI EN 319 102-1 5.5) of ``embedded``, likewise
        for the signer's and its signature time-stamps' certificate checks. The caller gives
        no validation data of the file's own (an empty DSS): only the shared data is used."""
        from pyhanko.sign.validation.ades import ades_with_time_validation

        async def validate() -> AdESWithTimeValidationResult:
            return await ades_with_time_validation(
                embedded.signed_data, signature_spec, timing_info=timing_info,
                raw_digest=embedded.compute_digest())

        return await self._validate("with time", embedded, timing_info, validate)

    async def _validate(self, kind: str, embedded: EmbeddedPdfSignature,
                        timing_info: ValidationTimingInfo,
                        validate: Callable[[], Awaitable[_Result]]) -> _Result:
        from pyhanko.sign.ades.report import AdESPassed

        from signing.validation import upstream_paths

        carried = _carried(embedded, timestamps=kind != "basic")
        key = (kind, embedded.signer_cert.sha256, frozenset(c.sha256 for c in carried))
        known = self._paths.get(key)
        slot = upstream_paths.Slot()
        if known is not None:
            slot.known, slot.usable_from = list(known.checks), known.valid_from
            # (pyHanko compares with the moment itself; a remembered path is used strictly
            # before its answers go stale)
            slot.usable_until = known.fresh_until - _STRICTLY
        failures = self._fetchers.failure_count()
        with upstream_paths.scoped(slot):
            result = await validate()
        if slot.reused and not slot.seen:
            self.reused += 1
            return result
        if known is not None:
            self.rechecked += 1
        if slot.reused:
            return result  # part of it from here: not remembered again
        moment = timing_info.validation_time
        fresh_until = self._fetchers.fresh_until()
        paths = [check.outcome.success_result for check in slot.seen]
        if result.ades_subindic is AdESPassed.OK and slot.seen and all(paths) \
                and not any(check.outcome.error_subindic for check in slot.seen) \
                and fresh_until is not None and moment < fresh_until \
                and self._fetchers.failure_count() == failures:
            certificates = carried + [c for path in paths if path is not None
                                      for c in path.iter_certs(include_root=True)]
            window = _validity(certificates, self._fetchers)
            if window is not None and window[0] <= moment <= window[1]:
                self._paths[key] = _Remembered(tuple(slot.seen), window[0],
                                               min(fresh_until, window[1]))
                self.recorded += 1
        return result


_Result = TypeVar("_Result", bound="AdESBasicValidationResult")

#: a remembered path is used while the validation time is before its horizon, never at it
_STRICTLY = timedelta(microseconds=1)


def _carried(embedded: EmbeddedPdfSignature, timestamps: bool) -> list[x509.Certificate]:
    """The certificates the signature carries, and those its signature time-stamps carry."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    containers = [embedded.signed_data]
    if timestamps:
        containers += list(extract_tst_data_iter(embedded.signer_info, signed=False))
    return [choice.chosen for signed_data in containers
            for choice in signed_data["certificates"] or () if choice.name == "certificate"]


def _validity(certificates: list[x509.Certificate], fetchers: SharedFetcherBackend,
              ) -> tuple[datetime, datetime] | None:
    """When every certificate the outcome rests on is within its validity period: the
    paths', those the signature carries, and the OCSP responders' in the shared answers."""
    from pyhanko.sign.validation.dss import enumerate_ocsp_certs

    certificates = list(certificates)
    for response in fetchers.responses():
        certificates.extend(enumerate_ocsp_certs(response))
    try:
        start = max(c.not_valid_before for c in certificates)
        end = min(c.not_valid_after for c in certificates)
    except (ValueError, TypeError, KeyError):
        return None
    return (start, end) if start <= end else None


async def basic_validation(embedded, signature_spec, timing_info):
    """pyHanko's basic validation of ``embedded`` with a ``SignatureValidationSpec``."""
    from pyhanko.sign.validation.ades import ades_basic_validation

    return await ades_basic_validation(embedded.signed_data, signature_spec,
                                       timing_info=timing_info,
                                       raw_digest=embedded.compute_digest())
