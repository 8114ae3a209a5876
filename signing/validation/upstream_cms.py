"""A signature's certificates worked out once: changes that could go upstream to pyHanko
(``pyhanko.sign.general.extract_certificate_info``,
``pyhanko.sign.validation.generic_cms.extract_certs_for_validation`` and
``pyhanko.sign.validation.ades.derive_validation_object_identifier``).

- ``extract_certificate_info`` copies every certificate of the signature (asn1crypto's
  ``untag()``, a copy even of an untagged value): each copy is parsed again from its bytes, and
  what asn1crypto remembers about a certificate (fields, names prepared for comparison,
  hashes) is lost with it. Validating one signature extracts its certificates three times, so
  a third of the parsing of a one-page file went on copies. Here an untagged certificate is
  used as it is (the same bytes: nothing signed, hashed or compared changes; pyHanko does not
  modify certificates) and a tagged one is still untagged; and the answer, a function of the
  signed data alone, is kept for the last few signed-data objects (the same object).
- ``extract_certs_for_validation`` (the certificates, and the signer's checked against the
  signing-certificate attribute) is a function of the signed data alone; its answer is kept
  for the last few signed-data objects (the same object, not equal bytes), so one signature's
  validation works it out once. A signature it refuses raises again every time.
- ``_check_signing_certificate`` (the signer's certificate against the signing-certificate
  attribute) runs twice per signature, the second time on a copy of the signed attributes that
  is parsed again; a check that passed is remembered for the same certificate object and the
  same encoded attributes (a pure function of the two), for the last few signatures. A check
  that fails raises again every time.
- ``derive_validation_object_identifier`` hashes the encoding of every certificate, OCSP
  response and CRL a validation knows of, for every signature validated; a batch shares those
  objects (:mod:`signing.validation.cache`), so the identifier is kept by object (the object is
  kept alive with it; asn1crypto objects read from the network or a file are not modified).
- ``DefaultSignatureValidator.validate_signature`` (pyhanko-certvalidator) verifies the
  certificate signatures of the signer's path once per file though they are the same bytes
  every time; a verification that succeeded is remembered by everything it depends on (the
  signature, the signed bytes, the public key, the algorithm and the context), for a bounded
  number of them. A verification that fails raises again every time.

:func:`install` is idempotent; :func:`uninstall` undoes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asn1crypto import algos, cms, keys, x509
    from pyhanko.sign.general import SignedDataCerts
    from pyhanko.sign.validation.ades import ValidationObject
    from pyhanko_certvalidator.sig_validate import SignatureValidationContext

_KEPT_SIGNED_DATA = 8
_KEPT_IDENTIFIERS = 4096

#: pyHanko's own functions while installed
_originals: dict[str, Callable[..., Any]] = {}
_certs_by_signed_data: dict[int, tuple[cms.SignedData, SignedDataCerts]] = {}
_info_by_signed_data: dict[int, tuple[cms.SignedData, SignedDataCerts]] = {}
_identifiers: dict[tuple[str, int], tuple[object, str | None]] = {}
_passed_certificate_checks: dict[tuple[int, bytes], x509.Certificate] = {}
_KEPT_VERIFICATIONS = 1024
_verified: set[tuple[bytes, bytes, bytes, bytes, str | None, bool]] = set()


def extract_certificate_info(signed_data: cms.SignedData) -> SignedDataCerts:
    """pyHanko's function, without copying untagged certificates, its answer kept for the
    same signed-data object."""
    from pyhanko.sign.general import SignedDataCerts, _partition_certs, extract_signer_info

    kept = _info_by_signed_data.get(id(signed_data))
    if kept is not None and kept[0] is signed_data:
        return kept[1]
    certs = []
    attr_certs = []
    for choice in signed_data["certificates"]:
        chosen = choice.chosen
        cert = chosen if chosen.explicit is None and not chosen.implicit else chosen.untag()
        if choice.name == "certificate":
            certs.append(cert)
        elif choice.name == "v2_attr_cert":
            attr_certs.append(cert)
    signer_info = extract_signer_info(signed_data)
    signer_cert, other_certs = _partition_certs(certs, signer_info)
    answer = SignedDataCerts(signer_cert=signer_cert, other_certs=other_certs,
                             attribute_certs=attr_certs)
    if len(_info_by_signed_data) >= _KEPT_SIGNED_DATA:
        _info_by_signed_data.clear()
    _info_by_signed_data[id(signed_data)] = (signed_data, answer)
    return answer


def extract_certs_for_validation(signed_data: cms.SignedData) -> SignedDataCerts:
    """pyHanko's function, its answer kept for the same signed-data object."""
    kept = _certs_by_signed_data.get(id(signed_data))
    if kept is not None and kept[0] is signed_data:
        return kept[1]
    answer = _originals["extract_certs_for_validation"](signed_data)
    if len(_certs_by_signed_data) >= _KEPT_SIGNED_DATA:
        _certs_by_signed_data.clear()
    _certs_by_signed_data[id(signed_data)] = (signed_data, answer)
    return answer


def _check_signing_certificate(cert: x509.Certificate, signed_attrs: cms.CMSAttributes,
                               ) -> None:
    """pyHanko's check, remembered once passed."""
    key = (id(cert), signed_attrs.contents)
    if _passed_certificate_checks.get(key) is cert:
        return
    _originals["_check_signing_certificate"](cert, signed_attrs)
    if len(_passed_certificate_checks) >= _KEPT_SIGNED_DATA:
        _passed_certificate_checks.clear()
    _passed_certificate_checks[key] = cert


def validate_signature(self: Any, signature: bytes, signed_data: bytes,
                       public_key_info: keys.PublicKeyInfo,
                       signature_algorithm: algos.SignedDigestAlgorithm,
                       context: SignatureValidationContext | None = None) -> None:
    """pyhanko-certvalidator's verification, remembered once it succeeded."""
    from pyhanko_certvalidator.sig_validate import DEFAULT_VALIDATION_CONTEXT

    context = DEFAULT_VALIDATION_CONTEXT if context is None else context
    key = (signature, signed_data, public_key_info.dump(), signature_algorithm.dump(),
           context.contextual_md_algorithm, context.prehashed)
    try:
        if key in _verified:
            return
    except TypeError:  # not plain bytes (a memoryview, say): verified as pyHanko does
        _originals["validate_signature"](self, signature, signed_data, public_key_info,
                                         signature_algorithm, context)
        return
    _originals["validate_signature"](self, signature, signed_data, public_key_info,
                                     signature_algorithm, context)
    if len(_verified) >= _KEPT_VERIFICATIONS:
        _verified.clear()
    _verified.add(key)


def derive_validation_object_identifier(vo: ValidationObject) -> str | None:
    """pyHanko's identifier, kept by certificate, OCSP response or CRL object."""
    from pyhanko.sign.validation.ades import ValidationObjectType

    kind = vo.object_type
    if kind is ValidationObjectType.CERTIFICATE:
        value = vo.value
    elif kind is ValidationObjectType.OCSP_RESPONSE:
        value = vo.value.ocsp_response_data  # one response, whichever of its single answers
    elif kind is ValidationObjectType.CRL:
        value = vo.value.crl_data
    else:
        return _originals["derive_validation_object_identifier"](vo)
    key = (kind.value, id(value))
    kept = _identifiers.get(key)
    if kept is not None and kept[0] is value:
        return kept[1]
    identifier = _originals["derive_validation_object_identifier"](vo)
    if len(_identifiers) >= _KEPT_IDENTIFIERS:
        _identifiers.clear()
    _identifiers[key] = (value, identifier)
    return identifier


def install() -> None:
    """Put these functions where pyHanko's validation calls its own."""
    from pyhanko.sign.validation import ades, generic_cms
    from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

    if _originals:
        return
    _originals.update(
        validate_signature=DefaultSignatureValidator.validate_signature,
        extract_certificate_info=generic_cms.extract_certificate_info,
        extract_certs_for_validation=generic_cms.extract_certs_for_validation,
        derive_validation_object_identifier=ades.derive_validation_object_identifier,
        _check_signing_certificate=generic_cms._check_signing_certificate,
    )
    generic_cms.extract_certificate_info = extract_certificate_info
    ades.extract_certificate_info = extract_certificate_info
    generic_cms.extract_certs_for_validation = extract_certs_for_validation
    ades.derive_validation_object_identifier = derive_validation_object_identifier
    generic_cms._check_signing_certificate = _check_signing_certificate
    DefaultSignatureValidator.validate_signature = validate_signature  # type: ignore[method-assign]


def uninstall() -> None:
    """Put pyHanko's own functions back (benchmarks compare against them in one process)."""
    from pyhanko.sign.validation import ades, generic_cms
    from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

    if not _originals:
        return
    DefaultSignatureValidator.validate_signature = (  # type: ignore[method-assign]
        _originals["validate_signature"])
    generic_cms.extract_certificate_info = _originals["extract_certificate_info"]
    ades.extract_certificate_info = _originals["extract_certificate_info"]
    generic_cms.extract_certs_for_validation = _originals["extract_certs_for_validation"]
    ades.derive_validation_object_identifier = _originals["derive_validation_object_identifier"]
    generic_cms._check_signing_certificate = _originals["_check_signing_certificate"]
    _originals.clear()
    _certs_by_signed_data.clear()
    _info_by_signed_data.clear()
    _passed_certificate_checks.clear()
    # (the remembered verifications and identifiers stay: pure functions of their keys)
