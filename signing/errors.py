"""Errors of the signing package. Foreign exceptions (pyHanko, cryptography, PKCS#11) are
translated into these at the package boundary, with a message fit for one line on stderr."""


class SigningError(Exception):
    """Base of every error the signing package reports to a user."""

    exit_code = 2


class BadInputError(SigningError):
    """The input file is not usable: not a PDF, truncated, encrypted, unreadable."""


class KeySourceError(SigningError):
    """The key could not be loaded: wrong password, missing token or key, bad file."""


class CertificateNotUsableError(SigningError):
    """The signer's certificate must not sign now: expired, not yet valid or revoked."""


class DevPkiError(SigningError):
    """The development PKI could not be built or served."""
