"""Whether the certificate that signed an envelope is trusted (chứng thư số tin cậy):
it chains to a trust anchor the caller names, is valid now, may sign (key usage) and, as far
as the revocation mode asks, is not revoked. pyhanko-certvalidator types stay in this module.

An envelope carries no trusted time (the trace timestamps are the sender's claim), so the
certificate is checked at reading time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from axis.errors import EnvelopeSignatureError

#: ``require``: fresh OCSP/CRL for every certificate; ``soft``: checked when the certificate
#: names a service, unreachable services tolerated; ``offline``: no network, not checked.
Revocation = Literal["require", "soft", "offline"]
REVOCATION_MODES: tuple[Revocation, ...] = ("require", "soft", "offline")

_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


@dataclass(frozen=True)
class EnvelopeTrust:
    """Trust anchors (DER certificates) and how revocation is checked."""

    anchors: tuple[bytes, ...]
    revocation: Revocation = "soft"

    def __post_init__(self) -> None:
        if not self.anchors:
            raise EnvelopeSignatureError("no trust anchors: name at least one certificate")
        if self.revocation not in REVOCATION_MODES:
            raise EnvelopeSignatureError(f"unknown revocation mode {self.revocation!r}")

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path],
                   revocation: Revocation = "soft") -> EnvelopeTrust:
        """Anchors from PEM/DER files, and from every ``*.pem``/``*.crt``/``*.cer``/``*.der``
        under the named directories; a path naming no certificate is an error."""
        anchors: list[bytes] = []
        for path in map(Path, paths):
            if path.is_dir():
                files = sorted(p for p in path.rglob("*")
                               if p.is_file() and p.suffix.lower() in _CERT_SUFFIXES)
            elif path.is_file():
                files = [path]
            else:
                raise EnvelopeSignatureError(f"trust anchor not found: {path}")
            found = [der for file in files for der in _certificates_in(file)]
            if not found:
                raise EnvelopeSignatureError(f"no certificate in {path}")
            anchors += found
        return cls(tuple(anchors), revocation)

    def problem(self, signer: x509.Certificate,
                others: Sequence[x509.Certificate] = ()) -> str | None:
        """Why ``signer`` is not trusted, or None when it is. ``others`` are the certificates
        sent along with it (its issuing CAs), used to build the path, never as anchors."""
        from asn1crypto import x509 as asn1
        from pyhanko_certvalidator import CertificateValidator, ValidationContext
        from pyhanko_certvalidator.errors import PathBuildingError, PathError, ValidationError

        def load(cert: x509.Certificate) -> asn1.Certificate:
            return asn1.Certificate.load(cert.public_bytes(Encoding.DER))

        async def validate() -> None:
            context = ValidationContext(
                trust_roots=[asn1.Certificate.load(der) for der in self.anchors],
                other_certs=[load(c) for c in others],
                allow_fetching=self.revocation != "offline",
                revocation_mode="require" if self.revocation == "require" else "soft-fail")
            async with contextlib.aclosing(context):  # its OCSP/CRL fetch session
                await CertificateValidator(load(signer), validation_context=context) \
                    .async_validate_usage({"digital_signature"})

        try:
            asyncio.run(validate())  # parse is synchronous; async callers use a worker thread
        except PathBuildingError:
            return "its certificate does not chain to a trusted root"
        except (PathError, ValidationError) as exc:
            return " ".join(str(exc).split())
        return None


def _certificates_in(file: Path) -> list[bytes]:
    data = file.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(data)]
        return [x509.load_der_x509_certificate(data).public_bytes(Encoding.DER)]
    except ValueError:
        raise EnvelopeSignatureError(f"not a certificate file: {file}") from None
