"""Split (token) signing through the JSON API: the hub prepares with the leader's certificate,
the SoftHSM2 token (standing in for the leader's USB token) signs, the hub embeds, validates
and records. Pending requests live in the database: a hub restarted between the two steps
completes what the first one prepared. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from documents.adapters import db
from documents.adapters.models import AuditEntry, OutgoingDocument, PendingTokenSignature, User
from documents.http.app import create_app
from documents.http.server import serving
from documents.services import token_signing
from documents.services.hub import Hub
from tests.helpers.api import api_client, ok, post_draft
from tests.helpers.net import free_port
from tests.helpers.register import (
    add_users,
    decree30_draft,
    make_hub,
    migrated_engine,
    password_hash,
    with_real_signing,
)

AN, BINH = "Nguyễn Văn An", "Trần Thị Bình"  # the dev PKI's leader-an and leader-binh


@pytest.fixture()
def h41(hub: Hub, real_signing) -> Iterator[tuple[Hub, str]]:
    """H41's hub with real signing, its leader named as on their certificate (Nguyễn Văn An)
    and a second leader (Trần Thị Bình); the API served on loopback."""
    with_real_signing(hub, real_signing, "org-h41")
    add_users(hub)
    with db.transaction(hub.sessions) as session:
        session.scalars(select(User).where(User.username == "leader")).one().full_name = AN
        session.add(User(username="leader-binh", full_name=BINH, role="leader",
                         password_hash=password_hash("leader")))
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        yield hub, url


@contextmanager
def _clients(url: str, *usernames: str) -> Iterator[list[httpx.Client]]:
    clients = [api_client(url, name) for name in usernames]
    try:
        yield clients
    finally:
        for client in clients:
            client.close()


def _submitted(url: str) -> int:
    with _clients(url, "specialist") as [specialist]:
        document = ok(post_draft(specialist, decree30_draft()), 201)
        ok(specialist.post(f"/outgoing/{document['id']}/submit"))
    return document["id"]


def _certificate(pki, label: str) -> dict:
    """What the sign-agent's ``/certificate`` reports for the token key ``label``."""
    from signing.validation.validator import load_certificates

    [certificate] = load_certificates([pki.cert(label)])
    [issuer] = load_certificates([pki.cert("gov-ca")])
    return {"certificate": base64.b64encode(certificate.dump()).decode(),
            "chain": [base64.b64encode(issuer.dump()).decode()]}


def _token_signs(token, key_label: str, request_json: str, *, honest: bool = True) -> str:
    """The token's CMS signature over the request, base64. ``honest=False``: the key signs
    the request's attributes even though it is not the certificate's (a forged answer)."""
    from signing.pades.keys import Pkcs11Source, open_key
    from signing.stamping.split import SigningRequest, async_complete

    request = SigningRequest.from_json(request_json)

    async def sign() -> bytes:
        with open_key(Pkcs11Source(token.module, token.token_label, key_label,
                                   token.pin_env)) as key:
            if honest:
                return await async_complete(request, key)
            forged = await key.signer.async_sign_prescribed_attributes(
                request.digest_algorithm, request.signed_attrs())
            return forged.dump()

    return base64.b64encode(asyncio.run(sign())).decode()


def _state(hub: Hub, document_id: int) -> tuple[str, int, int]:
    """Document state, pending requests, and "sign" audit entries: what a refusal must leave
    unchanged."""
    with hub.sessions() as session:
        return (session.get(OutgoingDocument, document_id).state,
                session.scalar(select(func.count()).select_from(PendingTokenSignature)),
                session.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.action == "sign")))


def _refused(answer: httpx.Response, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert words in detail and "\n" not in detail, detail


def test_prepare_then_complete_after_a_restart(h41, pki_services, real_signing,
                                               softhsm_token):
    """Prepared by one hub process, completed by a new hub (new engine, new app) on the same
    database and file store: nothing is lost, the signature is recorded once."""
    from signing.validation.results import SignatureRole
    from signing.validation.validator import ValidationSettings, Validator

    hub, url = h41
    document_id = _submitted(url)
    with _clients(url, "leader") as [leader]:
        asked = ok(leader.post(f"/outgoing/{document_id}/token-sign/prepare",
                               json=_certificate(pki_services, "leader-an")), 201)
    assert asked["pending"] and '"signed_attributes"' in asked["request"]
    signature = _token_signs(softhsm_token, "leader-an", asked["request"])

    engine = migrated_engine(hub.settings.database_url)
    restarted = with_real_signing(
        make_hub(engine, Path(hub.settings.file_store).parent, hub.settings.organ_id, "UBND",
                 None), real_signing, "org-h41")
    try:
        with serving(create_app(restarted), "127.0.0.1", free_port()) as url2, \
                _clients(url2, "leader") as [leader2]:
            signed = ok(leader2.post(f"/outgoing/{document_id}/token-sign/complete",
                                     json={"pending": asked["pending"],
                                           "signature": signature}))
            assert (signed["state"], signed["signer_name"]) == ("leader_signed", AN)
            again = leader2.post(f"/outgoing/{document_id}/token-sign/complete",
                                 json={"pending": asked["pending"], "signature": signature})
            _refused(again, 404, "prepare again")
    finally:
        engine.dispose()
    assert _state(hub, document_id) == ("leader_signed", 0, 1)
    with hub.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign")).one()
        assert (entry.actor, entry.details["method"]) == ("leader", "token")
        document = session.get(OutgoingDocument, document_id)
        pdf = hub.store.get(next(f for f in document.files if f.is_main).blob_hash)
        assert entry.document_hash == next(f for f in document.files if f.is_main).blob_hash

    async def validate():  # noqa: ANN202
        async with Validator(ValidationSettings.from_paths(pki_services.trust_roots)) as v:
            return await v.async_validate_bytes(pdf, "signed.pdf")

    [leader_signature] = asyncio.run(validate()).signatures
    assert leader_signature.indication.value == "TOTAL-PASSED"
    assert leader_signature.role is SignatureRole.LEADER
    assert leader_signature.signer.common_name == AN


def test_refusals_change_nothing(h41, pki_services, softhsm_token):
    hub, url = h41
    document_id = _submitted(url)
    prepare, complete = (f"/outgoing/{document_id}/token-sign/{step}"
                         for step in ("prepare", "complete"))
    with _clients(url, "leader", "leader-binh", "clerk", "admin") as [an, binh, clerk, admin]:
        # another person's certificate, other roles, unreadable input: refused before work
        _refused(an.post(prepare, json=_certificate(pki_services, "leader-binh")), 403,
                 f"not {AN}'s")
        for other in (clerk, admin):
            _refused(other.post(prepare, json=_certificate(pki_services, "leader-an")), 403,
                     "may not")
        _refused(an.post(prepare, json={"certificate": "bm90IGEgY2VydA=="}), 422,
                 "not readable")
        _refused(an.post(prepare, json={}), 422, "certificate")
        assert _state(hub, document_id) == ("submitted", 0, 0)

        asked = ok(an.post(prepare, json=_certificate(pki_services, "leader-an")), 201)
        pending = asked["pending"]
        honest = _token_signs(softhsm_token, "leader-an", asked["request"])
        forged = _token_signs(softhsm_token, "leader-binh", asked["request"], honest=False)
        _refused(an.post(complete, json={"pending": pending, "signature": forged}), 422,
                 "not made with the key")
        _refused(an.post(complete, json={"pending": pending, "signature": "%%%"}), 422,
                 "not base64")
        _refused(an.post(complete, json={"pending": pending, "signature": "AAAA"}), 422,
                 "not a CMS signature")
        _refused(an.post(complete, json={"pending": "unknown", "signature": honest}), 404,
                 "prepare again")
        _refused(binh.post(complete, json={"pending": pending, "signature": honest}), 404,
                 "of yours")
        _refused(an.post(f"/outgoing/{document_id + 1000}/token-sign/complete",
                         json={"pending": pending, "signature": honest}), 404, "of yours")
        base = hub.clock
        hub.clock = lambda: base() + token_signing.LIFETIME + timedelta(seconds=1)
        try:
            _refused(an.post(complete, json={"pending": pending, "signature": honest}), 404,
                     "expired")
        finally:
            hub.clock = base
        assert _state(hub, document_id) == ("submitted", 1, 0)

        # sent back meanwhile: no longer waiting for a signature
        ok(an.post(f"/outgoing/{document_id}/send-back", json={"reason": "Sửa trích yếu"}))
        _refused(an.post(complete, json={"pending": pending, "signature": honest}), 409,
                 "cannot sign an outgoing document that is draft")
        assert _state(hub, document_id) == ("draft", 1, 0)
        with _clients(url, "specialist") as [specialist]:
            ok(specialist.post(f"/outgoing/{document_id}/submit"))  # submitted again as is

        # changed meanwhile: signed from another tab (a second request for the same document)
        asked = ok(an.post(prepare, json=_certificate(pki_services, "leader-an")), 201)
        ok(an.post(complete, json={"pending": asked["pending"], "signature": _token_signs(
            softhsm_token, "leader-an", asked["request"])}))
        _refused(an.post(complete, json={"pending": pending, "signature": honest}), 409,
                 "changed while it was being signed")
    assert _state(hub, document_id) == ("leader_signed", 1, 1)


def _foreign_certificates() -> tuple[bytes, bytes, bytes]:
    """Certificates in Nguyễn Văn An's name that anyone can make with ``cryptography``, from
    a PKI this hub does not trust (DER): a root, a leaf it issued, and a self-signed leaf."""
    from datetime import UTC, datetime

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def name(common_name: str) -> cx509.Name:
        return cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def issued(subject: str, key, issuer: str, issuer_key, ca: bool) -> bytes:  # noqa: ANN001
        return (cx509.CertificateBuilder().subject_name(name(subject))
                .issuer_name(name(issuer)).public_key(key.public_key())
                .serial_number(cx509.random_serial_number())
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=30))
                .add_extension(cx509.BasicConstraints(ca=ca, path_length=None), critical=True)
                .sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))

    root_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    return (issued("Root CA tự lập", root_key, "Root CA tự lập", root_key, True),
            issued(AN, leaf_key, "Root CA tự lập", root_key, False),
            issued(AN, leaf_key, AN, leaf_key, False))


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


def test_a_certificate_of_a_pki_the_hub_does_not_trust_is_refused_at_prepare(h41):
    """The hub trusts only its configured anchors: a certificate in the leader's name from
    another PKI is refused, whether its root is sent along in the chain or the certificate
    is itself self-signed."""
    hub, url = h41
    document_id = _submitted(url)
    root, leaf, self_signed = _foreign_certificates()
    with _clients(url, "leader") as [an]:
        for sent, words in (
                ({"certificate": _b64(leaf), "chain": [_b64(root)]},
                 "does not chain to a trusted root"),
                ({"certificate": _b64(self_signed), "chain": []}, "is self-signed")):
            _refused(an.post(f"/outgoing/{document_id}/token-sign/prepare", json=sent), 422,
                     words)
    assert _state(hub, document_id) == ("submitted", 0, 0)


def test_a_signature_that_is_not_trusted_at_completion_is_refused(h41, pki_services,
                                                                  softhsm_token):
    """The hub's trust anchors changed between prepare and complete (the test PKI's root is
    no longer trusted): the token's signature validates INDETERMINATE, not TOTAL-PASSED, and
    is refused without recording anything."""
    from asn1crypto import x509

    from documents.adapters.signing import PadesDocumentValidator
    from signing.validation.validator import ValidationSettings

    hub, url = h41
    document_id = _submitted(url)
    with _clients(url, "leader") as [an]:
        asked = ok(an.post(f"/outgoing/{document_id}/token-sign/prepare",
                           json=_certificate(pki_services, "leader-an")), 201)
        trusted = hub.validator
        [root, _, _] = _foreign_certificates()
        hub.validator = PadesDocumentValidator(ValidationSettings(
            trust_roots=(x509.Certificate.load(root),)))
        try:
            _refused(an.post(f"/outgoing/{document_id}/token-sign/complete", json={
                "pending": asked["pending"],
                "signature": _token_signs(softhsm_token, "leader-an", asked["request"])}),
                422, "not TOTAL-PASSED")
        finally:
            hub.validator = trusted
    assert _state(hub, document_id) == ("submitted", 1, 0)


def test_pending_requests_are_bounded_per_leader(h41, pki_services):
    hub, url = h41
    document_id = _submitted(url)
    with _clients(url, "leader") as [leader]:
        ids = [ok(leader.post(f"/outgoing/{document_id}/token-sign/prepare",
                              json=_certificate(pki_services, "leader-an")), 201)["pending"]
               for _ in range(token_signing.PER_USER + 1)]
        _refused(leader.post(f"/outgoing/{document_id}/token-sign/complete",
                             json={"pending": ids[0], "signature": "AAAA"}), 404,
                 "prepare again")
    with hub.sessions() as session:
        kept = set(session.scalars(select(PendingTokenSignature.id)))
    assert kept == set(ids[1:])
