"""Clients that share no code with the project talk to the reference axis: a plain zeep client
generated from the served WSDL, and a national-protocol client written here from DOMAIN.md §4
alone (plain httpx + hmac). Also: replayed, stale and malformed SOAP requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import zeep
from lxml import etree

from tests.axis.axis_harness import AxisServer, Credentials, addressed, zeep_client

# -- SOAP: plain zeep from the WSDL the server publishes ---------------------------------------


def test_plain_zeep_client_interoperates(axis_server: AxisServer, tmp_path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    document = addressed("edoc_replacement.edxml", sender, receiver, tmp_path).read_bytes()

    receipt = zeep_client(axis_server, sender).service.Send(
        messageId="zeep-1", kind="edoc", to=[receiver.code], content=document)
    assert receipt.to == [receiver.code] and receipt.duplicate is False

    inbox = zeep_client(axis_server, receiver).service
    (waiting,) = inbox.ListReceived()
    assert (waiting.docId, getattr(waiting, "from"), waiting.kind) == (
        receipt.docId, sender.code, "edoc")
    got = inbox.Get(docId=waiting.docId)
    assert got.content == document
    assert got.message.sha256 == hashlib.sha256(document).hexdigest()
    inbox.Acknowledge(docId=waiting.docId, status="done")
    assert inbox.ListReceived() == []

    (sent,) = zeep_client(axis_server, sender).service.ListSent()
    assert [(r.to, r.status) for r in sent.recipient] == [(receiver.code, "done")]
    codes = {a.code for a in zeep_client(axis_server, sender).service.ListAgencies()}
    assert {sender.code, receiver.code} <= codes

    with pytest.raises(zeep.exceptions.Fault) as fault:
        inbox.Get(docId="no-such-message")
    assert fault.value.code == "axis:MESSAGE_NOT_FOUND"
    assert "no message no-such-message" in fault.value.message


def _signed_envelope(server: AxisServer, agency: Credentials, operation: str,
                     **fields: object) -> bytes:
    client = zeep_client(server, agency)
    return etree.tostring(client.create_message(client.service, operation, **fields))


def _post_soap(server: AxisServer, envelope: bytes) -> httpx.Response:
    return httpx.post(f"{server.base_url}/soap", content=envelope,
                      headers={"Content-Type": "text/xml; charset=utf-8"})


def _fault_code(response: httpx.Response) -> str:
    return etree.fromstring(response.content).findtext(".//faultcode")


def test_replayed_soap_request_is_refused(axis_server: AxisServer, tmp_path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    status = addressed("status_finish_06.edxml", sender, receiver, tmp_path)
    captured = _signed_envelope(axis_server, sender, "Send", messageId="once",
                                content=status.read_bytes())
    assert _post_soap(axis_server, captured).status_code == 200
    replay = _post_soap(axis_server, captured)
    assert replay.status_code == 500
    assert _fault_code(replay) == "axis:REPLAYED_REQUEST"
    assert len(zeep_client(axis_server, receiver).service.ListReceived()) == 1


def test_stale_or_wrong_soap_credentials_are_refused(axis_server: AxisServer) -> None:
    sender = axis_server.add_agency()
    stale = zeep_client(axis_server, sender, created=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(zeep.exceptions.Fault, match="stale") as fault:
        stale.service.ListAgencies()
    assert fault.value.code == "axis:AUTHENTICATION_FAILED"
    nobody = Credentials("000.nobody.H41", "x", "UNUSED")
    with pytest.raises(zeep.exceptions.Fault,
                       match="authentication failed for agency 000.nobody.H41"):
        zeep_client(axis_server, nobody).service.ListAgencies()
    unsigned = zeep.Client(f"{axis_server.base_url}/soap?wsdl")
    with pytest.raises(zeep.exceptions.Fault, match="no WS-Security UsernameToken"):
        unsigned.service.ListAgencies()


def test_soap_requests_are_validated_and_hostile_xml_refused(axis_server: AxisServer) -> None:
    agency = axis_server.add_agency()
    valid = _signed_envelope(axis_server, agency, "Acknowledge", docId="x", status="done")
    invalid = _post_soap(axis_server, valid.replace(b">done<", b">maybe<"))
    assert _fault_code(invalid) == "axis:INVALID_REQUEST"
    assert b"maybe" in invalid.content

    bomb = (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
            b"<s:Body>&b;</s:Body></s:Envelope>")
    refused = _post_soap(axis_server, bomb)
    assert refused.status_code == 500
    assert _fault_code(refused) == "axis:INVALID_REQUEST"
    assert _fault_code(_post_soap(axis_server, b"<not-xml")) == "axis:INVALID_REQUEST"


# -- the national protocol, written from DOMAIN.md §4 alone ------------------------------------


def sdk_hash_file(data: bytes) -> str:
    """SHA-256 as hex *without* zero padding per byte, as the SDK writes it."""
    return "".join(format(byte, "x") for byte in hashlib.sha256(data).digest())


def sdk_headers(params: dict[str, str], secret: str, reverse: bool = False) -> dict[str, str]:
    prefixed = {"XroadVnpt-" + name: value for name, value in params.items()}
    if reverse:  # the JSON's order is not fixed: the server must check the string it got
        prefixed = dict(reversed(prefixed.items()))
    sign_header = json.dumps(prefixed, separators=(",", ":"))
    return {**prefixed,
            "XroadVnpt-sign-header-key": ";".join(prefixed),
            "XroadVnpt-sign-header": sign_header,
            "XroadVnpt-hash-header": hmac.new(secret.encode(), sign_header.encode(),
                                              hashlib.sha256).hexdigest(),
            "XroadVnpt-version": "3.0.201608"}


class SdkClient:
    """The national SDK's calls, one timestamp per client instance."""

    def __init__(self, server: AxisServer, agency: Credentials) -> None:
        self.url, self.agency = f"{server.base_url}/vxp", agency
        self.timestamp = datetime.now().strftime("%d%m%YT%H%M%S") + "+0123"

    def params(self, content_type: str, **params: str) -> dict[str, str]:
        return {**params, "systemid": self.agency.code, "timestamp": self.timestamp,
                "Content-Type": content_type}

    def call(self, operation: str, reverse: bool = False, **params: str) -> httpx.Response:
        headers = sdk_headers(self.params("application/json", **params), self.agency.secret,
                              reverse)
        return httpx.post(f"{self.url}/{operation}", headers=headers)

    def send_raw(self, data: bytes, to: str, hash_file: str | None = None,
                 ending: bytes = b"\r\n") -> httpx.Response:
        params = self.params("application/octet-stream", **{
            "from": self.agency.code, "to": to, "servicetype": "eDoc", "messagetype": "edoc",
            "hash-file": hash_file or sdk_hash_file(data)})
        return httpx.post(f"{self.url}/sendEdoc", content=data + ending,
                          headers=sdk_headers(params, self.agency.secret))

    def send_multipart(self, data: bytes, to: str, part: str = "file_doc") -> httpx.Response:
        with httpx.Client() as client:
            request = client.build_request("POST", f"{self.url}/sendEdoc", files={
                part: ("edoc.edxml", data, "application/octet-stream")})
            params = self.params(request.headers["Content-Type"], **{
                "from": self.agency.code, "to": to, "servicetype": "eDoc",
                "messagetype": "status", "hash-file": sdk_hash_file(data)})
            request.headers.update(sdk_headers(params, self.agency.secret))
            return client.send(request)


def with_short_hex_digest(path) -> bytes:
    """The envelope, with blank lines after its root until its SHA-256 has a byte below 0x10,
    where the SDK's unpadded hex differs from the usual one."""
    data = path.read_bytes()
    while all(byte >= 0x10 for byte in hashlib.sha256(data).digest()):
        data += b"\n"
    return data


def test_national_protocol_client_from_domain_notes(axis_server: AxisServer, tmp_path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    document = with_short_hex_digest(addressed("edoc_new.edxml", sender, receiver, tmp_path))
    status = addressed("status_rejection_02.edxml", sender, receiver, tmp_path).read_bytes()
    assert sdk_hash_file(document) != hashlib.sha256(document).hexdigest()

    out = SdkClient(axis_server, sender)
    sent = out.send_raw(document, receiver.code)
    assert sent.status_code == 200 and sent.json()["status"] == "OK", sent.text
    sent_status = out.send_multipart(status, receiver.code)
    assert sent_status.json()["status"] == "OK", sent_status.text

    inbox = SdkClient(axis_server, receiver)
    listed = inbox.call("getReceivedEdocList", servicetype="eDoc").json()
    assert listed["status"] == "OK" and listed["ErrorCode"] == "0"
    by_type = {item["messageType"]: item for item in listed["data"]}
    assert set(by_type) == {"edoc", "status"}
    assert by_type["edoc"]["from"] == sender.code

    for kind, original in (("edoc", document), ("status", status)):
        fetched = inbox.call("getEdoc", reverse=True, docid=by_type[kind]["docId"]).json()
        assert base64.b64decode(fetched["data"]) == original
        done = inbox.call("updateStatus", docid=by_type[kind]["docId"], status="done").json()
        assert done["status"] == "OK"
    assert inbox.call("getReceivedEdocList", servicetype="eDoc").json()["data"] == []

    outbox = out.call("getSentEdocList", servicetype="eDoc").json()["data"]
    assert sorted(row["receiveStatus"] for row in outbox) == ["done", "done"]
    agencies = {a["code"] for a in out.call("getAgenciesList").json()["data"]}
    assert {sender.code, receiver.code} <= agencies


def test_national_protocol_refusals_store_nothing(axis_server: AxisServer, tmp_path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    document = with_short_hex_digest(addressed("edoc_new.edxml", sender, receiver, tmp_path))
    client = SdkClient(axis_server, sender)

    zero_padded = client.send_raw(document, receiver.code,
                                  hashlib.sha256(document).hexdigest())
    assert zero_padded.status_code == 400
    assert zero_padded.json()["ErrorCode"] == "HASH_MISMATCH"

    headers = sdk_headers(client.params("application/json", servicetype="eDoc"), sender.secret)
    headers["XroadVnpt-systemid"] = receiver.code  # a header that is not what was signed
    tampered = httpx.post(f"{client.url}/getReceivedEdocList", headers=headers)
    assert tampered.status_code == 401
    assert "does not carry the value that was signed" in tampered.json()["ErrorDesc"]

    wrong_key = SdkClient(axis_server, Credentials(sender.code, "guess", "UNUSED"))
    refused = wrong_key.send_raw(document, receiver.code)
    assert refused.status_code == 401 and refused.json()["ErrorCode"] == "AUTHENTICATION_FAILED"

    assert SdkClient(axis_server, receiver).call("getReceivedEdocList").json()["data"] == []
    assert client.call("getSentEdocList").json()["data"] == []


def test_national_protocol_body_forms(axis_server: AxisServer, tmp_path) -> None:
    """A raw body without the SDK's CRLF is taken as is; a multipart body without
    ``file_doc`` is refused."""
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    document = addressed("edoc_update.edxml", sender, receiver, tmp_path).read_bytes()
    client = SdkClient(axis_server, sender)
    wrong_part = client.send_multipart(b"hello", receiver.code, part="attachment")
    assert wrong_part.status_code == 400
    assert wrong_part.json()["ErrorDesc"] == "multipart sendEdoc needs the file part file_doc"
    assert client.send_raw(document, receiver.code, ending=b"").json()["status"] == "OK"
    inbox = SdkClient(axis_server, receiver)
    (item,) = inbox.call("getReceivedEdocList").json()["data"]
    assert base64.b64decode(inbox.call("getEdoc", docid=item["docId"]).json()["data"]) == document
