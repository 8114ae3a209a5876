"""Split signing (ký số tách rời): the hub prepares the document, the signer's own machine — where
the USB token is — signs, and the hub embeds the signature and validates the result.

1. hub, :func:`async_prepare`: adds the signature field and appearance, reserves room for the
   signature, digests the document and builds the CMS signed attributes. Returns the prepared
   PDF (kept by the hub) and a :class:`SigningRequest` (the data to be signed, sent to the
   signer as JSON);
2. signer's machine, :func:`async_complete`: signs the request's signed attributes with the
   token's key and returns the CMS signature (DER), optionally time-stamped (B-T);
3. hub, :func:`embed`: checks the signature answers this request and writes it into the
   prepared PDF.

Pure functions over bytes: the same steps serve the command line and, later, HTTP. pyHanko's
interrupted-signing API does the work (``async_digest_doc_for_signing``,
``async_sign_prescribed_attributes``, ``PreparedByteRangeDigest.fill_with_cms``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, x509

from decree30 import vietnam_time
from signing.crypto_rules import RsaPadding, check_signing_algorithms, use_rsa_padding
from signing.errors import DEFAULT_SERVICE_TIMEOUT, BadInputError, SigningError
from signing.pades.keys import SigningKey, external_key
from signing.pades.signer import (
    PadesSigner,
    SignatureOptions,
    notices,
    open_writer,
)
from signing.validation.results import PadesLevel, SignatureRole

#: room for the signature in /Contents (hex, so twice the DER): signer certificate, chain and
#: an RFC 3161 token with its own certificates fit comfortably
BYTES_RESERVED = 48_000
FORMAT = "edochub-signing-request/1"


class SplitSigningError(SigningError):
    """The split-signing steps do not fit together: wrong request, key or signature."""


@dataclass(frozen=True)
class SigningRequest:
    """The data to be signed (dữ liệu cần ký) and what the hub needs to embed the answer."""

    digest_algorithm: str
    #: DER of the CMS signed attributes: what the token's key signs
    signed_attributes: bytes
    document_digest: bytes
    reserved_region: tuple[int, int]
    signer_certificate: x509.Certificate
    role: SignatureRole | None

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT,
            "digest_algorithm": self.digest_algorithm,
            "signed_attributes": base64.b64encode(self.signed_attributes).decode(),
            "document_digest": self.document_digest.hex(),
            "reserved_region": list(self.reserved_region),
            "signer_certificate": base64.b64encode(self.signer_certificate.dump()).decode(),
            "role": None if self.role is None else self.role.value,
        }, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> SigningRequest:
        try:
            data: dict[str, Any] = json.loads(text)
            if data.get("format") != FORMAT:
                raise SplitSigningError(f"not an edochub signing request (format {FORMAT})")
            start, end = (int(v) for v in data["reserved_region"])
            return cls(
                digest_algorithm=str(data["digest_algorithm"]),
                signed_attributes=base64.b64decode(data["signed_attributes"], validate=True),
                document_digest=bytes.fromhex(data["document_digest"]),
                reserved_region=(start, end),
                signer_certificate=x509.Certificate.load(
                    base64.b64decode(data["signer_certificate"], validate=True)),
                role=None if data.get("role") is None else SignatureRole(data["role"]),
            )
        except SplitSigningError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise SplitSigningError(f"malformed signing request: {exc}") from None

    def signed_attrs(self) -> cms.CMSAttributes:
        return cms.CMSAttributes.load(self.signed_attributes)


async def async_prepare(pdf: bytes, certificate: x509.Certificate,
                        chain: tuple[x509.Certificate, ...], options: SignatureOptions,
                        profile=None) -> tuple[bytes, SigningRequest]:
    """Step 1 (hub): the prepared PDF and the signing request for ``certificate``'s owner.
    ``profile`` (:class:`signing.stamping.role_signing.Profile`) gives the Decree 30 role and
    appearance; without it the signature is invisible and has no role. Levels B-B and B-T
    (the time-stamp is added on the signer's machine); extend to B-LT/B-LTA afterwards."""
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    from signing.stamping.role_signing import (
        RoleSigner,
        field_spec,
        free_field_name,
        plan_signature,
    )

    if options.level not in (PadesLevel.B_B, PadesLevel.B_T):
        raise SplitSigningError("split signing makes B-B or B-T signatures; extend them to "
                                "B-LT/B-LTA afterwards")
    key = external_key(certificate, chain)
    if profile is None:
        signer, field_name, style, spec = PadesSigner(key, options), None, None, None
    else:
        plan = plan_signature(pdf, profile, certificate)
        signer = RoleSigner(key, options, profile.role, plan.name)
        field_name, style, spec = plan.field_name, plan.style, field_spec(plan)
    try:
        await signer.async_check_certificate()
        if field_name is None:
            field_name = free_field_name(open_writer(pdf), "Signature")
        pdf_signer = signer.pdf_signer(field_name=field_name, stamp_style=style,
                                       field_spec=spec)
        prepared_digest, _, output = await pdf_signer.async_digest_doc_for_signing(
            open_writer(pdf), bytes_reserved=BYTES_RESERVED)
        meta = signer.signature_metadata(field_name)
        attrs = await key.signer.signed_attrs(
            prepared_digest.document_digest, options.digest_algorithm, use_pades=True,
            attr_settings=PdfCMSSignedAttributes(signing_time=vietnam_time.now(),
                                                 cades_signed_attrs=meta.cades_signed_attr_spec),
        )
    finally:
        await signer.aclose()
    request = SigningRequest(
        digest_algorithm=options.digest_algorithm, signed_attributes=attrs.dump(),
        document_digest=prepared_digest.document_digest,
        reserved_region=(prepared_digest.reserved_region_start,
                         prepared_digest.reserved_region_end),
        signer_certificate=certificate, role=None if profile is None else profile.role)
    return output.getvalue(), request


async def async_complete(request: SigningRequest, key: SigningKey,
                         tsa_url: str | None = None, rsa_padding: RsaPadding = RsaPadding.PSS,
                         service_timeout: float = DEFAULT_SERVICE_TIMEOUT) -> bytes:
    """Step 2 (signer's machine): sign the request with the token's key; the CMS signature
    (DER). Refuses a key whose certificate is not the one the hub prepared for, and a key or
    digest under :mod:`signing.crypto_rules`. RSA keys sign RSASSA-PSS unless ``rsa_padding``
    says otherwise or the token lacks PSS (then PKCS#1 v1.5, with a notice)."""
    if key.certificate.dump() != request.signer_certificate.dump():
        raise SplitSigningError(
            "the key's certificate is not the one the document was prepared for "
            f"({_who(key.certificate)} instead of {_who(request.signer_certificate)})")
    check_signing_algorithms(key.certificate, request.digest_algorithm)
    notice = use_rsa_padding(key.signer, rsa_padding, request.digest_algorithm,
                             key.pss_digests)
    if notice is not None:
        notices.warning(notice)
    timestamper = None
    if tsa_url:
        from signing.services import TimeStamper

        timestamper = TimeStamper(tsa_url, service_timeout)
    signature = await key.signer.async_sign_prescribed_attributes(
        request.digest_algorithm, request.signed_attrs(), timestamper=timestamper)
    return signature.dump()


def embed(prepared_pdf: bytes, request: SigningRequest, signature: bytes) -> bytes:
    """Step 3 (hub): write the signature into the prepared PDF. Refuses a signature that does
    not sign this request's attributes, or a PDF that is not the prepared one."""
    from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest

    try:
        content = cms.ContentInfo.load(signature)
        signer_info = content["content"]["signer_infos"][0]
        signed_attrs = signer_info["signed_attrs"].dump(force=True)
    except (ValueError, KeyError, IndexError, TypeError):
        raise BadInputError("not a CMS signature (DER SignedData expected)") from None
    # the SignerInfo's attributes are [0] IMPLICIT: compare the content, not the tag byte
    if signed_attrs[1:] != request.signed_attributes[1:]:
        raise SplitSigningError("the signature does not answer this signing request")
    # the same attributes signed by another key (another person's token) would otherwise be
    # embedded and only caught, if at all, by a later validation
    _, made_by_prepared_key = _integrity(signer_info, request)
    if not made_by_prepared_key:
        raise SplitSigningError(
            "the signature was not made with the key of the certificate the document was "
            f"prepared for ({_who(request.signer_certificate)})")
    start, end = request.reserved_region
    if len(prepared_pdf) < end or prepared_pdf[start:end].strip(b"<>0") != b"":
        raise SplitSigningError("the PDF is not the prepared document of this request")
    if _byte_range_digest(prepared_pdf, start, end,
                          request.digest_algorithm) != request.document_digest:
        raise SplitSigningError("the prepared PDF was changed after the request was made")
    if 2 * len(signature) > end - start - 2:
        raise SplitSigningError("the signature is larger than the room reserved for it")
    output = io.BytesIO(prepared_pdf)
    PreparedByteRangeDigest(request.document_digest, start, end).fill_with_cms(output, signature)
    return output.getvalue()


def _integrity(signer_info: cms.SignerInfo, request: SigningRequest) -> tuple[bool, bool]:
    from pyhanko.sign.general import CMSStructuralError
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    try:
        # pyHanko asserts, rather than reports, a signature of another key type (ECDSA vs RSA)
        is_ecdsa = signer_info["signature_algorithm"].signature_algo == "ecdsa"
        if is_ecdsa != (request.signer_certificate.public_key.algorithm == "ec"):
            return True, False
        return validate_sig_integrity(signer_info, request.signer_certificate, "data",
                                      request.document_digest)
    except (CMSStructuralError, SignatureValidationError, ValueError, KeyError, TypeError):
        return False, False


def _byte_range_digest(pdf: bytes, start: int, end: int, digest: str) -> bytes:
    return hashlib.new(digest, pdf[:start] + pdf[end:]).digest()


def _who(certificate: x509.Certificate) -> str:
    return certificate.subject.native.get("common_name") or certificate.subject.human_friendly

