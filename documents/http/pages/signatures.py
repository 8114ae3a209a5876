"""A document's signatures in plain words: validated by the hub's validator (the signing
package), worded by the archivist report's tables (``signing.reports.texts``)."""

from __future__ import annotations

from dataclasses import dataclass

from documents.http.pages.i18n import format_datetime
from documents.services.hub import Hub
from signing.reports import texts
from signing.validation import FileResult, Indication

#: validation results per (hub, file hash): a page shown again does not validate again
_CACHE: dict[tuple[int, str], FileResult] = {}
_CACHE_SIZE = 256


@dataclass(frozen=True)
class SignatureView:
    signer: str
    organization: str
    role: str
    signed_at: str
    proven_at: str
    indication: str
    passed: bool
    explanation: str


@dataclass(frozen=True)
class FileSignatures:
    name: str
    error: str | None
    signatures: tuple[SignatureView, ...]


async def validate(hub: Hub, name: str, data: bytes) -> FileResult:
    """One PDF through the hub's validator (the pages' only call to it)."""
    if hub.validator is None:
        return FileResult(path=name, error="this hub has no validator configured")
    [result] = await hub.validator.validate([(name, data)])
    return result


async def validated(hub: Hub, name: str, blob_hash: str, data: bytes) -> FileResult:
    """:func:`validate`, remembered per stored file."""
    key = (id(hub), blob_hash)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = await validate(hub, name, data)
    return _CACHE[key]


def describe(result: FileResult, name: str, language: str) -> FileSignatures:
    unknown = texts.LABELS[language]["unknown"]
    views = []
    for signature in result.signatures:
        signer = signature.signer
        sub = signature.sub_indication
        explanation = texts.SUB_INDICATIONS[language].get(sub, "") if sub else ""
        views.append(SignatureView(
            signer=(signer.common_name if signer and signer.common_name else unknown),
            organization=" · ".join(p for p in (signer.organization if signer else None,
                                                 signer.organization_identifier if signer
                                                 else None) if p),
            role=texts.ROLES[language][signature.role],
            signed_at=format_datetime(signature.signing_time, seconds=True) or unknown,
            proven_at=(format_datetime(signature.timestamp_time, seconds=True)
                       or texts.LABELS[language]["not_proven"]),
            indication=texts.INDICATIONS[language][signature.indication],
            passed=signature.indication is Indication.TOTAL_PASSED,
            explanation=explanation or "; ".join(f.text(language) for f in signature.findings),
        ))
    return FileSignatures(name=name, error=result.error, signatures=tuple(views))
