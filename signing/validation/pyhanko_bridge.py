"""The pyHanko side of :mod:`signing.validation.validator`: open a PDF for validation, run
pyHanko's PAdES
long-term validation on one signature and translate its answer into
:class:`signing.validation.results.SignatureResult`. pyHanko types do not leave this module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import weakref
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asn1crypto import x509

from signing.crypto_rules import (
    RULES_EFFECTIVE,
    RULES_EFFECTIVE_DAY,
    KeyInfo,
    SignatureAlgorithm,
    describe_signature,
    weaknesses,
)
from signing.errors import BadInputError
from signing.pdf_input import check_pdf_bytes
from signing.validation import upstream, upstream_paths
from signing.validation.problems import Problem, ProblemCode
from signing.validation.results import (
    Coverage,
    Indication,
    ModificationLevel,
    PadesLevel,
    SignatureResult,
    Signer,
    SubIndication,
    TimestampKind,
)
from signing.validation.roles import role_of

if TYPE_CHECKING:
    from asn1crypto import ocsp
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESSubIndic
    from pyhanko.sign.diff_analysis import FormUpdate, StandardDiffPolicy
    from pyhanko.sign.diff_analysis import ModificationLevel as PdfChange
    from pyhanko.sign.diff_analysis.form_rules_api import (
        FieldComparisonContext,
        FieldComparisonSpec,
    )
    from pyhanko.sign.validation.ades import AdESBasicValidationResult
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec
    from pyhanko.sign.validation.status import StandardCMSSignatureStatus
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.path import ValidationPath

    from signing.validation.cache import Certificates, ValidatedPaths

_INDICATION = {"PASSED": Indication.TOTAL_PASSED, "INDETERMINATE": Indication.INDETERMINATE,
               "FAILED": Indication.TOTAL_FAILED}



#: the trailer's last lines: ``startxref``, the offset, ``%%EOF`` (ISO 32000-1 7.5.5)
_STARTXREF = re.compile(rb"startxref\s+(\d{1,15})\s+%%EOF\s*$")
_TAIL = 1024
_WHITESPACE = b"\x00\t\n\x0c\r "


def check_trailer(data: bytes) -> None:
    """Refuse, in constant time, what would make pyHanko's tolerant reader scan the file byte
    by byte (a 128 MiB run of whitespace costs it 75 s): no ``startxref`` in the last KiB, or
    an offset that points outside the file or into a run of whitespace."""
    found = _STARTXREF.search(data[-_TAIL:])
    if found is None:
        raise BadInputError("unreadable PDF: no startxref at the end of the file")
    offset = int(found.group(1))
    if offset >= len(data):
        raise BadInputError("unreadable PDF: startxref points beyond the end of the file")
    if not data[offset:offset + _TAIL].strip(_WHITESPACE):
        raise BadInputError("unreadable PDF: startxref points at a run of whitespace")


def open_reader(data: bytes) -> PdfFileReader:
    """A pyHanko reader on ``data``; unusable input raises :class:`BadInputError`."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    upstream.install_speedups()
    check_pdf_bytes(data)
    check_trailer(data)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise BadInputError("the PDF is encrypted and no password was given")
        # walks the form fields (fails on a broken file); kept on the reader itself: the
        # fields refer to their reader, so a weak-keyed map would keep every reader alive
        setattr(reader, _FIELDS, _signature_fields(reader))
    except BadInputError:
        raise
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError,
            AssertionError) as exc:  # pyHanko asserts on some structures (found by fuzzing)
        raise BadInputError(f"unreadable or truncated PDF: {_one_line(exc)}") from None
    return reader


def _signature_fields(reader: PdfFileReader) -> list[Any]:  # (name, value, field reference)
    from pyhanko.sign.fields import enumerate_sig_fields

    return list(enumerate_sig_fields(reader, filled_status=True))


#: the attribute holding the signature fields of a reader, as :func:`open_reader` found them
_FIELDS = "_edochub_signature_fields"
#: readers whose every signature field :func:`regular_signatures` read, none of them a
#: document time-stamp: pyHanko's list of their document time-stamps is empty
_without_document_timestamps: weakref.WeakSet[PdfFileReader] = weakref.WeakSet()


def regular_signatures(reader: PdfFileReader, certificates: Certificates | None = None,
                       ) -> list[EmbeddedPdfSignature | SignatureResult]:
    """The file's ``/Sig`` signatures in signing order, as pyHanko ``EmbeddedPdfSignature``s;
    a field whose signature container cannot even be parsed (empty, zeroed or malformed
    ``/Contents``) comes back as a TOTAL-FAILED/FORMAT_FAILURE :class:`SignatureResult`, so a
    forged signature is reported as a failed signature, not as an unreadable file. With
    ``certificates``, the signatures share the certificate objects parsed for earlier files."""
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    embedded: list[EmbeddedPdfSignature] = []
    broken: list[SignatureResult] = []
    fields: list[Any] | None = getattr(reader, _FIELDS, None)
    timestamps = False
    for name, sig_object, field_ref in _signature_fields(reader) if fields is None else fields:
        if sig_object.get_object().get("/Type") == "/DocTimeStamp":
            timestamps = True
            continue
        try:
            signature = EmbeddedPdfSignature(reader, field_ref, name)
            if certificates is not None:
                certificates.share(signature.signed_data)
            embedded.append(signature)
        except Exception as exc:  # asn1crypto/pyHanko raise many types on hostile content
            broken.append(_failed(str(name), None, Problem.of(
                ProblemCode.CONTAINER_UNREADABLE, detail=_one_line(exc))))
    if not timestamps and not broken:
        _without_document_timestamps.add(reader)
    embedded.sort(key=lambda sig: sig.signed_revision)
    return [sig for sig in embedded if sig.sig_object_type == "/Sig"] + broken


def hub_diff_policy() -> StandardDiffPolicy:
    """pyHanko's default difference policy, except that a form field which already had a value
    when a signature was made may not change afterwards: the signer saw that value, so changing
    it (the "replace" shadow attack) is a change of kind OTHER. Filling empty fields and adding
    signatures stay FORM_FILLING."""
    from pyhanko.sign.diff_analysis import (
        DEFAULT_DIFF_POLICY,
        FormUpdatingRule,
        GenericFieldModificationRule,
        SigFieldCreationRule,
        SigFieldModificationRule,
        StandardDiffPolicy,
    )

    class FilledFieldsLocked(GenericFieldModificationRule):
        def check_form_field(self, fq_name: str, spec: FieldComparisonSpec,
                             context: FieldComparisonContext,
                             ) -> Iterator[tuple[PdfChange, FormUpdate]]:
            old = spec.old_field
            if old is not None and old.get("/V") not in (None, ""):
                return
            yield from super().check_form_field(fq_name, spec, context)

    return StandardDiffPolicy(
        global_rules=DEFAULT_DIFF_POLICY.global_rules,
        form_rule=FormUpdatingRule(field_rules=[
            SigFieldCreationRule(), SigFieldModificationRule(), FilledFieldsLocked(),
        ]),
    )


async def validate_signature(embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec,
                             timing_info: ValidationTimingInfo,
                             paths: ValidatedPaths | None = None) -> SignatureResult:
    """Validate one ``EmbeddedPdfSignature`` with a ``PdfSignatureValidationSpec``, reusing
    and remembering validated certificate paths in ``paths`` when given."""
    field = str(embedded.field_name)  # a plain string: pyHanko's pickles with 20 KiB of baggage
    signer = None
    with contextlib.suppress(ValueError, KeyError, TypeError):
        signer = _signer(embedded.signer_cert)
    try:
        embedded.compute_integrity_info(diff_policy=spec.diff_policy)
    except Exception as exc:  # pyHanko raises many types for hostile byte ranges/structures
        return _failed(field, signer, Problem.of(ProblemCode.STRUCTURE_REJECTED,
                                                 detail=_one_line(exc)))
    try:
        # (a scope of its own, where pyHanko's validation objects are gathered only if read:
        # signing.validation.upstream_paths; remembered paths open theirs inside)
        with upstream_paths.scoped(upstream_paths.Slot()):
            result, best_time, document_proof = await _run_ades(embedded, spec, timing_info,
                                                                 paths)
    except Exception as exc:  # same: malformed CMS content and the like
        return _failed(field, signer, Problem.of(ProblemCode.NOT_PROCESSABLE,
                                                 detail=_one_line(exc)))

    status = result.api_status
    coverage, modification = _integrity(embedded)
    indication, sub, problems = _verdict(result, best_time, embedded.signer_cert)
    if coverage is Coverage.PARTIAL and indication is not Indication.TOTAL_FAILED:
        # the byte range leaves part of its revision unsigned (signature wrapping): the
        # signature is malformed whatever its cryptography says
        indication, sub = Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE
        problems.append(Problem.of(ProblemCode.BYTE_RANGE_PARTIAL))
    if indication is Indication.TOTAL_PASSED and modification is ModificationLevel.OTHER:
        indication, sub = Indication.INDETERMINATE, SubIndication.SIG_CONSTRAINTS_FAILURE
        problems.append(Problem.of(ProblemCode.CHANGED_AFTER_SIGNING))
    timestamp_time = _validated_timestamp_time(status)
    timestamp_kind = TimestampKind.SIGNATURE if timestamp_time is not None else None
    if timestamp_time is None and document_proof is not None:
        timestamp_time, timestamp_kind = document_proof, TimestampKind.DOCUMENT
    level = _level(embedded)
    if indication is Indication.TOTAL_PASSED and level is not PadesLevel.B_B \
            and timestamp_time is None:
        problems.append(Problem.of(ProblemCode.TIMESTAMP_NOT_VALIDATED))
        level = PadesLevel.B_B
    algorithm, key = describe_signature(embedded.signer_info, embedded.signer_cert)
    indication, sub = _crypto_rules(algorithm, key, indication, sub, problems,
                                    timestamp_time, timing_info.validation_time)
    return SignatureResult(
        field=field, indication=indication, sub_indication=sub, signer=signer,
        signing_time=(status.signer_reported_dt if status is not None else None)
        or embedded.self_reported_timestamp,
        timestamp_time=timestamp_time, timestamp_kind=timestamp_kind, level=level,
        coverage=coverage, modification_level=modification,
        trust_anchor=None if status is None else _trust_anchor_name(status.validation_path),
        role=role_of(embedded.signer_info), findings=tuple(problems),
        algorithm=algorithm, key=key,
    )


_RULE_FINDINGS = {"rsa-pkcs1v15": ProblemCode.RSA_PKCS1V15, "weak-key": ProblemCode.WEAK_KEY,
                  "weak-digest": ProblemCode.WEAK_DIGEST}


def _crypto_rules(algorithm: SignatureAlgorithm | None, key: KeyInfo | None,
                  indication: Indication, sub: SubIndication | None, problems: list[Problem],
                  proof: datetime | None, validation_time: datetime,
                  ) -> tuple[Indication, SubIndication | None]:
    """The rules of :mod:`signing.crypto_rules` applied to a verdict: PKCS#1 v1.5 is noted;
    a weak key or digest, validated once the rules apply, makes a passing signature
    INDETERMINATE - CRYPTO_CONSTRAINTS_FAILURE when a time-stamp shows it was made under the
    rules, CRYPTO_CONSTRAINTS_FAILURE_NO_POE when nothing proves it predates them - unless a
    time-stamp proves it existed before they applied."""
    findings, weak = weaknesses(algorithm, key)
    problems.extend(Problem.of(_RULE_FINDINGS[kind], **params) for kind, params in findings)
    if not weak or validation_time < RULES_EFFECTIVE or indication is Indication.TOTAL_FAILED:
        return indication, sub
    if proof is not None and proof < RULES_EFFECTIVE:
        problems.append(Problem.of(ProblemCode.WEAK_BEFORE_RULES,
                                   date=RULES_EFFECTIVE_DAY))
        return indication, sub
    if indication is Indication.TOTAL_PASSED:
        return Indication.INDETERMINATE, (SubIndication.CRYPTO_CONSTRAINTS_FAILURE
                                          if proof is not None
                                          else SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE)
    return indication, sub


def _verdict(result: AdESBasicValidationResult, best_time: datetime, cert: x509.Certificate,
             ) -> tuple[Indication, SubIndication | None, list[Problem]]:
    """ETSI indication, sub-indication and plain-words problems from a pyHanko AdES result."""
    indication = _INDICATION[result.ades_subindic.status.name]
    sub = None if indication is Indication.TOTAL_PASSED else _sub(result.ades_subindic)
    problems = []
    if indication is Indication.TOTAL_PASSED and best_time > cert.not_valid_after:
        # pyHanko's with-time process lets an expired signer through once a time-stamp exists;
        # ETSI EN 319 102-1 5.5.4 needs proof the signature existed before the expiry.
        indication, sub = Indication.INDETERMINATE, SubIndication.OUT_OF_BOUNDS_NO_POE
    expiry = f"{cert.not_valid_after:%Y-%m-%d}"
    if sub is SubIndication.EXPIRED:
        problems.append(Problem.of(ProblemCode.EXPIRED_BEFORE_SIGNING, expiry=expiry))
    elif sub is SubIndication.OUT_OF_BOUNDS_NO_POE and cert.not_valid_after < best_time:
        problems.append(Problem.of(ProblemCode.EXPIRED_NO_POE, expiry=expiry))
    status = result.api_status
    if status is not None and status.revocation_details is not None:
        details = status.revocation_details
        code = ProblemCode.CA_REVOKED if details.ca_revoked else ProblemCode.SIGNER_REVOKED
        problems.append(Problem.of(code, date=f"{details.revocation_date:%Y-%m-%d}",
                                   reason=str(details.revocation_reason.native)))
    if sub is SubIndication.NO_CERTIFICATE_CHAIN_FOUND:
        problems.append(Problem.of(ProblemCode.NO_TRUSTED_CHAIN))
    elif sub is SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE:
        problems.append(Problem.of(ProblemCode.CHAIN_NOT_CHECKED))
    if result.failure_msg is not None and indication is not Indication.TOTAL_PASSED:
        problems.append(Problem.of(ProblemCode.VALIDATOR_MESSAGE,
                                   detail=_one_line(result.failure_msg)))
    return indication, sub, problems


def _validated_timestamp_time(status: StandardCMSSignatureStatus | None) -> datetime | None:
    ts = None if status is None else status.timestamp_validity
    if ts is not None and ts.intact and ts.valid and ts.trusted:
        return ts.timestamp
    return None


async def _run_ades(embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec,
                    timing_info: ValidationTimingInfo, paths: ValidatedPaths | None,
                    ) -> tuple[AdESBasicValidationResult, datetime, datetime | None]:
    """The ETSI EN 319 102-1 process fitting the signature, the best signature time, and the
    proof of existence document time-stamps give a signature without a time-stamp of its own.

    No time-stamp after the signature: basic validation (5.3). A signature time-stamp:
    validation with time (5.5, with the DSS's validation data), then pyHanko's long-term
    validation (5.6) if that does not pass. Only later document time-stamps (a B-B signature
    augmented, or a Decree 30 leader signature under a B-LTA seal): basic validation at the
    validation time, and long-term validation with the document time-stamps as proof of
    existence (:mod:`signing.validation.lta`), which gives the proof time and, when basic
    validation does not pass, the verdict. A long-term answer is kept only if it passes -
    pyHanko's would otherwise replace e.g. REVOKED_NO_POE by NO_POE."""
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation.ades import (
        _dss_to_local_knowledge,  # pyHanko's own DSS reader, as its LTA process uses it
        ades_lta_validation,
        ades_with_time_validation,
    )

    from signing.validation.cache import basic_validation
    from signing.validation.lta import document_timestamp_validation

    signature_spec = spec.signature_validation_spec

    timestamped = _has_signature_timestamp(embedded)
    first: AdESBasicValidationResult
    if timestamped:
        local = _dss_to_local_knowledge(embedded.reader)
        with_dss = dataclasses.replace(signature_spec, local_knowledge=local)
        if paths is not None and not (local.known_ocsps or local.known_crls or local.known_certs
                                      or local.known_poes or local.nonrevoked_assertions):
            # no validation data of the file's own: checks may be remembered across files
            with_time = await paths.with_time_validation(embedded, with_dss, timing_info)
        else:
            with_time = await ades_with_time_validation(
                embedded.signed_data, with_dss, timing_info=timing_info,
                raw_digest=embedded.compute_digest())
        first, first_time = with_time, with_time.best_signature_time
    else:
        first = await (basic_validation(embedded, signature_spec, timing_info) if paths is None
                       else paths.basic_validation(embedded, signature_spec, timing_info))
        first_time = timing_info.best_signature_time
    passed = first.ades_subindic is AdESPassed.OK
    if not timestamped:
        proven = None
        if later_document_timestamps(embedded):
            proven = await document_timestamp_validation(embedded, spec, timing_info)
        if proven is None or proven[0].ades_subindic is not AdESPassed.OK:
            return first, first_time, None
        result, proof = proven
        return (first, first_time, proof) if passed else (result, proof, proof)
    if passed:
        return first, first_time, None
    long_term = await ades_lta_validation(embedded, spec, timing_info=timing_info)
    if long_term.ades_subindic is AdESPassed.OK:
        return long_term, long_term.best_signature_time, None
    # A signature time-stamp that does not validate (e.g. its TSA is not trusted) makes the
    # signature INDETERMINATE, as pyHanko reports it: stricter than ignoring the time-stamp.
    return first, first_time, None


def _has_signature_timestamp(embedded: EmbeddedPdfSignature) -> bool:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    return next(extract_tst_data_iter(embedded.signer_info, signed=False), None) is not None


def later_document_timestamps(embedded: EmbeddedPdfSignature,
                              ) -> list[EmbeddedPdfSignature]:
    """The file's document time-stamps made after ``embedded``."""
    if embedded.reader in _without_document_timestamps:
        # pyHanko would read every signature again to find none (each one read without
        # error by regular_signatures, so reading them again raises nothing either)
        return []
    return [ts for ts in embedded.reader.embedded_timestamp_signatures
            if ts.signed_revision > embedded.signed_revision]


def _failed(field: str, signer: Signer | None, problem: Problem) -> SignatureResult:
    return SignatureResult(
        field=field, indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE, signer=signer,
        signing_time=None, timestamp_time=None, level=None, coverage=None,
        modification_level=None, trust_anchor=None, findings=(problem,),
    )


def _sub(ades_subindic: AdESSubIndic) -> SubIndication:
    try:
        return SubIndication(ades_subindic.standard_name)
    except ValueError:
        return SubIndication.GENERIC


def _signer(cert: x509.Certificate) -> Signer:
    subject = cert.subject.native
    return Signer(
        common_name=subject.get("common_name"),
        organization=subject.get("organization_name"),
        serial_number=format(cert.serial_number, "X"),
        subject=cert.subject.human_friendly,
        organization_identifier=subject.get("organization_identifier"),
    )


def _integrity(embedded: EmbeddedPdfSignature) -> tuple[Coverage | None, ModificationLevel | None]:
    """Coverage and kind of later change, from pyHanko's integrity check of ``embedded``."""
    from pyhanko.sign.validation.status import ModificationInfo

    info = ModificationInfo(coverage=embedded.coverage, diff_result=embedded.diff_result)
    level = info.modification_level
    coverage = None if info.coverage is None else {
        "ENTIRE_FILE": Coverage.ENTIRE_FILE, "ENTIRE_REVISION": Coverage.ENTIRE_REVISION,
    }.get(info.coverage.name, Coverage.PARTIAL)
    return coverage, None if level is None else ModificationLevel(level.name)


def _trust_anchor_name(path: ValidationPath | None) -> str | None:
    if path is None:
        return None
    try:
        name = path.trust_anchor.authority.name
    except AttributeError:
        return None
    return name.native.get("common_name") or name.human_friendly


def _level(embedded: EmbeddedPdfSignature) -> PadesLevel:
    """The PAdES baseline level the file's structure gives this signature (ETSI EN 319 142-1):
    B-T needs a proof of existence, a signature time-stamp or a document time-stamp after the
    signature; B-LT revocation data for the signer's certificate in the DSS of the signature's
    revision (pyHanko writes it there when signing at B-LT) or a later one; B-LTA a document
    time-stamp over that DSS."""
    later = later_document_timestamps(embedded)
    if not (_has_signature_timestamp(embedded) or later):
        return PadesLevel.B_B
    revision = _signer_validation_data_revision(embedded)
    if revision is None:
        return PadesLevel.B_T
    if any(ts.signed_revision >= revision for ts in later):
        return PadesLevel.B_LTA
    return PadesLevel.B_LT


def _signer_validation_data_revision(embedded: EmbeddedPdfSignature) -> int | None:
    """The first revision from the signature's on whose DSS holds an OCSP response about the
    signer's certificate or a CRL of its issuer."""
    from pyhanko.sign.validation.ades import _dss_to_local_knowledge

    cert, reader = embedded.signer_cert, embedded.reader
    for revision in range(embedded.signed_revision, reader.xrefs.total_revisions):
        # pyHanko types the argument as a reader; its historical resolvers read alike
        dss = _dss_to_local_knowledge(
            reader.get_historical_resolver(revision))  # type: ignore[arg-type]
        if any(_ocsp_about(c.extract_single_response(), cert) for c in dss.known_ocsps) or any(
                c.crl_data["tbs_cert_list"]["issuer"] == cert.issuer for c in dss.known_crls):
            return revision
    return None


def _ocsp_about(single: ocsp.SingleResponse | None, cert: x509.Certificate) -> bool:
    if single is None:
        return False
    cert_id = single["cert_id"]
    return (cert_id["serial_number"].native == cert.serial_number
            and cert_id["issuer_name_hash"].native
            == getattr(cert.issuer, cert_id["hash_algorithm"]["algorithm"].native, None))


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


