"""Long-term validation (ETSI EN 319 102-1, 5.6.3) of a signature without a signature time-stamp
whose proof of existence is a later document time-stamp: a B-B signature augmented to B-LT or
B-LTA (ETSI EN 319 142-1 allows B-T through a document time-stamp), or a Decree 30 leader
signature under an organization seal at B-LTA. pyHanko side of :mod:`signing.validation.validator`.

pyHanko's ``ades_lta_validation`` stops at "no signature time-stamp present", so this runs the
same steps with pyHanko's own parts: the chain of document time-stamps validated as evidence
(proof of existence for the signature and for the validation data in the DSS), validation at the
current time with the DSS's data, and, when that is indeterminate for want of fresh revocation
data or because a certificate has since expired or been revoked, past signature validation at
the time of proof.
"""

from __future__ import annotations

import dataclasses
from copy import copy
from datetime import datetime


async def document_timestamp_validation(embedded, pdf_spec, timing_info):
    """``(result, proof_time)``: the pyHanko AdES result of ``embedded`` with its document
    time-stamps as proof of existence, and the time they prove; ``None`` when no validated
    document time-stamp covers the signature."""
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation.ades import (  # pyHanko's LTA steps, as its own process uses them
        _LTA_FURTHER_PROC,
        _ades_past_signature_validation,
        _build_prima_facie_poe_index_from_pdf_timestamps,
        _dss_to_local_knowledge,
        _validate_prima_facie_poe,
        ades_basic_validation,
    )
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.policy_decl import bootstrap_validation_data_handlers
    from pyhanko_certvalidator.errors import PathError

    spec = dataclasses.replace(pdf_spec.signature_validation_spec,
                               local_knowledge=_dss_to_local_knowledge(embedded.reader))
    evidence = _build_prima_facie_poe_index_from_pdf_timestamps(
        embedded.reader, include_content_ts=True, diff_policy=pdf_spec.diff_policy)
    try:
        proofs = await _validate_prima_facie_poe(evidence, validation_spec=spec,
                                                 cur_timing_info=timing_info)
    except SignatureValidationError:
        return None
    proof = _proof_time(proofs, embedded.signer_info["signature"].native,
                        timing_info.validation_time)
    if proof is None:
        return None
    current = await ades_basic_validation(
        embedded.signed_data, spec, timing_info=timing_info,
        raw_digest=embedded.compute_digest(),
        validation_data_handlers=bootstrap_validation_data_handlers(
            spec, timing_info=timing_info, poe_manager_override=copy(proofs)))
    if current.ades_subindic is AdESPassed.OK:
        return current, proof
    if current.ades_subindic not in _LTA_FURTHER_PROC or current.api_status is None:
        return current, None
    try:
        path = await _ades_past_signature_validation(
            signed_data=embedded.signed_data, validation_spec=spec, poe_manager=copy(proofs),
            current_time_sub_indic=current.ades_subindic,
            init_control_time=timing_info.validation_time, is_timestamp=False)
    except SignatureValidationError as exc:
        return dataclasses.replace(current, ades_subindic=exc.ades_subindication
                                   or current.ades_subindic,
                                   failure_msg=exc.failure_message), None
    except PathError:
        return current, None
    status = dataclasses.replace(current.api_status, trust_problem_indic=None,
                                 validation_path=current.api_status.validation_path or path)
    return dataclasses.replace(current, ades_subindic=AdESPassed.OK, failure_msg=None,
                               api_status=status), proof


def _proof_time(proofs, signature: bytes, now: datetime) -> datetime | None:
    from pyhanko_certvalidator.ltv.poe import digest_for_poe

    # POEManager.__getitem__ would register "now" for an unknown item: look it up instead
    known = [poe.poe_time for poe in proofs if poe.digest == digest_for_poe(signature)]
    proof = min(known, default=None)
    return proof if proof is not None and proof < now else None
