"""A known outcome of the signer-certificate check handed to pyHanko: a change that could go
upstream to pyHanko (a hook in ``pyhanko.sign.validation.generic_cms.cms_basic_validation``
for an outcome its caller already holds).

Basic validation (ETSI EN 319 102-1 5.3) checks the signature and then the signer's
certificate: ``generic_cms.validate_cert_usage`` builds a path from the certificates the
signature carries, checks every certificate's signature, validity, extensions and revocation
status, then the signer's key usage. In a batch the same few signers sign thousands of files,
and that check (the dearest part of validating a one-page file) gives the same outcome for each
as long as its inputs are the same: :class:`signing.validation.cache.ValidatedPaths` decides
when they are, and hands the outcome it remembered through :func:`scoped`.

Inside :func:`scoped`, :func:`validate_cert_usage` returns a ``known`` outcome of the slot
when the certificate, key-usage rules and trust anchors (pyHanko's trust manager object) are
those it was reached with, no extra path-validation parameters are given and the validation
time is within the slot's window; otherwise it runs pyHanko's own check and records its outcome
in the slot (with whether the context held any revocation data, and could fetch). A signature
time-stamp's check (the TSA's certificate) goes through it alike.
Outside :func:`scoped` (pyHanko used elsewhere in the process: signing, time-stamp tokens,
augmentation) it is pyHanko's own function.

Inside :func:`scoped` too, the set of validation objects pyHanko attaches to each result
(``ades.ValidationObjectSet``: every certificate, OCSP response and CRL its contexts know of,
each hashed for an identifier, built at least twice per signature) is worked out when first
read instead of when made. Only pyHanko's ETSI report reads it, and edochub writes its own
report from the verdicts, so within our validations it is never read and never worked out.
:func:`install` is idempotent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asn1crypto import x509
    from pyhanko.sign.validation.generic_cms import CertvalidatorOperationResult
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext


@dataclass
class Check:
    """One signer-certificate check: whose certificate, with which key-usage rules, against
    which trust anchors (pyHanko's trust manager object), and its outcome."""

    cert_sha256: bytes
    key_usage: KeyUsageConstraints
    trust: object
    outcome: CertvalidatorOperationResult


@dataclass
class Slot:
    """What the basic validations of one signature (its own and its time-stamps') may reuse
    (``known``, for a validation time from ``usable_from`` to ``usable_until``) and what
    pyHanko's own checks gave (``seen``, with whether their contexts held no revocation data
    and could fetch none)."""

    known: list[Check] = field(default_factory=list)
    usable_from: datetime | None = None
    usable_until: datetime | None = None
    #: how many checks came from ``known``
    reused: int = 0
    seen: list[Check] = field(default_factory=list)
    seen_without_revinfo: bool = True

    def find(self, cert: x509.Certificate, key_usage: KeyUsageConstraints,
             context: ValidationContext) -> Check | None:
        if self.usable_from is None or self.usable_until is None \
                or not self.usable_from <= context.moment <= self.usable_until:
            return None
        trust = _trust(context)
        return next((check for check in self.known
                     if check.cert_sha256 == cert.sha256 and check.trust is trust
                     and check.key_usage == key_usage), None)


def _trust(context: ValidationContext) -> object:
    return context.path_builder.trust_manager


_slot: ContextVar[Slot | None] = ContextVar("edochub_signer_check", default=None)
_original: Callable[..., Any] | None = None
_original_set: type | None = None


async def validate_cert_usage(cert: x509.Certificate, validation_context: ValidationContext,
                              key_usage_settings: KeyUsageConstraints, paths: Any,
                              pkix_validation_params: Any = None,
                              ) -> CertvalidatorOperationResult:
    """pyHanko's ``validate_cert_usage``, or the slot's known outcome (see the module)."""
    from pyhanko.sign.validation import generic_cms

    original = _original if _original is not None else generic_cms.validate_cert_usage
    slot = _slot.get()
    if slot is None or pkix_validation_params is not None:
        return await original(cert, validation_context, key_usage_settings, paths,
                              pkix_validation_params)
    known = slot.find(cert, key_usage_settings, validation_context)
    if known is not None:
        slot.reused += 1
        return known.outcome
    outcome = await original(cert, validation_context, key_usage_settings, paths,
                             pkix_validation_params)
    slot.seen.append(Check(cert.sha256, key_usage_settings, _trust(validation_context),
                           outcome))
    slot.seen_without_revinfo &= (not validation_context.fetching_allowed
                                  and not validation_context.ocsps
                                  and not validation_context.crls)
    return outcome


def _lazy_object_set() -> type:
    """pyHanko's ValidationObjectSet, its objects gathered when first read inside
    :func:`scoped` (see the module)."""
    from pyhanko.sign.validation.ades import ValidationObjectSet

    class LazyValidationObjectSet(ValidationObjectSet):
        def __init__(self, *object_collections: Any) -> None:
            if _slot.get() is None:
                super().__init__(*object_collections)
            else:
                self._pending: tuple[Any, ...] | None = object_collections

        @property
        def _things(self) -> dict[str, Any]:
            pending = self.__dict__.pop("_pending", None)
            if pending is not None:
                super().__init__(*pending)
            return self.__dict__["_things_gathered"]

        @_things.setter
        def _things(self, things: dict[str, Any]) -> None:
            self.__dict__["_things_gathered"] = things

    return LazyValidationObjectSet


@contextlib.contextmanager
def scoped(slot: Slot) -> Iterator[Slot]:
    """Basic validations run inside see ``slot`` (this task and the ones it starts)."""
    install()
    token = _slot.set(slot)
    try:
        yield slot
    finally:
        _slot.reset(token)


def install() -> None:
    """Put :func:`validate_cert_usage` where ``cms_basic_validation`` calls it."""
    global _original, _original_set
    from pyhanko.sign.validation import ades, generic_cms

    if generic_cms.validate_cert_usage is validate_cert_usage:
        return
    _original = generic_cms.validate_cert_usage
    generic_cms.validate_cert_usage = validate_cert_usage
    _original_set = ades.ValidationObjectSet
    ades.ValidationObjectSet = _lazy_object_set()  # type: ignore[misc,assignment]


def uninstall() -> None:
    """Put pyHanko's own function back (benchmarks compare against it in one process)."""
    from pyhanko.sign.validation import ades, generic_cms

    if _original is not None:
        generic_cms.validate_cert_usage = _original
    if _original_set is not None:
        ades.ValidationObjectSet = _original_set  # type: ignore[misc,assignment]
