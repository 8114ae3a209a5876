"""What the report needs from the signed file itself, beyond the validation result: per
signature field the signature value, signer certificate, certificates carried in the CMS,
``/ByteRange``, ``/Filter``, ``/SubFilter`` and the signer's declared name, reason and location.

Read best-effort: a file (or a signature) too damaged to give these simply gives less; the
verdict always comes from the validator. pyHanko types do not leave this module.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature


@dataclass(frozen=True)
class SignatureEvidence:
    field: str
    signature_value: bytes | None = None
    signer_certificate: bytes | None = None
    #: DER of the other certificates in the signature's CMS (chain, TSA)
    certificates: tuple[bytes, ...] = ()
    byte_range: tuple[int, ...] = ()
    filter: str | None = None
    sub_filter: str | None = None
    name: str | None = None
    reason: str | None = None
    location: str | None = None


def read_evidence(data: bytes) -> dict[str, SignatureEvidence]:
    """Evidence per signature field name; empty for a file pyHanko cannot open."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # unreadable input: the validator reports why
        return {}
    found = {}
    for sig in embedded:
        with contextlib.suppress(Exception):
            found[sig.field_name] = _one(sig)
    return found


def _one(sig: EmbeddedPdfSignature) -> SignatureEvidence:
    obj = sig.sig_object
    signer_cert = value = None
    certificates: tuple[bytes, ...] = ()
    with contextlib.suppress(Exception):
        value = bytes(sig.signer_info["signature"].native)
        signer_cert = sig.signer_cert.dump()
        certificates = tuple(
            c.chosen.dump() for c in sig.signed_data["certificates"]
            if c.chosen.dump() != signer_cert
        )
    return SignatureEvidence(
        field=sig.field_name,
        signature_value=value,
        signer_certificate=signer_cert,
        certificates=certificates,
        byte_range=tuple(int(x) for x in obj.get("/ByteRange", ())),
        filter=_name(obj.get("/Filter")),
        sub_filter=_name(obj.get("/SubFilter")),
        name=_text(obj.get("/Name")),
        reason=_text(obj.get("/Reason")),
        location=_text(obj.get("/Location")),
    )


def _name(value: object) -> str | None:
    return None if value is None else str(value).lstrip("/")


def _text(value: object) -> str | None:
    return None if value is None else str(value)
