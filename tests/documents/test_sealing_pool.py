"""Issuing work in a worker process (documents.adapters.sealing_pool): attachments sealed with
the same seal as the hub's own signer makes, the leader's signature checked with the same
verdict and the same refusal, and the hub's own signer taking over when the worker dies (real
PAdES signing, validation and time-stamps on the development PKI)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from decree30 import vietnam_time
from documents.adapters import KeyFiles
from documents.domain import LeaderKey
from edochub import bootstrap
from edochub.samples import simple_pdf
from signing.errors import ServiceError
from signing.stamping import draft_decision_pdf, specimens
from signing.stamping.issuance import IssuanceError
from tests.helpers.net import free_port


def _verdict(pki, pdf: bytes):
    validator = bootstrap.validator_for(pki.trust_roots)
    try:
        (verdict,) = asyncio.run(validator.validate([("phu-luc.pdf", pdf)]))
    finally:
        validator.close()
    return verdict


def _keys(pki) -> KeyFiles:
    return KeyFiles(pki.p12("org-h41"), {"leader": pki.p12("leader-an")},
                    specimens.seal_png(), {"leader": specimens.signature_png()})


def _attachment(sealer, pdf: bytes, number_notation: str):
    checked, (sealed,) = sealer.submit(None, [pdf], number_notation)
    assert checked is None
    return sealed


def test_worker_seals_and_the_hub_takes_over_when_it_dies(pki_services):
    pki = pki_services
    keys = _keys(pki)
    signer = bootstrap.signer_for(keys, pki.trust_roots, pki.tsa_url)
    sealer = bootstrap.sealer_for(signer, keys, pki.trust_roots, pki.tsa_url, workers=1).start()
    annex = simple_pdf("Phu luc kem theo")
    try:
        in_worker = _attachment(sealer, annex, "12/QĐ-UBND").result()
        assert sealer.sealed_in_worker == 1
        here = signer.seal_attachment(annex, "12/QĐ-UBND")
        for sealed in (in_worker, here):
            verdict = _verdict(pki, sealed)
            assert verdict.bottom_line, verdict.to_json()
            (seal,) = verdict.signatures
            assert seal.role == "attachment"
            assert seal.signer is not None
            assert seal.signer.organization_identifier == "000.00.00.H41"

        os.kill(sealer._worker.process.pid, signal.SIGKILL)  # killed (out of memory, say)
        after_death = _attachment(sealer, annex, "13/QĐ-UBND").result()
        assert sealer.sealed_in_worker == 1  # sealed here
        assert _verdict(pki, after_death).bottom_line
        _attachment(sealer, annex, "14/QĐ-UBND").result()
        assert sealer.sealed_in_worker == 2  # a new worker
    finally:
        sealer.close()
        signer.close()


def test_a_refusal_in_the_worker_is_the_hubs_own_error(pki_services):
    pki = pki_services
    keys = _keys(pki)
    signer = bootstrap.signer_for(keys, pki.trust_roots, pki.tsa_url)
    dead_tsa = f"http://127.0.0.1:{free_port()}/tsa"
    sealer = bootstrap.sealer_for(signer, keys, pki.trust_roots, dead_tsa, workers=1).start()
    try:
        with pytest.raises(ServiceError) as refused:
            _attachment(sealer, simple_pdf("Phu luc"), "15/QĐ-UBND").result()
        assert str(refused.value) == (f"time-stamping service {dead_tsa} is unreachable "
                                      "(connection refused)")
        assert sealer.sealed_in_worker == 0
    finally:
        sealer.close()
        signer.close()


def test_worker_checks_the_leader_signature_as_the_hub_would(pki_services):
    """The check that comes before the seal (Decree 30: the organization signs only what the
    competent person signed), made in the worker: a leader-signed draft passes, an unsigned
    one is refused with the signer's own error and words, and when the worker dies while
    checking the hub checks it itself."""
    pki = pki_services
    keys = _keys(pki)
    signer = bootstrap.signer_for(keys, pki.trust_roots, pki.tsa_url)
    sealer = bootstrap.sealer_for(signer, keys, pki.trust_roots, pki.tsa_url, workers=1).start()
    prepared = signer.prepare(draft_decision_pdf())
    signed = signer.sign_as_leader(prepared, LeaderKey("leader", "Nguyễn Văn An", "Phó Chủ tịch"))
    annex = simple_pdf("Phu luc")
    try:
        checked, (sealed,) = sealer.submit(signed, [annex], "16/QĐ-UBND")
        assert checked is not None
        assert checked.result() is None
        assert _verdict(pki, sealed.result()).bottom_line
        assert (sealer.checked_in_worker, sealer.sealed_in_worker) == (1, 1)

        with pytest.raises(IssuanceError) as here:
            signer.check_leader_signature(prepared)
        checked, sealing = sealer.submit(prepared, [], "17/QĐ-UBND")
        assert checked is not None and sealing == []
        with pytest.raises(IssuanceError) as there:
            checked.result()
        assert str(there.value) == str(here.value)
        assert "no leader signature" in str(there.value)
        assert sealer.checked_in_worker == 1

        # the issue goes on with the check the worker made: the seal over the leader's
        issued = signer.issue(signed, 18, "QĐ-UBND", "Hà Nội", vietnam_time.today(),
                              leader_checked=sealer.submit(signed, [], "18/QĐ-UBND")[0])
        verdict = _verdict(pki, issued)
        assert verdict.bottom_line
        assert [s.role for s in verdict.signatures] == ["leader", "organization"]
        with pytest.raises(IssuanceError):  # and refuses with the worker's refusal
            signer.issue(prepared, 19, "QĐ-UBND", "Hà Nội", vietnam_time.today(),
                         leader_checked=sealer.submit(prepared, [], "19/QĐ-UBND")[0])

        os.kill(sealer._worker.process.pid, signal.SIGKILL)
        sealer._worker.process.join()
        checked, _ = sealer.submit(prepared, [], "20/QĐ-UBND")
        assert checked is None  # the worker was found dead on sending: the hub checks
        checked, _ = sealer.submit(signed, [], "21/QĐ-UBND")  # a new worker
        assert checked is not None and checked.result() is None
    finally:
        sealer.close()
        signer.close()


def test_a_revocation_service_down_during_the_workers_check_is_a_service_error(
        tmp_path_factory):
    """The leader's signature cannot be checked because its OCSP/CRL services answer 404: the
    worker says so as the hub would (ServiceError: the register answers 503, not 422)."""
    from signing import devpki
    from tests.signing.service_doubles import misbehaving_service

    pki = devpki.build(tmp_path_factory.mktemp("pki-worker-404"),
                       f"http://127.0.0.1:{free_port()}")
    keys = _keys(pki)
    with devpki.serving(pki):
        signer = bootstrap.signer_for(keys, pki.trust_roots, pki.tsa_url)
        try:
            signed = signer.sign_as_leader(signer.prepare(draft_decision_pdf()),
                                           LeaderKey("leader", "Nguyễn Văn An", "Phó Chủ tịch"))
        finally:
            signer.close()
    signer = bootstrap.signer_for(keys, pki.trust_roots, None)
    with misbehaving_service(404, port=pki.host_port[1]):
        sealer = bootstrap.sealer_for(signer, keys, pki.trust_roots, None, workers=1).start()
        try:
            checked, _ = sealer.submit(signed, [], "22/QĐ-UBND")
            assert checked is not None
            with pytest.raises(ServiceError) as refused:
                checked.result()
        finally:
            sealer.close()
            signer.close()
    assert str(refused.value).startswith("cannot check the revocation status of the signatures")
    assert "answered HTTP 404 Not Found" in str(refused.value)
