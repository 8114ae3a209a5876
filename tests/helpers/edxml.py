"""edXML in tests: the published conformance samples, and envelope signers with certificates
made on the spot (for signers the development PKI does not have)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from axis import edxml

SAMPLES_RELATIVE = Path("shared") / "conformance" / "edxml-sdk-samples"


def find_samples() -> Path:
    """The samples live next to the repository (``../shared``; ``../../shared`` from a
    worktree under ``wt/``); ``EDOCHUB_EDXML_SAMPLES`` overrides."""
    if os.environ.get("EDOCHUB_EDXML_SAMPLES"):
        return Path(os.environ["EDOCHUB_EDXML_SAMPLES"])
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / SAMPLES_RELATIVE).is_dir():
            return parent / SAMPLES_RELATIVE
    raise RuntimeError("edXML conformance samples not found: set EDOCHUB_EDXML_SAMPLES")


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def minted_signer(dev_pki, organ_id: str, *, issuer: str | None = "gov-ca", ec_key=False,
                  not_after: datetime | None = None) -> edxml.EnvelopeSigner:
    """A certificate naming ``organ_id``, issued with the dev PKI's ``issuer`` key (self-signed
    when None), as someone holding that key could make it; its chain travels with it."""
    key = (ec.generate_private_key(ec.SECP256R1()) if ec_key
           else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ủy ban nhân dân tỉnh Mẫu"),
                         x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organ_id),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Ủy ban nhân dân tỉnh Mẫu")])
    now = datetime.now(UTC)
    if issuer is None:
        issuer_name, issuer_key, chain = subject, key, b""
    else:
        issuer_cert = x509.load_pem_x509_certificate(dev_pki.cert(issuer).read_bytes())
        issuer_name, chain = issuer_cert.subject, dev_pki.cert(issuer).read_bytes()
        issuer_key = serialization.load_pem_private_key(dev_pki.key(issuer).read_bytes(), None)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2022, 1, 1, tzinfo=UTC))
            .not_valid_after(not_after or now + timedelta(days=365))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(issuer_key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return edxml.EnvelopeSigner(key_pem, pem(cert) + chain)
