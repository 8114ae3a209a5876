"""Errors of the signing package. Foreign exceptions (pyHanko, cryptography, PKCS#11) are
translated into these at the package boundary, with a message fit for one line on stderr."""

from __future__ import annotations

from enum import Enum


class Missing(Enum):
    """What a caller can give to get past an error (the command line maps each to its option)."""

    NUMBER_BOX = "number box"
    DATE_BOX = "date box"
    SIGNER_NAME_OR_BOX = "signer name or box"
    BOX = "box"
    TRUST_ROOT = "trust root"


class SigningError(Exception):
    """Base of every error the signing package reports to a user.

    The message says what is wrong in words that fit every caller (the command line, the
    register's HTTP API). ``missing`` names, in the library's own terms, what the caller could
    supply to get past it (see :class:`Missing`); each front end words that its own way."""

    exit_code = 2

    def __init__(self, message: str = "", *, missing: Missing | None = None) -> None:
        super().__init__(message)
        self.missing = missing


class BadInputError(SigningError):
    """The input file is not usable: not a PDF, truncated, encrypted, unreadable."""


class KeySourceError(SigningError):
    """The key could not be loaded: wrong password, missing token or key, bad file."""


class CertificateNotUsableError(SigningError):
    """The signer's certificate must not sign now: expired, not yet valid or revoked."""


class DevPkiError(SigningError):
    """The development PKI could not be built or served."""


class RemoteSigningError(KeySourceError):
    """A remote-signing service (CSC, or a vendor's phone-confirmed signing) could not be
    used, or did not sign: unreachable, unknown credential, authorisation refused, the
    official refused or let the request expire, or no answer within the time limit."""


#: seconds one request to a TSA, OCSP or CRL service may take (--service-timeout)
DEFAULT_SERVICE_TIMEOUT = 10.0


class ServiceError(SigningError):
    """An outside service (time-stamping, OCSP, CRL) is unreachable, too slow or answered an
    error: nothing was signed. The register's API answers 503."""


class RemoteServiceUnavailable(RemoteSigningError, ServiceError):
    """The remote-signing service is unreachable, too slow or failing (a 5xx answer): nothing
    was signed and asking again later may work. The register's API answers 503, as for a TSA
    that is down; a refusal (wrong PIN, unknown credential, the official said no) stays a
    :class:`RemoteSigningError` the caller must act on."""


class CryptoRuleError(SigningError):
    """A key or digest under the rules of :mod:`signing.crypto_rules`: nothing is signed."""
