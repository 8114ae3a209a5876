"""Validation (kiểm tra chữ ký số) as ETSI EN 319 102-1 results: the validator and its
pyHanko bridge, caches shared across a batch, long-term validation, batches of files and ZIP
archives, the trust store, and preservation (augment, renew)."""

from signing.validation import preservation, upstream, upstream_hex, upstream_names
from signing.validation.batch import (
    BatchItem,
    BatchSettings,
    ZipLimits,
    expanded,
    overall,
    verify_batch,
    write_csv,
    write_json,
)
from signing.validation.isolation import IsolatedValidator, Limits
from signing.validation.kept import KeptValidator
from signing.validation.preservation import EXTENDABLE, augment
from signing.validation.results import (
    FileResult,
    Indication,
    PadesLevel,
    SignatureRole,
    combined_exit_code,
)
from signing.validation.trust_store import Purpose, TrustStore
from signing.validation.validator import (
    ValidationSettings,
    Validator,
    expand_paths,
    load_certificates,
    validate_paths,
)

__all__ = [
    "BatchItem",
    "BatchSettings",
    "EXTENDABLE",
    "FileResult",
    "Indication",
    "IsolatedValidator",
    "KeptValidator",
    "Limits",
    "PadesLevel",
    "Purpose",
    "SignatureRole",
    "TrustStore",
    "ValidationSettings",
    "Validator",
    "ZipLimits",
    "augment",
    "combined_exit_code",
    "expand_paths",
    "expanded",
    "load_certificates",
    "overall",
    "preservation",
    "upstream",
    "upstream_hex",
    "upstream_names",
    "validate_paths",
    "verify_batch",
    "write_csv",
    "write_json",
]
