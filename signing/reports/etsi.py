"""The ETSI TS 119 102-2 (v1.2.1) XML validation report of one file.

One ``SignatureValidationReport`` per signature: identifier (digest of the signature value, the
value itself, the PDF field name), validation and best-signature time, the signed document's
digest, the signature attributes the PDF carries (claimed signing time, the signature
time-stamp or the later document time-stamp that proves it, role, ``/SubFilter``,
``/ByteRange``, ``/Filter``, declared name and reason), the signer and the
ETSI status (main and sub-indication URIs, findings as additional report data: type
``urn:edochub:report:problem:<code>``, value worded in the report's language and marked with
``xml:lang``). Certificates go
to ``SignatureValidationObjects`` and are referenced by id. A file with no signature, or one that
could not be read, still gets one report entry saying so, as the schema requires one.

Validated in the tests against ``schemas/etsi/1910202xmlSchema.xsd``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from lxml import etree

from signing.reports import texts
from signing.reports.evidence import SignatureEvidence
from signing.validation.problems import Problem
from signing.validation.results import (
    FileResult,
    Indication,
    PadesLevel,
    SignatureResult,
    SubIndication,
    TimestampKind,
)

VR = "http://uri.etsi.org/19102/v1.2.1#"
DS = "http://www.w3.org/2000/09/xmldsig#"
NSMAP = {"vr": VR, "ds": DS}
SHA256_URI = "http://www.w3.org/2001/04/xmlenc#sha256"
_MAIN = "urn:etsi:019102:mainindication:"
_SUB = "urn:etsi:019102:subindication:"
_VO_CERT = "urn:etsi:019102:validationObject:certificate"
_PROCESS = "urn:etsi:019102:validationprocess:"
_PROBLEM_TYPE = "urn:edochub:report:problem"
_MODIFICATION_TYPE = "urn:edochub:report:modification-after-signature"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: one additional report datum: type URI, value, language of the value (None: a code)
_Datum = tuple[str, str, str | None]


def build_report(result: FileResult, document: bytes | None,
                 evidence: dict[str, SignatureEvidence], validated_at: datetime,
                 language: str = "vi") -> bytes:
    """The report as UTF-8 XML bytes, findings worded in ``language`` (``vi`` or ``en``)."""
    root = etree.Element(_vr("ValidationReport"), nsmap=NSMAP)
    objects = _ValidationObjects()
    doc_digest = None if document is None else hashlib.sha256(document).digest()
    if result.signatures:
        for index, signature in enumerate(result.signatures, start=1):
            root.append(_signature_report(signature, index, evidence.get(signature.field),
                                          doc_digest, validated_at, objects, language))
    else:
        root.append(_file_level_report(result, doc_digest, validated_at, language))
    if objects.elements:
        holder = _sub(root, "SignatureValidationObjects")
        holder.extend(objects.elements)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class _ValidationObjects:
    """Certificates put once in ``SignatureValidationObjects``, referenced by id."""

    def __init__(self) -> None:
        self.elements: list[etree._Element] = []
        self._ids: dict[bytes, str] = {}

    def certificate(self, der: bytes) -> str:
        if der not in self._ids:
            vo_id = f"CERT-{hashlib.sha256(der).hexdigest()[:16].upper()}"
            self._ids[der] = vo_id
            element = etree.Element(_vr("ValidationObject"), id=vo_id)
            _sub(element, "ObjectType", _VO_CERT)
            representation = _sub(element, "ValidationObject")
            _sub(representation, "base64", base64.b64encode(der).decode())
            self.elements.append(element)
        return self._ids[der]


def _signature_report(signature: SignatureResult, index: int,
                      evidence: SignatureEvidence | None, doc_digest: bytes | None,
                      validated_at: datetime, objects: _ValidationObjects,
                      language: str) -> etree._Element:
    report = etree.Element(_vr("SignatureValidationReport"))
    identifier = _sub(report, "SignatureIdentifier", id=f"SIG-{index}")
    if evidence is not None and evidence.signature_value:
        _digest_alg_and_value(identifier, hashlib.sha256(evidence.signature_value).digest())
        value = etree.SubElement(identifier, f"{{{DS}}}SignatureValue")
        value.text = base64.b64encode(evidence.signature_value).decode()
    _sub(identifier, "HashOnly", "false")
    _sub(identifier, "DocHashOnly", "false")
    _sub(identifier, "DAIdentifier", signature.field)
    _time_info(report, validated_at, signature.timestamp_time)
    if doc_digest is not None:
        _digest_alg_and_value(_sub(report, "SignersDocument"), doc_digest)
    _attributes(report, signature, evidence)
    if evidence is not None and evidence.signer_certificate:
        info = _sub(report, "SignerInformation")
        _sub(info, "SignerCertificate",
             VOReference=objects.certificate(evidence.signer_certificate))
        if signature.signer is not None:
            _sub(info, "Signer", signature.signer.subject)
    process = _sub(report, "SignatureValidationProcess")
    _sub(process, "SignatureValidationProcessID", _PROCESS + _process(signature.level))
    data = [_finding(problem, language) for problem in signature.findings]
    if signature.modification_level is not None:
        data.append((_MODIFICATION_TYPE, signature.modification_level.value, None))
    _status(report, signature.indication, signature.sub_indication, data)
    return report


def _process(level: PadesLevel | None) -> str:
    """The EN 319 102-1 process the signature's level calls for (TS 119 102-2 URI suffix):
    basic (5.3), with time and long-term validation material (5.5), long-term with archival
    time-stamps (5.6)."""
    if level is PadesLevel.B_LTA:
        return "LTA"
    if level in (PadesLevel.B_T, PadesLevel.B_LT):
        return "LTVM"
    return "Basic"


def _finding(problem: Problem, language: str) -> _Datum:
    return f"{_PROBLEM_TYPE}:{problem.code.value}", problem.text(language), language


def _file_level_report(result: FileResult, doc_digest: bytes | None,
                       validated_at: datetime, language: str) -> etree._Element:
    report = etree.Element(_vr("SignatureValidationReport"))
    _time_info(report, validated_at, None)
    if doc_digest is not None:
        _digest_alg_and_value(_sub(report, "SignersDocument"), doc_digest)
    if result.error is not None:
        # the reason a file is unusable is a one-line message in English (SigningError)
        _status(report, Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE,
                [(_PROBLEM_TYPE, result.error, "en")])
    else:
        _status(report, Indication.INDETERMINATE, None,
                [(_PROBLEM_TYPE, texts.LABELS[language]["no_signature"], language)])
    return report


def _time_info(report: etree._Element, validated_at: datetime,
               proven: datetime | None) -> None:
    info = _sub(report, "ValidationTimeInfo")
    _sub(info, "ValidationTime", _xml_time(validated_at))
    best = _sub(info, "BestSignatureTime")
    _sub(best, "POETime", _xml_time(proven or validated_at))
    _sub(best, "TypeOfProof", "urn:etsi:019102:poetype:validation")


def _attributes(report: etree._Element, signature: SignatureResult,
                evidence: SignatureEvidence | None) -> None:
    attributes = etree.Element(_vr("SignatureAttributes"))
    if signature.signing_time is not None:
        _sub(_sub(attributes, "SigningTime", Signed="true"), "Time",
             _xml_time(signature.signing_time))
    if signature.timestamp_time is not None:
        # a later document time-stamp proves the signature existed, but is no attribute of
        # the signature itself: it goes as PAdES ``DocTimeStamp``, not ``SignatureTimeStamp``
        kind = ("DocTimeStamp" if signature.timestamp_kind is TimestampKind.DOCUMENT
                else "SignatureTimeStamp")
        _sub(_sub(attributes, kind), "TimeStampValue", _xml_time(signature.timestamp_time))
    if signature.role is not None:
        details = _sub(_sub(attributes, "SignerRole"), "RoleDetails")
        _sub(details, "Role", signature.role.value)
        _sub(details, "EndorsementType", "claimed")
    if evidence is not None:
        if evidence.reason:
            _sub(_sub(attributes, "Reason", Signed="true"), "ReasonElement", evidence.reason)
        if evidence.name:
            _sub(_sub(attributes, "Name", Signed="true"), "NameElement", evidence.name)
        if evidence.sub_filter:
            _sub(_sub(attributes, "SubFilter", Signed="true"), "SubFilterElement",
                 evidence.sub_filter)
        if evidence.byte_range:
            _sub(attributes, "ByteRange", " ".join(map(str, evidence.byte_range)))
        if evidence.filter:
            _sub(_sub(attributes, "Filter"), "Filter", evidence.filter)
    if len(attributes):
        report.append(attributes)


def _status(report: etree._Element, indication: Indication, sub: SubIndication | None,
            data: list[_Datum]) -> None:
    status = _sub(report, "SignatureValidationStatus")
    _sub(status, "MainIndication", _MAIN + indication.value.lower())
    if sub is not None:
        _sub(status, "SubIndication", _SUB + sub.value)
    if data:
        additional = _sub(_sub(status, "AssociatedValidationReportData"),
                          "AdditionalValidationReportData")
        for kind, value, language in data:
            entry = _sub(additional, "ReportData")
            _sub(entry, "Type", kind)
            element = _sub(entry, "Value", value)
            if language is not None:
                element.set(_XML_LANG, language)


def _digest_alg_and_value(parent: etree._Element, digest: bytes) -> None:
    holder = _sub(parent, "DigestAlgAndValue")
    etree.SubElement(holder, f"{{{DS}}}DigestMethod", Algorithm=SHA256_URI)
    value = etree.SubElement(holder, f"{{{DS}}}DigestValue")
    value.text = base64.b64encode(digest).decode()


def _sub(parent: etree._Element, name: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _vr(name), **attributes)
    if text is not None:
        element.text = text
    return element


def _vr(name: str) -> str:
    return f"{{{VR}}}{name}"


def _xml_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
