"""The trust store (kho chứng thư gốc tin cậy): root certificates ``edochub verify`` trusts when
no ``--trust`` is given, kept apart for signatures and for time-stamps.

Layout: ``<trust dir>/signatures/*.pem`` and ``<trust dir>/timestamps/*.pem``, one certificate
per file named by its SHA-256 fingerprint. The directory is ``$EDOCHUB_TRUST_DIR``, else
``$XDG_DATA_HOME/edochub/trust`` (``~/.local/share/edochub/trust``). When the time-stamp store
is empty, time-stamps are checked against the signature anchors.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from signing.errors import SigningError

ENV_VAR = "EDOCHUB_TRUST_DIR"


class Purpose(StrEnum):
    SIGNATURES = "signatures"
    TIMESTAMPS = "timestamps"


@dataclass(frozen=True)
class TrustedCertificate:
    purpose: Purpose
    fingerprint: str
    subject: str
    not_after: datetime
    path: Path


def default_directory() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "edochub" / "trust"


class TrustStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or default_directory()

    def folder(self, purpose: Purpose) -> Path:
        return self.directory / purpose.value

    def add(self, paths: list[Path], purposes: list[Purpose]) -> list[TrustedCertificate]:
        """Store every certificate found in ``paths`` (files or folders) for ``purposes``."""
        from asn1crypto import pem

        from signing.validation.validator import load_certificates

        added = []
        for cert in load_certificates(paths):
            der = cert.dump()
            fingerprint = hashlib.sha256(der).hexdigest()
            for purpose in purposes:
                folder = self.folder(purpose)
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{fingerprint}.pem"
                target.write_bytes(pem.armor("CERTIFICATE", der))
                added.append(_describe(purpose, target, cert))
        return added

    def list(self) -> list[TrustedCertificate]:
        from signing.validation.validator import load_certificates

        found = []
        for purpose in Purpose:
            for path in sorted(self.folder(purpose).glob("*.pem")):
                (cert,) = load_certificates([path])
                found.append(_describe(purpose, path, cert))
        return found

    def remove(self, fingerprint_prefix: str, purposes: list[Purpose]) -> list[TrustedCertificate]:
        """Remove the certificates whose fingerprint starts with the given hex prefix."""
        prefix = fingerprint_prefix.lower().replace(":", "")
        if len(prefix) < 8:
            raise SigningError("give at least 8 hex digits of the fingerprint to remove")
        matches = [c for c in self.list()
                   if c.purpose in purposes and c.fingerprint.startswith(prefix)]
        if not matches:
            raise SigningError(f"no trusted certificate with fingerprint {fingerprint_prefix}")
        if len({c.fingerprint for c in matches}) > 1:
            raise SigningError(f"fingerprint prefix {fingerprint_prefix} is ambiguous")
        for cert in matches:
            cert.path.unlink()
        return matches

    def anchor_paths(self) -> tuple[list[Path], list[Path] | None]:
        """(signature anchors, time-stamp anchors or None = the same) for the validator."""
        signatures = self.folder(Purpose.SIGNATURES)
        timestamps = self.folder(Purpose.TIMESTAMPS)
        if not any(signatures.glob("*.pem")):
            raise SigningError(
                f"no trust anchors: name them with --trust or add them to the trust store "
                f"({self.directory}) with `edochub trust add`"
            )
        return [signatures], ([timestamps] if any(timestamps.glob("*.pem")) else None)


def _describe(purpose: Purpose, path: Path, cert) -> TrustedCertificate:
    return TrustedCertificate(
        purpose=purpose,
        fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        subject=cert.subject.human_friendly,
        not_after=cert["tbs_certificate"]["validity"]["not_after"].native,
        path=path,
    )
