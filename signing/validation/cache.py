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
  signed with the same certificate and carrying the same certificates reuse the result: pyHanko
  is told, through its own non-revoked status assertion, that the signer's certificate is not
  revoked, which spares the revocation checks of the whole path (OCSP/CRL signature checks and
  the responders' and CRL issuers' own paths), by far the dearest part of path validation.

Why the reuse cannot change a verdict:

- only a path validated at the current time in ``require`` or ``soft`` mode, by basic
  validation fed with nothing but the shared revocation data, is remembered: that data is the
  same for every file until the fetchers are renewed, which also forgets every remembered
  path. A path whose validation met a failed fetch (tolerated in ``soft`` mode) is not
  remembered: only paths resting on revocation answers actually received are;
- a remembered path is reused only while every revocation answer in the shared data is still
  fresh (before the earliest ``nextUpdate``): that is when pyHanko, checking again, would reach
  the same answer from the same data;
- the key is the signer's certificate and the set of certificates the signature carries, so
  pyHanko builds the same path from them; when it does not (the path it validated differs from
  the remembered one), the signature is validated again in full;
- certificate signatures, validity periods (expiry at the validation time), key usage and the
  signature itself are still checked for every file; a different validation time (``--at``) is
  another Validator, another cache, and point-in-time validation remembers nothing;
- a revoked certificate never passes, so is never remembered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from pyhanko_certvalidator.fetchers.api import FetcherBackend


class SharedFetcherBackend(FetcherBackend):
    """One set of pyHanko fetchers (and so one OCSP/CRL/certificate cache) for a whole batch,
    where pyHanko's own backend hands out fresh, empty fetchers to every operation."""

    def __init__(self) -> None:
        from signing.services import WatchedFetcherBackend

        # time limits become fetch errors pyHanko reports (not bare TimeoutErrors), and
        # failed fetches are remembered (``failures``) to name the service at fault
        self._backend = WatchedFetcherBackend()
        self._fetchers = None

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

    def get_fetchers(self):
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
        horizons = [_ocsp_next_update(r) for r in self._fetchers.ocsp_fetcher.fetched_responses()]
        horizons += [c["tbs_cert_list"]["next_update"].native
                     for c in self._fetchers.crl_fetcher.fetched_crls()]
        if not horizons or None in horizons:
            return None
        return min(horizons)

    async def close(self) -> None:
        await self._backend.close()


def _ocsp_next_update(response) -> datetime | None:
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

    def share(self, signed_data) -> None:
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
class _Path:
    certificates: tuple[bytes, ...]  # SHA-256 of each certificate, trust anchor first
    fresh_until: datetime


class ValidatedPaths:
    """Validated signer certificate paths of one batch, with counters of what they spared.

    ``recorded``: paths validated in full and remembered; ``reused``: signatures whose path
    came from here instead of being checked again; ``rechecked``: reuses refused after the
    fact because pyHanko built another path."""

    def __init__(self, fetchers: SharedFetcherBackend) -> None:
        self._fetchers = fetchers
        self._paths: dict[tuple[bytes, frozenset[bytes]], _Path] = {}
        self.recorded = 0
        self.reused = 0
        self.rechecked = 0

    def forget(self) -> None:
        """Forget every path (the revocation data they rest on is being renewed)."""
        self._paths.clear()

    async def basic_validation(self, embedded, signature_spec, timing_info):
        """pyHanko's basic validation (ETSI EN 319 102-1 5.3) of ``embedded``, reusing a
        remembered path of its signer, or remembering the path it validates."""
        from pyhanko.sign.ades.report import AdESPassed
        from pyhanko.sign.validation.policy_decl import LocalKnowledge
        from pyhanko_certvalidator.policy_decl import NonRevokedStatusAssertion

        async def validate(spec):
            return await basic_validation(embedded, spec, timing_info)

        key = _key(embedded)
        known = self._paths.get(key)
        moment = timing_info.validation_time
        if known is not None and moment < known.fresh_until:
            assertion = NonRevokedStatusAssertion(cert_sha256=key[0], at=known.fresh_until)
            result = await validate(dataclasses.replace(
                signature_spec, local_knowledge=LocalKnowledge(nonrevoked_assertions=[assertion])))
            if _path_of(result) == known.certificates:
                self.reused += 1
                return result
            self.rechecked += 1
            return await validate(signature_spec)
        failures = self._fetchers.failure_count()
        result = await validate(signature_spec)
        fresh_until = self._fetchers.fresh_until()
        path = _path_of(result)
        if result.ades_subindic is AdESPassed.OK and path and fresh_until is not None \
                and moment < fresh_until and self._fetchers.failure_count() == failures:
            self._paths[key] = _Path(path, fresh_until)
            self.recorded += 1
        return result


async def basic_validation(embedded, signature_spec, timing_info):
    """pyHanko's basic validation of ``embedded`` with a ``SignatureValidationSpec``."""
    from pyhanko.sign.validation.ades import ades_basic_validation

    return await ades_basic_validation(embedded.signed_data, signature_spec,
                                       timing_info=timing_info,
                                       raw_digest=embedded.compute_digest())


def _key(embedded) -> tuple[bytes, frozenset[bytes]]:
    carried = frozenset(choice.chosen.sha256 for choice in embedded.signed_data["certificates"]
                        if choice.name == "certificate")
    return embedded.signer_cert.sha256, carried


def _path_of(result) -> tuple[bytes, ...]:
    status = result.api_status
    if status is None or status.validation_path is None:
        return ()
    return tuple(cert.sha256 for cert in status.validation_path.iter_certs(include_root=True))
