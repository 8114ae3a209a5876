"""Remote signing (ký số từ xa) through the hub's JSON API: the leader's account is configured
for a CSC service (``certomancer-csc-dummy`` on loopback, ``csc_server``) or for a
phone-confirmed service (the loopback stand-in of ``tests.remote_services``). The leader's PIN
authorises one signature and is kept nowhere; a wrong PIN, an unknown credential or a refusal
on the phone changes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from documents.adapters import db
from documents.adapters.models import AuditEntry, OutgoingDocument, User
from documents.domain.errors import ConfigurationError
from documents.http.app import create_app
from documents.http.server import serving
from documents.services.hub import Hub
from edochub.bootstrap import remote_accounts
from signing.pades import CscSource, PolledSource
from tests.helpers.api import api_client
from tests.helpers.net import free_port
from tests.helpers.register import add_users, decree30_draft, with_real_signing
from tests.remote_services import Phone, credential, phone_service

AN = "Nguyễn Văn An"  # the dev PKI's leader-an


def configure(hub: Hub, source: CscSource | PolledSource) -> None:
    hub.signer.keys = replace(hub.signer.keys, remote={"leader": source})


@pytest.fixture()
def h41(hub: Hub, real_signing, csc_server) -> Iterator[tuple[Hub, str]]:
    """H41's hub with real signing; its leader (Nguyễn Văn An, as on the certificate) signs
    with the CSC credential ``edochub-dev/leader-an``; the API served on loopback."""
    with_real_signing(hub, real_signing, "org-h41")
    configure(hub, CscSource(csc_server.url, credential("leader-an")))
    add_users(hub)
    with db.transaction(hub.sessions) as session:
        session.scalars(select(User).where(User.username == "leader")).one().full_name = AN
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        yield hub, url


def submitted(url: str) -> int:
    """A Decree 30 draft, created and submitted by the specialist: its id."""
    metadata = {"doc_type": "Quyết định", "subject": "Quyết định về việc khen thưởng",
                "recipients": [{"organ_id": "000.00.00.G09", "name": "Bộ Mẫu"}],
                "signer_position": "Phó Chủ tịch"}
    with api_client(url, "specialist") as specialist:
        created = specialist.post("/outgoing", data={"metadata": json.dumps(metadata)},
                                  files=[("document", ("qd.pdf", decree30_draft(),
                                                       "application/pdf"))])
        assert created.status_code == 201, created.text
        document_id = created.json()["id"]
        assert specialist.post(f"/outgoing/{document_id}/submit").status_code == 200
    return document_id


def snapshot(hub: Hub, document_id: int) -> tuple[str, str, int]:
    """State, main file and "sign" audit entries: what a refusal must leave unchanged."""
    with hub.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        main = next(f for f in document.files if f.is_main)
        signs = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign")).all()
        return document.state, main.blob_hash, len(signs)


def refused(answer: httpx.Response, words: str) -> None:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert words in detail and "\n" not in detail, detail


def test_leader_signs_with_their_pin_and_it_is_kept_nowhere(h41, csc_server, caplog):
    hub, url = h41
    pin = csc_server.pins[credential("leader-an")]
    document_id = submitted(url)
    caplog.set_level(logging.DEBUG)
    with api_client(url, "leader") as leader:
        answer = leader.post(f"/outgoing/{document_id}/remote-sign", json={"pin": pin})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["state"], answer.json()["signer_name"]) == ("leader_signed", AN)

    with hub.sessions() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign"))
        assert (entry.actor, entry.details["method"]) == ("leader", "remote signing")
        audit = json.dumps([e.details for e in session.scalars(select(AuditEntry))],
                           ensure_ascii=False)
    assert pin not in audit
    assert all(pin not in record.getMessage() for record in caplog.records)
    stored = [p.read_bytes() for p in hub.store.root.rglob("*") if p.is_file()]
    assert stored and all(pin.encode() not in data for data in stored)


def test_wrong_pin_unknown_credential_and_no_account_change_nothing(h41, csc_server):
    hub, url = h41
    document_id = submitted(url)
    before = snapshot(hub, document_id)
    sign = f"/outgoing/{document_id}/remote-sign"
    with api_client(url, "leader") as leader:
        refused(leader.post(sign, json={"pin": "not-the-pin"}),
                "the authorisation was refused (Invalid PIN)")
        refused(leader.post(sign, json={}), "give the PIN or the one-time code")
        configure(hub, CscSource(csc_server.url, credential("no-such-official")))
        refused(leader.post(sign, json={"pin": "x"}),
                "has no credential 'edochub-dev/no-such-official'")
        hub.signer.keys = replace(hub.signer.keys, remote={})
        refused(leader.post(sign, json={"pin": "x"}), "no remote-signing account")
    with api_client(url, "clerk") as clerk:
        assert clerk.post(sign, json={"pin": "x"}).status_code == 403
    assert snapshot(hub, document_id) == before == ("submitted", before[1], 0)


def test_phone_confirmed_service_signs_or_refuses(h41, pki_services):
    """The phone-confirmed service is the loopback stand-in of tests.remote_services (no
    vendor service is reachable here)."""
    hub, url = h41
    document_id = submitted(url)
    before = snapshot(hub, document_id)
    sign = f"/outgoing/{document_id}/remote-sign"
    phone = Phone(answer="refuse", pending_polls=1)
    with phone_service(pki_services, phone) as service, api_client(url, "leader") as leader:
        configure(hub, PolledSource(service, credential("leader-an"), time_limit=5,
                                    poll_interval=0.05))
        refused(leader.post(sign, json={}), "the official refused the signing request")
        assert snapshot(hub, document_id) == before
        phone.answer = "confirm"
        answer = leader.post(sign, json={})
    assert answer.status_code == 200, answer.text
    assert snapshot(hub, document_id)[0::2] == ("leader_signed", 1)


def test_service_down_or_failing_is_503_and_changes_nothing(h41, pki_services):
    """An unreachable remote-signing service, or one that breaks down while the official
    confirms, is the service's fault, not the request's: 503 (ask again later), as for a TSA
    that is down, and nothing is recorded."""
    hub, url = h41
    document_id = submitted(url)
    before = snapshot(hub, document_id)
    sign = f"/outgoing/{document_id}/remote-sign"
    with api_client(url, "leader") as leader:
        configure(hub, CscSource(f"http://127.0.0.1:{free_port()}", credential("leader-an")))
        unavailable(leader.post(sign, json={"pin": "x"}), "cannot reach the remote-signing")
        phone = Phone(answer="fail", pending_polls=1)
        with phone_service(pki_services, phone) as service:
            configure(hub, PolledSource(service, credential("leader-an"), time_limit=5,
                                        poll_interval=0.05))
            unavailable(leader.post(sign, json={}), "failed (HTTP 500)")
    assert snapshot(hub, document_id) == before


def unavailable(answer: httpx.Response, words: str) -> None:
    assert answer.status_code == 503, answer.text
    detail = answer.json()["detail"]
    assert words in detail and "\n" not in detail, detail


def test_configuration_of_remote_accounts():
    accounts = remote_accounts(json.dumps({
        "an": {"csc_url": "https://csc.example.vn", "credential": "c-1"},
        "binh": {"phone_url": "https://sign.example.vn/api", "credential": "c-2",
                 "time_limit": 90}}))
    assert accounts == {"an": CscSource("https://csc.example.vn", "c-1"),
                        "binh": PolledSource("https://sign.example.vn/api", "c-2", 90.0)}
    assert remote_accounts("") == {}
    for bad in ("[", "[]", '{"an": {"credential": "c"}}',
                '{"an": {"csc_url": "u", "phone_url": "u", "credential": "c"}}',
                '{"an": {"phone_url": "u", "credential": "c", "time_limit": "soon"}}'):
        with pytest.raises(ConfigurationError, match="EDOCHUB_LEADER_REMOTE"):
            remote_accounts(bad)
