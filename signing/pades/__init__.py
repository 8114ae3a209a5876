"""PAdES signing (ký số PAdES): key sources (PKCS#12, PKCS#11, remote-signing services), the
signer for levels B-B to B-LTA, and batch signing of folders."""

from signing.crypto_rules import SIGNING_DIGESTS, RsaPadding
from signing.pades.batch import plan, sign_batch
from signing.pades.keys import (
    DEFAULT_PKCS11_PIN_ENV,
    Authorisation,
    CscSource,
    KeySource,
    Pkcs11Source,
    Pkcs12Source,
    PolledSource,
    open_key,
    read_certificates,
)
from signing.pades.opening import async_open_key
from signing.pades.signer import (
    REVOCATION_CHECKS,
    PadesSigner,
    SignatureOptions,
    read_pdf,
    write_atomically,
)

__all__ = [
    "DEFAULT_PKCS11_PIN_ENV",
    "REVOCATION_CHECKS",
    "SIGNING_DIGESTS",
    "Authorisation",
    "CscSource",
    "KeySource",
    "PadesSigner",
    "Pkcs11Source",
    "Pkcs12Source",
    "PolledSource",
    "RsaPadding",
    "SignatureOptions",
    "async_open_key",
    "open_key",
    "plan",
    "read_certificates",
    "read_pdf",
    "sign_batch",
    "write_atomically",
]
