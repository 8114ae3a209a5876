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

Inside :func:`scoped`, :func:`validate_cert_usage` returns the ``known`` outcome when the
certificate, key-usage rules and path-validation parameters are those of the slot and the
slot accepts the validation context; otherwise it runs pyHanko's own check and records its
outcome in the slot (with whether the context held any revocation data, and could fetch).
Outside :func:`scoped` (pyHanko used elsewhere in the process: signing, time-stamp tokens,
augmentation) it is pyHanko's own function. :func:`install` is idempotent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asn1crypto import x509
    from pyhanko.sign.validation.generic_cms import CertvalidatorOperationResult
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext


@dataclass
class Slot:
    """What one basic validation may reuse (``known``, before ``usable_until`` and from
    ``usable_from`` on) and what pyHanko's own check gave (``seen``)."""

    cert_sha256: bytes
    key_usage: KeyUsageConstraints
    known: CertvalidatorOperationResult | None = None
    usable_from: datetime | None = None
    usable_until: datetime | None = None
    #: whether ``known`` was given to pyHanko
    reused: bool = False
    seen: CertvalidatorOperationResult | None = None
    #: whether the context of ``seen`` held no revocation data and could fetch none
    seen_without_revinfo: bool = False
    #: the validation time of ``seen``
    seen_at: datetime | None = None

    def accepts(self, context: ValidationContext) -> bool:
        moment = context.moment
        return (self.known is not None and self.usable_from is not None
                and self.usable_until is not None
                and self.usable_from <= moment <= self.usable_until)


_slot: ContextVar[Slot | None] = ContextVar("edochub_signer_check", default=None)
_original: Callable[..., Any] | None = None


async def validate_cert_usage(cert: x509.Certificate, validation_context: ValidationContext,
                              key_usage_settings: KeyUsageConstraints, paths: Any,
                              pkix_validation_params: Any = None,
                              ) -> CertvalidatorOperationResult:
    """pyHanko's ``validate_cert_usage``, or the slot's known outcome (see the module)."""
    from pyhanko.sign.validation import generic_cms

    original = _original if _original is not None else generic_cms.validate_cert_usage
    slot = _slot.get()
    if slot is None or pkix_validation_params is not None or cert.sha256 != slot.cert_sha256 \
            or key_usage_settings != slot.key_usage:
        return await original(cert, validation_context, key_usage_settings, paths,
                              pkix_validation_params)
    if slot.accepts(validation_context):
        slot.reused = True
        assert slot.known is not None
        return slot.known
    outcome = await original(cert, validation_context, key_usage_settings, paths,
                             pkix_validation_params)
    slot.seen = outcome
    slot.seen_at = validation_context.moment
    slot.seen_without_revinfo = (not validation_context.fetching_allowed
                                 and not validation_context.ocsps
                                 and not validation_context.crls)
    return outcome


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
    global _original
    from pyhanko.sign.validation import generic_cms

    if generic_cms.validate_cert_usage is validate_cert_usage:
        return
    _original = generic_cms.validate_cert_usage
    generic_cms.validate_cert_usage = validate_cert_usage


def uninstall() -> None:
    """Put pyHanko's own function back (benchmarks compare against it in one process)."""
    from pyhanko.sign.validation import generic_cms

    if _original is not None:
        generic_cms.validate_cert_usage = _original
