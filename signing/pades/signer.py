"""PAdES signing (ký số PAdES): levels B-B, B-T, B-LT and B-LTA, sub-filter ETSI.CAdES.detached,
SHA-256, RSA or ECDSA keys from :mod:`signing.pades.keys`.

API (other packages build on this; everything pyHanko-specific stays behind it)::

    from signing.pades.keys import open_key, Pkcs12Source
    from signing.pades.signer import PadesSigner, SignatureOptions, open_writer
    from signing.validation.results import PadesLevel
    from signing.validation.validator import load_certificates

    options = SignatureOptions(level=PadesLevel.B_LTA, tsa_url=pki.tsa_url,
                               trust_roots=load_certificates([pub_root_pem]))
    with open_key(Pkcs12Source(path)) as key:
        signer = PadesSigner(key, options)
        signer.sign_file(Path("in.pdf"), Path("out.pdf"))            # sync, for the CLI
        out = await signer.async_sign_bytes(pdf_bytes)               # async, for the web layer
        # Decree 30 work (appearance, form filling) goes into an already-open writer, so the
        # filled fields and the signature land in the same incremental update:
        writer = open_writer(pdf_bytes)
        ...fill fields on writer...
        stream = await signer.async_sign_writer(writer, field_name="Sig_leader",
                                                stamp_style=style, field_spec=spec)
    # Split signing (the hub prepares, the leader's token signs elsewhere): pyHanko's
    # interrupted signing on ``PadesSigner(external_key(cert, chain), options).pdf_signer()``
    # (``async_digest_doc_for_signing``), then ``external_key(cert, chain, signature_value)``
    # to build the CMS and ``PdfTBSDocument.async_finish_signing``; see
    # tests/signing/test_split_signing.py. ``signature_metadata()`` and ``timestamper`` give
    # the same settings as the one-shot path.

Before the first signature, :meth:`PadesSigner.async_check_certificate` refuses a key or
digest under the rules of :mod:`signing.crypto_rules` (RSA under 2048 bits, ECDSA under 256,
SHA-1), and a signer certificate that is expired, not yet valid or revoked (checked online,
OCSP or CRL, against the root found with the key plus ``options.trust_roots``); the answer is
kept for the signer's lifetime, so a batch checks once. RSA keys sign RSASSA-PSS unless
``options.rsa_padding`` asks for PKCS#1 v1.5. An outside service (TSA, OCSP, CRL) that is
unreachable, slower than ``options.service_timeout`` or answers an error stops signing with a
:class:`signing.errors.ServiceError` naming it; with ``options.revocation="soft"`` a signer's
revocation status that cannot be fetched is tolerated and said in a notice.

Notices (one line each: a token signing PKCS#1 v1.5 for want of PSS, a revocation status
tolerated as unknown) go to the ``edochub.notices`` logger; the command prints them on stderr.
The container size is estimated once (by a dry-run signature) and reused, instead of signing
every document twice.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from asn1crypto import x509

from signing.crypto_rules import (
    RULES_NAME,
    RsaPadding,
    check_signing_algorithms,
    digest_weakness,
    use_rsa_padding,
)
from signing.errors import (
    DEFAULT_SERVICE_TIMEOUT,
    BadInputError,
    CertificateNotUsableError,
    CryptoRuleError,
    KeySourceError,
    Missing,
    SigningError,
)
from signing.pades.keys import SigningKey
from signing.pdf_input import check_pdf_bytes
from signing.validation.results import PadesLevel

if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
    from pyhanko.sign.timestamps import TimeStamper
    from pyhanko_certvalidator import ValidationContext

    from signing.services import WatchedFetcherBackend

_Result = TypeVar("_Result")

#: Room kept on top of the first estimate, for time-stamp tokens of varying size.
_RESERVE_MARGIN = 2048
REVOCATION_CHECKS = ("require", "soft")
notices = logging.getLogger("edochub.notices")


@dataclass(frozen=True)
class SignatureOptions:
    level: PadesLevel = PadesLevel.B_B
    #: RFC 3161 time-stamping authority; required from B-T up
    tsa_url: str | None = None
    #: signature field to fill or create; None = a new field with a generated name
    field_name: str | None = None
    reason: str | None = None
    location: str | None = None
    #: extra trust anchors for the checks made while signing (e.g. the TSA's root for B-LT);
    #: the self-signed root that comes with the key is used too when ``trust_key_root``
    trust_roots: tuple[x509.Certificate, ...] = ()
    #: whether a self-signed certificate that comes with the key is a trust anchor: yes for
    #: a key file of one's own; no for a certificate a caller sent (split signing on a hub),
    #: which must then chain to ``trust_roots``
    trust_key_root: bool = True
    #: RSA signatures: RSASSA-PSS (default) or PKCS#1 v1.5 for relying parties needing it
    rsa_padding: RsaPadding = RsaPadding.PSS
    digest_algorithm: str = "sha256"
    #: the signer's revocation status before signing: ``require`` it, or ``soft``: sign
    #: (saying so) when it cannot be fetched
    revocation: str = "require"
    #: seconds one request to a TSA, OCSP or CRL service may take
    service_timeout: float = DEFAULT_SERVICE_TIMEOUT

    def __post_init__(self) -> None:
        if self.level is not PadesLevel.B_B and not self.tsa_url:
            raise SigningError(f"level {self.level.value} needs a time-stamping service (--tsa)")
        reason = digest_weakness(self.digest_algorithm)
        if reason is not None:
            raise CryptoRuleError(f"refusing to sign: {reason} ({RULES_NAME})")
        if self.revocation not in REVOCATION_CHECKS:
            raise SigningError(f"revocation check {self.revocation!r}: expected require or soft")
        if not self.service_timeout > 0:
            raise SigningError("the service time limit must be a positive number of seconds")


def open_writer(data: bytes, reader: PdfFileReader | None = None) -> IncrementalPdfFileWriter:
    """An incremental writer on ``data`` (``reader``: one already open on ``data``, whose
    objects read so far are then not read again); unusable input becomes
    :class:`BadInputError`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    check_pdf_bytes(data)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False) if reader is None \
            else IncrementalPdfFileWriter.from_reader(reader)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise BadInputError(f"unreadable PDF: {_one_line(exc)}") from None
    if writer.prev.encrypted:
        raise BadInputError("the PDF is encrypted; decrypt it before signing")
    return writer


class PadesSigner:
    """Signs documents with one key and one set of options; reuse it for a whole batch.

    Not thread-safe; use one per worker. Its async methods must run in one event loop.
    """

    def __init__(self, key: SigningKey, options: SignatureOptions) -> None:
        self.key = key
        self.options = options
        self._checked = False
        self._bytes_reserved: int | None = None
        self._validation_context: ValidationContext | None = None
        self._fetches: WatchedFetcherBackend | None = None
        self.timestamper: TimeStamper | None = None
        if options.tsa_url and options.level is not PadesLevel.B_B:
            from signing.services import TimeStamper

            self.timestamper = TimeStamper(options.tsa_url, options.service_timeout)
        notice = use_rsa_padding(key.signer, options.rsa_padding, options.digest_algorithm,
                                 key.pss_digests)
        if notice is not None:
            notices.warning(notice)

    # -- settings shared by the one-shot and the split (interrupted) paths ------------------

    @property
    def validation_context(self) -> ValidationContext:
        """The pyHanko ValidationContext used for the pre-sign check and B-LT data."""
        if self._validation_context is None:
            from pyhanko_certvalidator import ValidationContext

            from signing.services import WatchedFetcherBackend

            roots = [c for c in (self.key.certificate, *self.key.chain)
                     if c.self_signed != "no" and self.options.trust_key_root]
            self._fetches = WatchedFetcherBackend(self.options.service_timeout)
            self._validation_context = ValidationContext(
                trust_roots=[*roots, *self.options.trust_roots],
                other_certs=list(self.key.chain),
                allow_fetching=True,
                revocation_mode="soft-fail" if self.options.revocation == "soft" else "require",
                fetcher_backend=self._fetches,
            )
        return self._validation_context

    def signature_metadata(self, field_name: str | None = None) -> PdfSignatureMetadata:
        from pyhanko.sign.fields import SigSeedSubFilter
        from pyhanko.sign.signers import PdfSignatureMetadata
        from pyhanko.sign.signers.pdf_signer import (
            DSSContentSettings,
            SigDSSPlacementPreference,
            TimestampDSSContentSettings,
        )

        level = self.options.level
        long_term = level in (PadesLevel.B_LT, PadesLevel.B_LTA)
        return PdfSignatureMetadata(
            field_name=field_name or self.options.field_name,
            md_algorithm=self.options.digest_algorithm,
            subfilter=SigSeedSubFilter.PADES,
            reason=self.options.reason,
            location=self.options.location,
            embed_validation_info=long_term,
            use_pades_lta=level is PadesLevel.B_LTA,
            validation_context=self.validation_context if long_term else None,
            signer_key_usage={"non_repudiation"},
            # validation data in the signature's own revision (B-LT in one revision, the
            # signature covers the whole file) and, for B-LTA, the TSA's data before the
            # document time-stamp, which then covers everything; no legacy VRI entries
            dss_settings=DSSContentSettings(
                include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                next_ts_settings=TimestampDSSContentSettings(include_vri=False,
                                                             update_before_ts=True)),
        )

    def pdf_signer(self, *, field_name: str | None = None, stamp_style: Any = None,
                   field_spec: Any = None) -> PdfSigner:
        """A pyHanko ``PdfSigner`` with this signer's key, level and time-stamper.

        ``stamp_style`` is a pyHanko stamp style (e.g. ``TextStampStyle``); ``field_spec`` a
        ``SigFieldSpec`` for a new visible field (its name must equal ``field_name``)."""
        from pyhanko.sign.signers import PdfSigner

        from signing.upstream_asn1 import complete_name_tables

        complete_name_tables()  # the attribute names pyHanko signs with, whatever came first
        if field_spec is not None:
            field_name = field_name or field_spec.sig_field_name
        return PdfSigner(
            self.signature_metadata(field_name), self.key.signer,
            timestamper=self.timestamper, stamp_style=stamp_style, new_field_spec=field_spec,
        )

    # -- checks ----------------------------------------------------------------------------

    async def async_check_certificate(self, at: datetime | None = None) -> None:
        """Raise :class:`CertificateNotUsableError` unless the signer's certificate may sign
        now: within its validity period, chained to a known root and not revoked."""
        if self._checked:
            return
        from pyhanko_certvalidator import CertificateValidator
        from pyhanko_certvalidator import errors as cv_errors

        moment = at or datetime.now(UTC)
        cert = self.key.certificate
        who = _common_name(cert)
        check_signing_algorithms(cert, self.options.digest_algorithm)
        if moment < cert.not_valid_before:
            raise CertificateNotUsableError(
                f"certificate of {who} is not valid before {cert.not_valid_before:%Y-%m-%d}")
        if moment > cert.not_valid_after:
            raise CertificateNotUsableError(
                f"certificate of {who} expired on {cert.not_valid_after:%Y-%m-%d}")
        validator = CertificateValidator(
            cert, intermediate_certs=list(self.key.chain),
            validation_context=self.validation_context,
        )
        try:
            await validator.async_validate_usage(set())
        except cv_errors.RevokedError as exc:
            raise CertificateNotUsableError(
                f"certificate of {who} is revoked: {_one_line(exc)}") from None
        except cv_errors.PathBuildingError:
            self._raise_service_error(who)
            raise CertificateNotUsableError(
                f"certificate of {who} does not chain to a trusted root",
                missing=Missing.TRUST_ROOT) from None
        except (cv_errors.PathValidationError, cv_errors.ValidationError) as exc:
            self._raise_service_error(who)
            raise CertificateNotUsableError(
                f"certificate of {who} cannot be used: {_one_line(exc)}") from None
        fetches = self._fetches  # set with the validation context used above
        if fetches is not None and fetches.failures:  # tolerated: revocation="soft"
            notices.warning(f"signing without the revocation status of {who}'s certificate: "
                            + "; ".join(dict.fromkeys(map(str, fetches.failures))))
            fetches.failures.clear()
        self._checked = True

    def _raise_service_error(self, who: str) -> None:
        """Raise the :class:`ServiceError` behind a failed check, if a service failed."""
        fetches = self._fetches
        if fetches is None:
            return
        error = fetches.service_error(f"{who}'s certificate")
        if error is not None:
            fetches.failures.clear()
            raise error from None

    # -- signing ---------------------------------------------------------------------------

    async def async_sign_writer(self, writer: IncrementalPdfFileWriter,
                                output: IO[bytes] | None = None, *,
                                field_name: str | None = None, stamp_style: Any = None,
                                field_spec: Any = None,
                                appearance_text_params: dict[str, str] | None = None,
                                ) -> IO[bytes]:
        """Sign into an open ``IncrementalPdfFileWriter`` (changes already made on it land in
        the same incremental update); returns the output stream holding the signed PDF."""
        from pyhanko.pdf_utils.misc import PdfError
        from pyhanko.sign.general import SigningError as PyHankoSigningError

        await self.async_check_certificate()
        if field_spec is None:
            field_name = field_name or self.options.field_name or _free_field_name(writer)
        pdf_signer = self.pdf_signer(field_name=field_name, stamp_style=stamp_style,
                                     field_spec=field_spec)
        try:
            if self._bytes_reserved is None:
                self._bytes_reserved = await self._estimate_size()
            return await pdf_signer.async_sign_pdf(
                writer, bytes_reserved=self._bytes_reserved, output=output,
                appearance_text_params=appearance_text_params,
            )
        except (PyHankoSigningError, PdfError) as exc:
            self._raise_service_error("a certificate")
            raise SigningError(f"signing failed: {_one_line(exc)}") from None
        except self.key.backend_errors as exc:
            where = self.key.source.describe() if self.key.source else "external key"
            raise KeySourceError(
                f"the key refused to sign ({where}): "
                f"{type(exc).__name__} {_one_line(exc)}".strip()) from None

    async def _estimate_size(self) -> int:
        """Size the signature container once, by a dry-run signature of an empty digest."""
        import hashlib

        from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

        digest = self.options.digest_algorithm
        probe = await self.key.signer.async_sign(
            hashlib.new(digest).digest(), digest, use_pades=True, dry_run=True,
            timestamper=self.timestamper,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(UTC)),
        )
        # hex-encoded in /Contents, hence twice the DER length
        return 2 * len(probe.dump()) + _RESERVE_MARGIN

    async def async_sign_bytes(self, data: bytes, **kwargs: Any) -> bytes:
        """Sign a whole PDF given as bytes; keyword arguments as :meth:`async_sign_writer`."""
        output = await self.async_sign_writer(open_writer(data), **kwargs)
        # without an ``output`` stream pyHanko writes into a fresh BytesIO
        return cast(io.BytesIO, output).getvalue()

    async def async_sign_file(self, source: Path, target: Path, **kwargs: Any) -> None:
        data = read_pdf(source)
        signed = await self.async_sign_bytes(data, **kwargs)
        write_atomically(target, signed)

    def sign_file(self, source: Path, target: Path, **kwargs: Any) -> None:
        """Synchronous :meth:`async_sign_file` (one event loop per call)."""
        asyncio.run(self._release_after(self.async_sign_file(source, target, **kwargs)))

    async def _release_after(self, coro: Coroutine[Any, Any, _Result]) -> _Result:
        try:
            return await coro
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Release network sessions (bound to the running event loop)."""
        if self._validation_context is not None:
            await self._validation_context.aclose()
            self._validation_context = None
        if self._fetches is not None:
            await self._fetches.close()
            self._fetches = None


def read_pdf(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise BadInputError(f"is a directory, not a PDF: {path}") from None
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from None


def write_atomically(target: Path, data: bytes) -> None:
    """Replace ``target`` (creating its folder) without a window where it is half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)


def _free_field_name(writer: IncrementalPdfFileWriter) -> str:
    from pyhanko.sign.fields import enumerate_sig_fields

    taken = {name for name, _, _ in enumerate_sig_fields(writer.prev)}
    return next(f"Signature{n}" for n in range(1, len(taken) + 2) if f"Signature{n}" not in taken)


def _common_name(cert: x509.Certificate) -> str:
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
