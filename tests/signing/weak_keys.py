"""Keys and signatures under the 2025 rules, for tests: a 1024-bit RSA certificate issued by the
development PKI's government CA (with cryptography, from certomancer's keys and certificates),
and signatures made with pyHanko directly (SHA-1, PKCS#1 v1.5), which edochub refuses to make."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtensionOID, NameOID

from signing import devpki

WEAK_NAME = "Lê Văn Khóa Yếu"


def weak_p12(pki: devpki.DevPki, directory: Path, bits: int = 1024,
             curve: str | None = None) -> Path:
    """A PKCS#12 (no password) holding a ``bits``-bit RSA key (or an ECDSA key on ``curve``)
    and its certificate, issued by the PKI's ``gov-ca`` with the same CRL distribution point
    as the PKI's officials."""
    ca_key = serialization.load_pem_private_key(pki.key("gov-ca").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(pki.cert("gov-ca").read_bytes())
    template = x509.load_pem_x509_certificate(pki.cert("leader-an").read_bytes())
    key = (ec.generate_private_key(getattr(ec, curve.upper())()) if curve
           else rsa.generate_private_key(public_exponent=65537, key_size=bits))
    now = datetime.now(UTC)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ủy ban nhân dân tỉnh Mẫu"),
        x509.NameAttribute(NameOID.COMMON_NAME, WEAK_NAME),
    ])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=365))
               .add_extension(x509.KeyUsage(
                   digital_signature=True, content_commitment=True, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=False,
                   crl_sign=False, encipher_only=False, decipher_only=False), critical=True))
    dist = template.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS)
    builder = builder.add_extension(dist.value, critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    path = directory / f"weak-{curve or bits}.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"weak", key, cert, [ca_cert], serialization.NoEncryption()))
    return path


def pyhanko_sign(p12: Path, data: bytes, *, digest: str = "sha256", pss: bool = False,
                 field: str = "Plain") -> bytes:
    """Sign ``data`` with plain pyHanko (no edochub checks): PKCS#1 v1.5 unless ``pss``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12(str(p12), prefer_pss=pss)
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm=digest,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)))
    return out.getvalue()


def cms_algorithms(pdf: bytes) -> list[tuple[str, str]]:
    """(signature algorithm, digest algorithm) of every signature's CMS in ``pdf``, document
    time-stamps left out, read with asn1crypto straight from each /Contents (nothing of
    edochub or pyHanko involved)."""
    import re

    from asn1crypto import cms

    found = []
    for match in re.finditer(rb"/Contents\s*<([0-9A-Fa-f]+)>", pdf):
        # not stripped of the zero padding: the DER may end in a zero byte of its own (a
        # signature value's last byte); the non-strict load reads its length and stops there
        content = cms.ContentInfo.load(bytes.fromhex(match.group(1).decode()), strict=False)
        if content["content"]["encap_content_info"]["content_type"].native == "tst_info":
            continue  # a document time-stamp: the TSA's business
        info = content["content"]["signer_infos"][0]
        found.append((info["signature_algorithm"]["algorithm"].native,
                      info["digest_algorithm"]["algorithm"].native))
    return found
