"""Optional XML signature (XML-DSig, enveloped) over the ``edXMLEnvelope``, with the
organization's certificate (chữ ký số của cơ quan). signxml types stay in this module.

The signature sits in ``edXMLHeader`` after ``TraceHeaderList``, as in the published samples.
Those samples carry a *placeholder* block (no XML-DSig namespace, a truncated certificate):
it is reported as ``"placeholder"``, i.e. unsigned, never as valid.

The signature covers the envelope (header, trace and manifest), not the attachment content,
which stays outside the envelope and is streamed; signed PDFs carry their own PAdES signatures.

A signature is ``"valid"`` only when it is intact, its certificate names the sending agency
(organizationIdentifier = ``From``) and that certificate is trusted (:mod:`axis.edxml.trust`);
intact and from the sender but not (or not yet) trusted is ``"untrusted"``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from axis.edxml.decode import Q
from axis.edxml.model import SignatureState
from axis.edxml.trust import EnvelopeTrust
from axis.errors import EnvelopeSignatureError

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
DSIG = f"{{{DSIG_NS}}}"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


@dataclass(frozen=True)
class EnvelopeSigner:
    """The organization's private key and certificate (PEM), e.g. the dev PKI's org-h41.
    The certificate may be followed by its issuing CAs: they travel in the signature, so a
    receiver needs only the root as trust anchor."""

    key_pem: bytes
    cert_pem: bytes

    @classmethod
    def from_files(cls, key: Path, cert: Path) -> EnvelopeSigner:
        return cls(Path(key).read_bytes(), Path(cert).read_bytes())


def sign_envelope(envelope: etree._Element, signer: EnvelopeSigner) -> etree._Element:
    """A signed copy of ``envelope`` (already indented: whitespace is signed too)."""
    from signxml import DigestAlgorithm, SignatureMethod, XMLSigner

    try:
        key = serialization.load_pem_private_key(signer.key_pem, password=None)
        chain = x509.load_pem_x509_certificates(signer.cert_pem)
    except (ValueError, TypeError) as exc:
        raise EnvelopeSignatureError(f"cannot use the signing key or certificate: {exc}") \
            from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise EnvelopeSignatureError("the envelope signing key must be RSA or ECDSA")
    method = (SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey)
              else SignatureMethod.RSA_SHA256)
    header = envelope.find(Q + "edXMLHeader")
    placeholder = etree.SubElement(header, DSIG + "Signature", Id="placeholder",
                                   nsmap={"ds": DSIG_NS})
    placeholder.tail = header[-2].tail if len(header) > 1 else None
    header[-2].tail = header.text
    signed = XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=EXC_C14N).sign(envelope, key=key, cert=chain)
    return signed


def _signature_block(envelope: etree._Element) -> etree._Element | None:
    for parent in (envelope.find(Q + "edXMLHeader"), envelope):
        if parent is None:
            continue
        for child in parent:
            if isinstance(child.tag, str) and etree.QName(child).localname == "Signature":
                return child
    return None


def _certificates(block: etree._Element) -> list[x509.Certificate] | None:
    """The block's certificates, the signer's first (as signxml writes them)."""
    texts = [e.text or "" for e in block.iter(f"{DSIG}X509Certificate")]
    try:
        return [x509.load_der_x509_certificate(base64.b64decode("".join(t.split())))
                for t in texts] or None
    except (ValueError, binascii.Error):
        return None


def check_envelope(envelope: etree._Element, sender_organ_id: str,
                   trust: EnvelopeTrust | None = None) -> tuple[SignatureState, str | None]:
    """The signature state of ``envelope`` and, unless valid or absent, a warning."""
    from signxml import SignatureConfiguration, VerifyResult, XMLVerifier
    from signxml.exceptions import InvalidInput, InvalidSignature

    block = _signature_block(envelope)
    if block is None:
        return "absent", None
    if etree.QName(block).namespace != DSIG_NS:
        return "placeholder", ("placeholder signature block (not in the XML-DSig namespace):"
                               " the envelope is treated as unsigned")
    certs = _certificates(block)
    if certs is None:
        return "placeholder", ("placeholder signature block (unreadable certificate):"
                               " the envelope is treated as unsigned")
    cert, *chain = certs
    # Verify a detached copy, so that the signed data is exactly the envelope.
    standalone = etree.fromstring(
        etree.tostring(envelope),
        etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    try:
        # signxml checks only integrity here: the certificate's validity period is judged
        # with its chain by the trust check ("untrusted" when expired, not "invalid").
        result = XMLVerifier().verify(standalone, x509_cert=cert, expect_config=(
            SignatureConfiguration(verification_time=cert.not_valid_before_utc)))
    except (InvalidSignature, InvalidInput, ValueError) as exc:
        reason = " ".join(str(exc).split())
        return "invalid", f"envelope signature is invalid: {reason}"
    # one expected reference (signxml's default) gives one result, not a list
    result = cast(VerifyResult, result)
    if result.signed_xml is None or result.signed_xml.tag != envelope.tag:
        return "invalid", "envelope signature does not cover the whole envelope"
    organizations = [a.value for a in cert.subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_IDENTIFIER) if isinstance(a.value, str)]
    if not organizations:
        return "invalid", ("envelope signed with a certificate that names no agency"
                           f" (organizationIdentifier), so not by {sender_organ_id}")
    if sender_organ_id not in organizations:
        return "invalid", (f"envelope signed with the certificate of {organizations[0]},"
                           f" but From is {sender_organ_id}")
    if trust is None:
        return "untrusted", ("envelope signature is intact but not trusted: no trust anchors"
                             " were given to check its certificate")
    problem = trust.problem(cert, chain)
    if problem is not None:
        return "untrusted", f"envelope signature is intact but not trusted: {problem}"
    return "valid", None
