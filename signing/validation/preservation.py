"""Long-term preservation (lưu trữ dài hạn) of signed PDFs.

- :func:`augment` raises signatures to B-LT (validation data -- certificates, OCSP responses,
  CRLs -- in the document security store) or B-LTA (that, plus a document time-stamp with its
  own validation data), each in a new incremental revision, so every earlier signature stays
  intact and the change is of kind ``LTA_UPDATES``. A B-B signature first gets a document
  time-stamp as its proof of existence.
- :func:`due_for_renewal` / :func:`renew` keep B-LTA alive: a file whose latest time-stamp
  certificate expires within the margin gets fresh validation data for that time-stamp and a new
  document time-stamp over everything (ETSI EN 319 142-1, 5.5).
- :func:`outlook` answers the look-ahead: until when does the data a file holds carry its
  signatures? B-LT/B-LTA: until the certificate of its latest time-stamp expires (the proof of
  existence everything else rests on); B-B/B-T hold no validation data, so never by themselves.

Validation data is fetched online (OCSP, CRL) with the validator's settings. pyHanko types stay
in this module.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from signing.errors import DEFAULT_SERVICE_TIMEOUT, SigningError
from signing.validation.results import PadesLevel
from signing.validation.validator import ValidationSettings

EXTENDABLE = (PadesLevel.B_LT, PadesLevel.B_LTA)


@dataclass(frozen=True)
class LatestTimestamp:
    """The time-stamp a file's long-term validity currently rests on."""

    kind: str  # "document" (B-LTA) or "signature" (B-T/B-LT)
    time: datetime
    tsa: str
    tsa_not_after: datetime


def augment(data: bytes, level: PadesLevel, settings: ValidationSettings,
            tsa_url: str | None, service_timeout: float = DEFAULT_SERVICE_TIMEOUT) -> bytes:
    """The file with validation data for every signature (and its time-stamp) added and, for
    B-LTA, a document time-stamp from ``tsa_url`` on top.

    A B-B signature (no signature time-stamp, no document time-stamp after it) first gets its
    proof of existence from a document time-stamp (ETSI EN 319 142-1: B-T through a document
    time-stamp), so B-LT also needs ``tsa_url`` then. A B-B signature under a later document
    time-stamp (a Decree 30 leader signature under a B-LTA seal) already has that proof.
    A time-stamping service that is unreachable, slower than ``service_timeout`` seconds or
    answers an error raises :class:`signing.errors.ServiceError`."""
    from pyhanko.sign.validation import add_validation_info

    from signing.validation.pyhanko_bridge import later_document_timestamps

    if level not in EXTENDABLE:
        raise SigningError("augment extends to B-LT or B-LTA")
    if level is PadesLevel.B_LTA and not tsa_url:
        raise SigningError("B-LTA needs a time-stamping service (--tsa)")
    context = _validation_context(settings)
    reader = _reader(data)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        raise SigningError("the file holds no signature to extend")
    unproven = [e.field_name for e in signatures if _signature_timestamp(e) is None
                and not later_document_timestamps(e)]
    if unproven:
        if not tsa_url:
            raise SigningError(
                f"signature {unproven[0]} is B-B (no time-stamp): {level.value} needs a document "
                f"time-stamp as its proof of existence; name a time-stamping service (--tsa)")
        data = _document_timestamp(data, tsa_url, settings, service_timeout)
    for index in range(len(signatures)):
        embedded = _reader(data).embedded_regular_signatures[index]
        data = _translated(
            lambda e=embedded: add_validation_info(e, context, in_place=False).getvalue(),
            f"cannot gather validation data for {embedded.field_name}",
        )
    if level is PadesLevel.B_LTA:
        data = _document_timestamp(data, tsa_url, settings, service_timeout)
    return data


def latest_timestamp(data: bytes) -> LatestTimestamp | None:
    """The newest document time-stamp, else the newest signature time-stamp; None if none."""
    from pyhanko.sign.general import extract_certificate_info

    reader = _reader(data)
    doc_timestamps = reader.embedded_timestamp_signatures
    if doc_timestamps:
        token, kind = doc_timestamps[-1].signed_data, "document"
    else:
        tokens = [t for t in map(_signature_timestamp, reader.embedded_regular_signatures)
                  if t is not None]
        if not tokens:
            return None
        token, kind = max(tokens, key=_timestamp_time), "signature"
    cert = extract_certificate_info(token).signer_cert
    return LatestTimestamp(
        kind=kind, time=_timestamp_time(token),
        tsa=cert.subject.native.get("common_name") or cert.subject.human_friendly,
        tsa_not_after=_not_after(cert),
    )


@dataclass(frozen=True)
class Outlook:
    holds_until: datetime | None
    reason: str

    def covers(self, moment: datetime) -> bool:
        return self.holds_until is not None and self.holds_until > moment


def outlook(data: bytes, levels: list[PadesLevel | None]) -> Outlook:
    """Until when the file's own data carries signatures of the given (validated) levels."""
    if levels and all(level in EXTENDABLE for level in levels):
        latest = latest_timestamp(data)
        if latest is not None:
            return Outlook(latest.tsa_not_after,
                           f"its latest {latest.kind} time-stamp ({latest.tsa}) has a "
                           f"certificate valid until {latest.tsa_not_after:%Y-%m-%d}")
    return Outlook(None, "it holds no validation data of its own (B-B/B-T): it would depend "
                         "on online revocation checks; extend B-T files with `edochub augment`")


def due_for_renewal(data: bytes, now: datetime, margin: timedelta) -> LatestTimestamp | None:
    """The latest time-stamp when its certificate expires within ``margin`` of ``now``."""
    latest = latest_timestamp(data)
    if latest is None or latest.tsa_not_after - now > margin:
        return None
    return latest


def renew(data: bytes, settings: ValidationSettings, tsa_url: str,
          service_timeout: float = DEFAULT_SERVICE_TIMEOUT) -> bytes:
    """Validation data for the latest time-stamp plus a new document time-stamp (B-LTA)."""
    if not _reader(data).embedded_timestamp_signatures:
        # a B-T/B-LT file: its signatures' validation data first, then the first archive stamp
        return augment(data, PadesLevel.B_LTA, settings, tsa_url, service_timeout)
    from pyhanko.sign import signers

    from signing.services import TimeStamper

    stamper = signers.PdfTimeStamper(TimeStamper(tsa_url, service_timeout))
    context = _validation_context(settings, timestamps=True)
    return _translated(
        lambda: stamper.update_archival_timestamp_chain(
            _reader(data), context, in_place=False).getvalue(),
        "cannot renew the archive time-stamp",
    )


def _document_timestamp(data: bytes, tsa_url: str, settings: ValidationSettings,
                        service_timeout: float) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from signing.services import TimeStamper

    stamper = signers.PdfTimeStamper(TimeStamper(tsa_url, service_timeout))
    context = _validation_context(settings, timestamps=True)
    return _translated(
        lambda: stamper.timestamp_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data), strict=False), "sha256",
            validation_context=context, in_place=False).getvalue(),
        "cannot add the document time-stamp",
    )


def _validation_context(settings: ValidationSettings, timestamps: bool = False):
    """A fetching context trusting both the signature and the time-stamp anchors: validation
    data is gathered for signer and TSA chains alike."""
    roots = settings.trust_roots + (settings.timestamp_trust_roots or ())
    combined = dataclasses.replace(settings, trust_roots=roots, timestamp_trust_roots=None)
    return combined.validation_context(timestamps=timestamps)


def _reader(data: bytes):
    from signing.validation.pyhanko_bridge import open_reader

    return open_reader(data)


def _signature_timestamp(embedded):
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    return next(extract_tst_data_iter(embedded.signer_info, signed=False), None)


def _not_after(cert) -> datetime:
    return cert["tbs_certificate"]["validity"]["not_after"].native


def _timestamp_time(token) -> datetime:
    return token["encap_content_info"]["content"].parsed["gen_time"].native


def _translated(operation, what: str) -> bytes:
    """Run a pyHanko operation; its failures become one-line :class:`SigningError`s."""
    try:
        return operation()
    except SigningError:
        raise
    except Exception as exc:  # pyHanko/certvalidator/network raise many unrelated types
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise SigningError(f"{what}: {text}") from None
