"""Attachments sealed in a worker process (documents.adapters.sealing_pool): the same seal as
the hub's own signer makes, and the hub's own signer takes over when the worker dies (real
PAdES signing and time-stamps on the development PKI)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from documents.adapters import KeyFiles
from edochub import bootstrap
from edochub.samples import simple_pdf
from signing.errors import ServiceError
from signing.stamping import specimens
from tests.helpers.net import free_port


def _verdict(pki, pdf: bytes):
    validator = bootstrap.validator_for(pki.trust_roots)
    try:
        (verdict,) = asyncio.run(validator.validate([("phu-luc.pdf", pdf)]))
    finally:
        validator.close()
    return verdict


def test_worker_seals_and_the_hub_takes_over_when_it_dies(pki_services):
    pki = pki_services
    keys = KeyFiles(pki.p12("org-h41"), {"leader": pki.p12("leader-an")},
                    specimens.seal_png(), {"leader": specimens.signature_png()})
    signer = bootstrap.signer_for(keys, pki.trust_roots, pki.tsa_url)
    sealer = bootstrap.sealer_for(signer, keys, pki.trust_roots, pki.tsa_url, workers=1).start()
    annex = simple_pdf("Phu luc kem theo")
    try:
        in_worker = sealer.submit(annex, "12/QĐ-UBND").result()
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
        after_death = sealer.submit(annex, "13/QĐ-UBND").result()
        assert sealer.sealed_in_worker == 1  # sealed here
        assert _verdict(pki, after_death).bottom_line
        sealer.submit(annex, "14/QĐ-UBND").result()
        assert sealer.sealed_in_worker == 2  # a new worker
    finally:
        sealer.close()
        signer.close()


def test_a_refusal_in_the_worker_is_the_hubs_own_error(pki_services):
    pki = pki_services
    keys = KeyFiles(pki.p12("org-h41"), {"leader": pki.p12("leader-an")},
                    specimens.seal_png(), {"leader": specimens.signature_png()})
    signer = bootstrap.signer_for(keys, pki.trust_roots, pki.tsa_url)
    dead_tsa = f"http://127.0.0.1:{free_port()}/tsa"
    sealer = bootstrap.sealer_for(signer, keys, pki.trust_roots, dead_tsa, workers=1).start()
    try:
        with pytest.raises(ServiceError) as refused:
            sealer.submit(simple_pdf("Phu luc"), "15/QĐ-UBND").result()
        assert str(refused.value) == (f"time-stamping service {dead_tsa} is unreachable "
                                      "(connection refused)")
        assert sealer.sealed_in_worker == 0
    finally:
        sealer.close()
        signer.close()
