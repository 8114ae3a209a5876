"""The development TSA's tokens, made with encoded-once parts (signing.devpki_tsa), are the
tokens certomancer makes: same fields and certificates, valid for pyHanko."""

from __future__ import annotations

import asyncio
import hashlib
import os
import urllib.request

from asn1crypto import pem, tsp, x509
from certomancer import services
from certomancer.registry import ServiceLabel
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from signing import devpki
from signing.devpki_tsa import EncodedOnceTimeStamper


def _request(digest: bytes, nonce: int) -> tsp.TimeStampReq:
    return tsp.TimeStampReq({"version": 1, "nonce": nonce, "cert_req": True, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest}})


def _served_token(pki: devpki.DevPki, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
    http = urllib.request.Request(pki.tsa_url, data=request.dump(),
                                  headers={"Content-Type": "application/timestamp-query"})
    with urllib.request.urlopen(http) as answer:
        return tsp.TimeStampResp.load(answer.read())


def _root(pki: devpki.DevPki, label: str) -> x509.Certificate:
    return x509.Certificate.load(pem.unarmor(pki.cert(label).read_bytes())[2])


def test_served_tokens_validate_and_answer_their_request(pki_services):
    context = ValidationContext(trust_roots=[_root(pki_services, "pub-root")])
    for _ in range(3):  # the encoded parts are reused from the second token on
        digest, nonce = hashlib.sha256(os.urandom(16)).digest(), int.from_bytes(os.urandom(7))
        token = _served_token(pki_services, _request(digest, nonce))
        assert token["status"]["status"].native == "granted"
        signed = token["time_stamp_token"]["content"]
        info = signed["encap_content_info"]["content"].parsed
        assert info["message_imprint"]["hashed_message"].native == digest
        assert info["nonce"].native == nonce
        status = asyncio.run(validate_tst_signed_data(signed, context, lambda _, d=digest: d))
        assert status["intact"] and status["valid"], status
        assert status["trust_problem_indic"] is None, status


def test_same_token_as_certomancer_but_for_time_serial_and_signature(dev_pki):
    animator = devpki.make_animator(dev_pki)
    registry = animator.architectures[devpki.ARCH].service_registry
    request = _request(hashlib.sha256(b"one document").digest(), 4242)
    tsa = registry.summon_timestamper(ServiceLabel("pub-tsa"))
    assert isinstance(tsa, EncodedOnceTimeStamper)
    ours = tsa.request_tsa_response(request)
    theirs = services.TimeStamper.request_tsa_response(tsa, request)

    def parts(answer: tsp.TimeStampResp) -> tuple[object, ...]:
        signed = tsp.TimeStampResp.load(answer.dump())["time_stamp_token"]["content"]
        info = signed["encap_content_info"]["content"].parsed
        signer = signed["signer_infos"][0]
        return (answer["status"].dump(), signed["version"].native,
                signed["digest_algorithms"].dump(),
                sorted(c.dump() for c in signed["certificates"]),
                signer["sid"].dump(), signer["signature_algorithm"].dump(),
                [(a["type"].native, a["values"].dump()) for a in signer["signed_attrs"]
                 if a["type"].native not in ("signing_time", "message_digest")],
                {k: info[k].dump() for k in ("version", "policy", "message_imprint", "nonce",
                                             "tsa")})

    assert parts(ours) == parts(theirs)
