"""The human report (báo cáo kiểm tra chữ ký số): HTML from a Jinja2 template, PDF from that
HTML with WeasyPrint, in Vietnamese (default) or English.

Per signature: who signed (name, agency, agency code), in which role, when (claimed by the
signer; proven by a time-stamp), the ETSI indication with a plain-language explanation of the
sub-indication, and what changed in the file after it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from decree30 import vietnam_time
from signing.errors import SigningError
from signing.reports import texts
from signing.validation.results import FileResult, Indication, SignatureResult

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_html(result: FileResult, document: bytes | None, validated_at: datetime,
                language: str = "vi") -> str:
    import jinja2

    if language not in texts.LANGUAGES:
        raise SigningError(f"report language must be one of {', '.join(texts.LANGUAGES)}")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    overall = _overall(result)
    return environment.get_template("report.html.j2").render(
        lang=language,
        L=texts.LABELS[language],
        file_name=Path(result.path).name,
        sha256=None if document is None else hashlib.sha256(document).hexdigest(),
        validated_at=_when(validated_at),
        overall=texts.INDICATIONS[language][overall] if overall else
        texts.LABELS[language]["error" if result.error else "no_signature"],
        overall_class=overall.value if overall else "TOTAL-FAILED",
        error=result.error,
        signatures=[_signature_view(s, language) for s in result.signatures],
    )


def render_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, base_url=str(_TEMPLATES)).write_pdf()


def _overall(result: FileResult) -> Indication | None:
    if result.error is not None or not result.signatures:
        return None
    indications = {s.indication for s in result.signatures}
    for worst in (Indication.TOTAL_FAILED, Indication.INDETERMINATE):
        if worst in indications:
            return worst
    return Indication.TOTAL_PASSED


def _signature_view(signature: SignatureResult, language: str) -> dict[str, object]:
    labels = texts.LABELS[language]
    signer = signature.signer
    sub = signature.sub_indication
    return {
        "field": signature.field,
        "signer_name": (signer.common_name if signer and signer.common_name
                        else labels["unknown"]),
        "organization": signer.organization if signer else None,
        "agency_code": signer.organization_identifier if signer else None,
        "serial": signer.serial_number if signer else None,
        "role": texts.ROLES[language][signature.role],
        "claimed_time": _when(signature.signing_time) or labels["unknown"],
        "proven_time": _when(signature.timestamp_time) or labels["not_proven"],
        "level": signature.level.value if signature.level else None,
        "indication": texts.INDICATIONS[language][signature.indication],
        "indication_class": signature.indication.value,
        "sub_indication": sub.value if sub else None,
        "explanation": texts.SUB_INDICATIONS[language].get(sub, "") if sub else "",
        "changes_after": texts.MODIFICATIONS[language].get(signature.modification_level, ""),
        "trust_anchor": signature.trust_anchor,
        "algorithm": _algorithm(signature, language),
        "problems": [finding.text(language) for finding in signature.findings],
    }


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return vietnam_time.human(moment)


_ALGORITHMS = {"rsassa_pss": "RSASSA-PSS", "rsassa_pkcs1v15": "RSA PKCS#1 v1.5",
               "ecdsa": "ECDSA"}


def _algorithm(signature: SignatureResult, language: str) -> str | None:
    """``RSASSA-PSS, SHA256, RSA key 2048 bits`` (in the report's language)."""
    algorithm, key = signature.algorithm, signature.key
    if algorithm is None:
        return None
    parts = [_ALGORITHMS.get(algorithm.name, algorithm.name), algorithm.digest.upper()]
    if key is not None:
        kind = {"rsa": "RSA", "ec": "ECDSA"}.get(key.type, key.type.upper())
        parts.append(texts.LABELS[language]["key_size"].format(type=kind, size=key.size))
    return ", ".join(parts)
