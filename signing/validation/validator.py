"""Validation of every signature in PDF files (kiểm tra chữ ký số), as ETSI EN 319 102-1 results.

API::

    from signing.validation.validator import ValidationSettings, RevocationMode, Validator,
    validate_paths

    settings = ValidationSettings.from_paths(
        trust=[Path("roots/")],                 # PEM/DER files or folders the user names
        timestamp_trust=None,                   # separate TSA anchors; None = same as trust
        revocation=RevocationMode.REQUIRE,      # require | soft | offline (embedded data only)
        at=None,                                # validate as of a past moment (aware datetime)
    )
    results = validate_paths([Path("in/")], settings)          # sync, for the CLI
    async with Validator(settings) as validator:               # async, for the web layer
        file_result = await validator.async_validate_file(Path("a.pdf"))
        file_result = await validator.async_validate_bytes(data, name="upload.pdf")

One :class:`Validator` shares its network fetchers (and their OCSP/CRL/certificate caches)
across every file it sees, so a batch fetches each revocation answer once, and reuses the
certificate paths it has validated (:mod:`signing.validation.cache`). Results are
:class:`signing.validation.results.FileResult`; unusable input gives ``FileResult.error``, never an
exception. Each signature goes through the ETSI EN 319 102-1 process that fits it, run by
pyHanko (:mod:`signing.validation.pyhanko_bridge`): validation with time for a
time-stamped signature, basic validation at the validation time otherwise, and long-term
validation with document time-stamps when that does not pass. Findings come as codes with parameters
(:class:`signing.validation.results.Problem`), worded in English in ``problems``.
The kind of change made after a signature comes from pyHanko's difference analysis: a signature
followed by changes of kind ``OTHER`` (page content, replaced objects, a filled field changed)
is INDETERMINATE / SIG_CONSTRAINTS_FAILURE; a byte range leaving part of its revision unsigned
is TOTAL-FAILED / FORMAT_FAILURE.

``settings.validation_context()`` gives an equivalent pyHanko ValidationContext for code that
adds validation data or time-stamps (augmentation to B-LT/B-LTA).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from asn1crypto import x509

from signing.errors import SigningError
from signing.validation.results import FileResult, SignatureResult

#: files validated with one set of fetchers (one cache, one fetch budget) before a fresh one
_FILES_PER_FETCHER_SET = 200


class RevocationMode(StrEnum):
    #: every certificate must have fresh OCSP/CRL (embedded or fetched)
    REQUIRE = "require"
    #: check when the certificate names a service; unreachable services are tolerated
    SOFT = "soft"
    #: no network: only validation data embedded in the file (DSS, CMS)
    OFFLINE = "offline"


@dataclass(frozen=True)
class ValidationSettings:
    trust_roots: tuple[x509.Certificate, ...]
    timestamp_trust_roots: tuple[x509.Certificate, ...] | None = None
    revocation: RevocationMode = RevocationMode.REQUIRE
    at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.trust_roots:
            raise SigningError("no trust anchors: name at least one with --trust")
        if self.at is not None and self.at.utcoffset() is None:
            raise SigningError("the validation time needs a time zone, e.g. 2026-01-01T00:00+07:00")

    @classmethod
    def from_paths(cls, trust: Iterable[Path], timestamp_trust: Iterable[Path] | None = None,
                   revocation: RevocationMode | str = RevocationMode.REQUIRE,
                   at: datetime | None = None) -> ValidationSettings:
        return cls(
            trust_roots=load_certificates(list(trust)),
            timestamp_trust_roots=(None if timestamp_trust is None
                                   else load_certificates(list(timestamp_trust))),
            revocation=RevocationMode(revocation),
            at=at,
        )

    # -- pyHanko views of these settings ---------------------------------------------------

    def _policy(self, roots: tuple[x509.Certificate, ...]):
        from pyhanko_certvalidator.context import CertValidationPolicySpec
        from pyhanko_certvalidator.policy_decl import (
            CertRevTrustPolicy,
            RevocationCheckingPolicy,
            RevocationCheckingRule,
        )
        from pyhanko_certvalidator.registry import SimpleTrustManager

        rule = {
            RevocationMode.REQUIRE: RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
            RevocationMode.SOFT: RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
            RevocationMode.OFFLINE: RevocationCheckingRule.CHECK_IF_DECLARED,
        }[self.revocation]
        return CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=roots),
            revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(
                ee_certificate_rule=rule, intermediate_ca_cert_rule=rule)),
        )

    def signature_validation_spec(self, fetcher_backend=None):
        """pyHanko ``SignatureValidationSpec``; pass a backend to share fetch caches."""
        from pyhanko.sign.validation.policy_decl import (
            RevinfoOnlineFetchingRule,
            RevocationInfoGatheringSpec,
            SignatureValidationSpec,
        )

        fetching = (RevinfoOnlineFetchingRule.LOCAL_ONLY
                    if self.revocation is RevocationMode.OFFLINE
                    else RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH)
        return SignatureValidationSpec(
            cert_validation_policy=self._policy(self.trust_roots),
            ts_cert_validation_policy=(None if self.timestamp_trust_roots is None
                                       else self._policy(self.timestamp_trust_roots)),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=fetching, fetcher_backend=fetcher_backend),
        )

    def timing_info(self):
        from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

        if self.at is None:
            return ValidationTimingInfo.now()
        return ValidationTimingInfo(validation_time=self.at, best_signature_time=self.at,
                                    point_in_time_validation=True)

    def validation_context(self, timestamps: bool = False):
        """A pyHanko ValidationContext with these anchors (TSA anchors if ``timestamps``)."""
        from pyhanko_certvalidator import ValidationContext

        roots = self.trust_roots
        if timestamps and self.timestamp_trust_roots is not None:
            roots = self.timestamp_trust_roots
        offline = self.revocation is RevocationMode.OFFLINE
        return ValidationContext(
            trust_roots=list(roots),
            allow_fetching=not offline and self.at is None,
            moment=self.at,
            revocation_mode="soft-fail" if self.revocation is RevocationMode.SOFT else "require",
            crls=[] if offline or self.at is not None else None,
            ocsps=[] if offline or self.at is not None else None,
        )


def load_certificates(paths: list[Path]) -> tuple[x509.Certificate, ...]:
    """Certificates from PEM/DER files, and from every ``*.pem``/``*.crt``/``*.cer``/``*.der``
    under the named directories. A path naming no certificate is an error."""
    from asn1crypto import pem

    found: list[x509.Certificate] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file()
                           and p.suffix.lower() in (".pem", ".crt", ".cer", ".der"))
        elif path.is_file():
            files = [path]
        else:
            raise SigningError(f"trust anchor not found: {path}")
        before = len(found)
        for file in files:
            data = file.read_bytes()
            try:
                if pem.detect(data):
                    certs = [x509.Certificate.load(der) for kind, _, der in
                             pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
                else:
                    certs = [x509.Certificate.load(data)]
                for cert in certs:
                    cert.subject.native  # noqa: B018 - parse now, to fail here and not later
            except ValueError:
                raise SigningError(f"not a certificate file: {file}") from None
            found.extend(certs)
        if len(found) == before:
            raise SigningError(f"no certificate in {path}")
    return tuple(found)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as named, and every ``*.pdf`` under named directories (recursively, sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() == ".pdf"))
        else:
            files.append(path)
    return files


class Validator:
    """Validates files with one set of settings, sharing fetch caches across files.

    Use as ``async with Validator(settings) as v:``; runs in one event loop."""

    def __init__(self, settings: ValidationSettings) -> None:
        self.settings = settings
        self._backend = None
        self._spec = None
        self._files_seen = 0
        #: validated certificate paths reused across files (None when nothing may be reused)
        self.paths = None
        #: certificates parsed once for every file carrying them
        self._certificates = None

    async def __aenter__(self) -> Validator:
        from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec

        from signing.validation.cache import Certificates, SharedFetcherBackend, ValidatedPaths
        from signing.validation.pyhanko_bridge import hub_diff_policy

        self._backend = SharedFetcherBackend() if self.settings.revocation is not \
            RevocationMode.OFFLINE else None
        # paths are reused only when every file's revocation data is the shared, fetched one
        # (see signing.validation.cache for why that keeps verdicts unchanged)
        if self.settings.revocation in (RevocationMode.REQUIRE, RevocationMode.SOFT) \
                and self.settings.at is None:
            self.paths = ValidatedPaths(self._backend)
        self._certificates = Certificates()
        self._spec = PdfSignatureValidationSpec(
            signature_validation_spec=self.settings.signature_validation_spec(self._backend),
            diff_policy=hub_diff_policy(),
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._backend is not None:
            await self._backend.close()
            self._backend = None

    def fetch_failures_since(self, count: int) -> tuple[int, list[str]]:
        """How many OCSP/CRL fetches failed so far, and the ones after the first ``count``
        (one line each, naming the service and what happened)."""
        return (0, []) if self._backend is None else self._backend.failures_since(count)

    async def async_validate_file(self, path: Path) -> FileResult:
        self._files_seen += 1
        if self._backend is not None and self._files_seen % _FILES_PER_FETCHER_SET == 0:
            self._backend.renew()
            if self.paths is not None:
                self.paths.forget()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return FileResult(path=str(path), error="file not found")
        except IsADirectoryError:
            return FileResult(path=str(path), error="is a directory")
        except OSError as exc:
            return FileResult(path=str(path), error=f"cannot read: {exc.strerror}")
        return await self.async_validate_bytes(data, name=str(path))

    async def async_validate_bytes(self, data: bytes, name: str = "<bytes>") -> FileResult:
        from signing.validation import pyhanko_bridge as validation_pyhanko

        if self._spec is None:
            raise RuntimeError("use Validator inside `async with`")
        try:
            reader = validation_pyhanko.open_reader(data)
        except SigningError as exc:
            return FileResult(path=name, error=str(exc))
        signatures = []
        for embedded in validation_pyhanko.regular_signatures(reader,
                                                                 self._certificates):
            if isinstance(embedded, SignatureResult):  # container too broken to validate
                signatures.append(embedded)
                continue
            signatures.append(await validation_pyhanko.validate_signature(
                embedded, self._spec, self.settings.timing_info(), self.paths))
        return FileResult(path=name, signatures=tuple(signatures))


async def async_validate_paths(paths: Iterable[Path], settings: ValidationSettings,
                               progress: Callable[[FileResult], None] | None = None,
                               ) -> list[FileResult]:
    """Validate files and directories (recursively) with one shared :class:`Validator`."""
    results = []
    async with Validator(settings) as validator:
        for path in expand_paths(paths):
            result = await validator.async_validate_file(path)
            results.append(result)
            if progress is not None:
                progress(result)
    return results


def validate_paths(paths: Iterable[Path], settings: ValidationSettings,
                   progress: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Synchronous :func:`async_validate_paths`."""
    return asyncio.run(async_validate_paths(paths, settings, progress))

