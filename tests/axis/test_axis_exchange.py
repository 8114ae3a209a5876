"""Agencies exchange documents and statuses through a real reference axis on loopback, over
SOAP and over the national HTTP protocol, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib

import httpx
import pytest
import zeep
from zeep.wsse.username import UsernameToken

from axis.errors import (
    AuthenticationFailed,
    InvalidRequest,
    MessageIdConflict,
    MessageNotFound,
    NotPermitted,
    UnknownRecipient,
)
from axis.protocol.vxp_signing import hash_file_hex, signed_headers
from tests.axis.axis_harness import AxisServer, addressed, client_for, fresh_code

PROTOCOLS = ["soap", "http"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_two_agencies_exchange_document_and_status_byte_identical(
        axis_server: AxisServer, protocol: str, cli, tmp_path) -> None:
    sender, receiver, outsider = (axis_server.add_agency() for _ in range(3))
    document = addressed("edoc_new.edxml", sender, receiver, tmp_path)
    status = addressed("status_inbox_01.edxml", receiver, sender, tmp_path)

    # Kind and recipient come from the envelope's header.
    sent = cli("axis", "send", document, *sender.cli_args(axis_server, protocol))
    assert sent.returncode == 0, sent.stderr

    # The outsider sees nothing and cannot fetch the document by its id.
    with client_for(axis_server, outsider, protocol) as client:
        assert client.received() == ()
    with client_for(axis_server, sender, protocol) as client:
        (doc,) = client.sent()
    with client_for(axis_server, outsider, protocol) as client:
        with pytest.raises(MessageNotFound):
            client.fetch(doc.doc_id, tmp_path / "stolen.edxml")
        with pytest.raises(MessageNotFound):
            client.acknowledge(doc.doc_id, "fail")
        with pytest.raises(MessageNotFound):
            client.fetch_bytes(doc.doc_id)
    assert not (tmp_path / "stolen.edxml").exists()
    with client_for(axis_server, receiver, protocol) as client:  # into memory, checked
        assert client.fetch_bytes(doc.doc_id) == document.read_bytes()

    inbox = tmp_path / "inbox"
    received = cli("axis", "receive", *receiver.cli_args(axis_server, protocol), "-o", inbox)
    assert received.returncode == 0, received.stderr
    (got,) = inbox.iterdir()
    assert got.read_bytes() == document.read_bytes()

    # The receiver answers with a status message; the sender takes only statuses.
    answered = cli("axis", "send", status, *receiver.cli_args(axis_server, protocol),
                   "--to", sender.code, "--kind", "status")
    assert answered.returncode == 0, answered.stderr
    statuses = tmp_path / "statuses"
    taken = cli("axis", "receive", *sender.cli_args(axis_server, protocol), "-o", statuses,
                "--kind", "status")
    assert taken.returncode == 0, taken.stderr
    (got_status,) = statuses.iterdir()
    assert got_status.read_bytes() == status.read_bytes()

    # Acknowledged: queues are empty, and the sender sees the recipient's state.
    with client_for(axis_server, receiver, protocol) as client:
        assert client.received() == ()
    with client_for(axis_server, sender, protocol) as client:
        (doc,) = client.sent()
        assert [(r.recipient, r.state) for r in doc.recipients] == [(receiver.code, "done")]
        assert doc.kind == "edoc"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_duplicate_send_is_stored_and_delivered_once(axis_server: AxisServer,
                                                     protocol: str, tmp_path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    update = addressed("edoc_update.edxml", sender, receiver, tmp_path)
    with client_for(axis_server, sender, protocol) as client:
        first = client.send(update, "edoc", (receiver.code,), "m-1")
        again = client.send(update, "edoc", (receiver.code,), "m-1")
        assert (first.duplicate, again.duplicate) == (False, True)
        assert again.doc_id == first.doc_id
        with pytest.raises(MessageIdConflict):
            client.send(addressed("edoc_new.edxml", sender, receiver, tmp_path),
                        message_id="m-1")
        assert len(client.sent()) == 1
    with client_for(axis_server, receiver, protocol) as client:
        assert [m.doc_id for m in client.received()] == [first.doc_id]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_refused_calls_store_nothing(axis_server: AxisServer, protocol: str, tmp_path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    document = addressed("edoc_new.edxml", sender, receiver, tmp_path)
    impostor = type(sender)(sender.code, "not-the-secret", sender.secret_env)
    with client_for(axis_server, impostor, protocol) as client, \
            pytest.raises(AuthenticationFailed, match="authentication failed"):
        client.send(document)
    with client_for(axis_server, sender, protocol) as client:
        with pytest.raises(UnknownRecipient, match="000.nobody.H41"):
            client.send(document, "edoc", (receiver.code, "000.nobody.H41"))
        # An envelope written in another agency's name, sent with valid credentials.
        with pytest.raises(NotPermitted, match=f"whose From is {receiver.code}"):
            client.send(addressed("edoc_new.edxml", receiver, receiver, tmp_path))
        with pytest.raises(InvalidRequest, match="declared status but the envelope is a edoc"):
            client.send(document, "status")
        garbage = tmp_path / "garbage.edxml"
        garbage.write_bytes(b"%PDF-1.7 not an envelope")
        with pytest.raises(InvalidRequest, match="not a usable edXML envelope"):
            client.send(garbage, "edoc", (receiver.code,))
        assert client.sent() == ()
    with client_for(axis_server, receiver, protocol) as client:
        assert client.received() == ()


def test_cli_reports_refusal_in_one_line(axis_server: AxisServer, cli, tmp_path) -> None:
    sender = axis_server.add_agency()
    result = cli("axis", "send", addressed("edoc_new.edxml", sender, sender, tmp_path),
                 *sender.cli_args(axis_server, "http"), "--to", "000.nobody.H41")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "edochub: unknown recipient agency: 000.nobody.H41"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_agencies_listed_and_subordinate_registered(axis_server: AxisServer,
                                                    protocol: str) -> None:
    parent = axis_server.add_agency("Ủy ban nhân dân tỉnh Mẫu", operator=True)
    with client_for(axis_server, parent, protocol) as client:
        child_code = fresh_code()
        registered = client.register_agency(child_code, "Sở Nội vụ tỉnh Mẫu")
        listed = {a.code: a for a in client.agencies()}
    assert listed[parent.code].name == "Ủy ban nhân dân tỉnh Mẫu"
    assert listed[child_code].parent == parent.code
    child = type(parent)(registered.agency.code, registered.secret, "UNUSED")
    with client_for(axis_server, child, protocol) as client:
        assert parent.code in {a.code for a in client.agencies()}


def test_spoofed_sender_refused_on_both_faces(axis_server: AxisServer, tmp_path) -> None:
    """The SOAP ``from`` field and the national ``from`` header must name the caller."""
    sender, victim, receiver = (axis_server.add_agency() for _ in range(3))
    body = addressed("edoc_new.edxml", victim, receiver, tmp_path).read_bytes()
    headers = signed_headers({"from": victim.code, "to": receiver.code, "servicetype": "eDoc",
                              "messagetype": "edoc", "systemid": sender.code,
                              "hash-file": hash_file_hex(hashlib.sha256(body).digest()),
                              "timestamp": "22112026T010203+0123",
                              "Content-Type": "application/octet-stream"}, sender.secret)
    answer = httpx.post(f"{axis_server.base_url}/vxp/sendEdoc", content=body, headers=headers)
    assert answer.status_code == 403
    assert answer.json()["ErrorCode"] == NotPermitted.code

    soap = zeep.Client(f"{axis_server.base_url}/soap?wsdl",
                       wsse=UsernameToken(sender.code, sender.secret, use_digest=True))
    with pytest.raises(zeep.exceptions.Fault) as fault:
        soap.service.Send(messageId="spoof", kind="edoc", **{"from": victim.code},
                          to=[receiver.code], content=body)
    assert fault.value.code.endswith(NotPermitted.code)
    with client_for(axis_server, receiver, "http") as client:
        assert client.received() == ()
