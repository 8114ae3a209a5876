"""Validation results: frozen, pyHanko-free, with one overall verdict (``bottom_line``).

Indications and sub-indications are those of ETSI EN 319 102-1; the JSON shape is the contract
of ``edochub verify --json`` that other tools and the register rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from signing.crypto_rules import KeyInfo, SignatureAlgorithm
from signing.validation.problems import Problem


class Indication(StrEnum):
    TOTAL_PASSED = "TOTAL-PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL-FAILED"


class SubIndication(StrEnum):
    """ETSI EN 319 102-1 sub-indications (clause 5.1.3)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    GENERIC = "GENERIC"


class ModificationLevel(StrEnum):
    """What was changed in the file after a signature, by kind (DOMAIN.md §3)."""

    NONE = "NONE"
    LTA_UPDATES = "LTA_UPDATES"
    FORM_FILLING = "FORM_FILLING"
    ANNOTATIONS = "ANNOTATIONS"
    OTHER = "OTHER"


class PadesLevel(StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


class Coverage(StrEnum):
    ENTIRE_FILE = "ENTIRE_FILE"
    ENTIRE_REVISION = "ENTIRE_REVISION"
    PARTIAL = "PARTIAL"


class TimestampKind(StrEnum):
    """What gives a signature its proof of existence (``timestamp_time``): its own signature
    time-stamp (B-T and up), or a later document time-stamp over the file (``/DocTimeStamp``,
    ETSI EN 319 142-1), e.g. after ``augment`` of a B-B signature."""

    SIGNATURE = "signature"
    DOCUMENT = "document"


class SignatureRole(StrEnum):
    """The Decree 30 role a signature was made in by the hub (null when not made by the hub)."""

    LEADER = "leader"
    ORGANIZATION = "organization"
    ATTACHMENT = "attachment"
    COPY = "copy"


@dataclass(frozen=True)
class Signer:
    common_name: str | None
    organization: str | None
    serial_number: str
    subject: str
    #: agency code (mã định danh cơ quan) from organizationIdentifier, e.g. ``000.00.00.H41``
    organization_identifier: str | None = None


@dataclass(frozen=True)
class SignatureResult:
    field: str
    indication: Indication
    sub_indication: SubIndication | None
    signer: Signer | None
    signing_time: datetime | None
    timestamp_time: datetime | None
    level: PadesLevel | None
    coverage: Coverage | None
    modification_level: ModificationLevel | None
    trust_anchor: str | None
    role: SignatureRole | None = None
    #: where ``timestamp_time`` comes from (None when there is none)
    timestamp_kind: TimestampKind | None = None
    #: what went wrong or was noticed, as codes with parameters
    findings: tuple[Problem, ...] = ()
    #: what the signature was made with (None when its container cannot be read)
    algorithm: SignatureAlgorithm | None = None
    key: KeyInfo | None = None

    @property
    def bottom_line(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    @property
    def problems(self) -> tuple[str, ...]:
        """The findings in plain English (the ``problems`` of the JSON output)."""
        return tuple(finding.text("en") for finding in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "indication": self.indication.value,
            "sub_indication": _value(self.sub_indication),
            "signer": None if self.signer is None else {
                "common_name": self.signer.common_name,
                "organization": self.signer.organization,
                "serial_number": self.signer.serial_number,
                "subject": self.signer.subject,
                "organization_identifier": self.signer.organization_identifier,
            },
            "signing_time": _iso(self.signing_time),
            "timestamp_time": _iso(self.timestamp_time),
            "timestamp_kind": _value(self.timestamp_kind),
            "level": _value(self.level),
            "coverage": _value(self.coverage),
            "modification_level": _value(self.modification_level),
            "trust_anchor": self.trust_anchor,
            "role": _value(self.role),
            "signature_algorithm": None if self.algorithm is None else self.algorithm.name,
            "digest_algorithm": None if self.algorithm is None else self.algorithm.digest,
            "key": None if self.key is None else self.key.to_json(),
            "problems": list(self.problems),
            "findings": [finding.to_json() for finding in self.findings],
        }


@dataclass(frozen=True)
class FileResult:
    path: str
    error: str | None = None
    signatures: tuple[SignatureResult, ...] = field(default_factory=tuple)

    @property
    def bottom_line(self) -> bool:
        return self.error is None and bool(self.signatures) and all(
            s.bottom_line for s in self.signatures
        )

    @property
    def exit_code(self) -> int:
        """The ``edochub verify`` exit code this file alone would give."""
        if self.error is not None:
            return 2
        if not self.signatures:
            return 4
        indications = {s.indication for s in self.signatures}
        if Indication.TOTAL_FAILED in indications:
            return 1
        if Indication.INDETERMINATE in indications:
            return 3
        return 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "error": self.error,
            "signatures": [s.to_json() for s in self.signatures],
        }


def combined_exit_code(results: list[FileResult]) -> int:
    """0 all passed; 1 any failed; 3 any indeterminate and none failed; 4 a file unsigned;
    2 unusable input. Failure outranks unusable input, which outranks the rest."""
    codes = {r.exit_code for r in results}
    for code in (1, 2, 3, 4):
        if code in codes:
            return code
    return 0


def _value(item: StrEnum | None) -> str | None:
    return None if item is None else item.value


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
