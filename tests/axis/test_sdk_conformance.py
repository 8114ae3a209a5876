"""Every operation of the national axis's published SDK (SDKVXP 2.0.0 / 2.0.1) against a real
reference axis on loopback, through a client written here from DOMAIN.md §4 alone (plain httpx,
hashlib and hmac; nothing of the project's transports or protocol modules). Each answer must
carry every key the SDK reads, as a string where it calls ``getAsString``: the SDK reads
``get(key).getAsString()`` without a null check, so a missing key makes it throw."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path

import httpx
from lxml import etree

from tests.axis.axis_harness import AxisServer, Credentials, addressed, fresh_code

EDXML = "{http://www.mic.gov.vn/TBT/QCVN_102_2016}"
COMMON = ("status", "ErrorCode", "ErrorDesc")
RECEIVED_KEYS = ("docId", "serviceType", "messageType", "created_time", "updated_time", "from",
                 "to", "status", "status_desc")
SENT_KEYS = ("senderDocId", "receiverDocId", "fromCode", "toCode", "serviceType",
             "messageType", "title", "notation", "sentTime", "receivedTime", "sendStatus",
             "sendStatusDesc", "receiveStatus", "receiveStatusDesc")
AGENCY_KEYS = ("id", "pid", "code", "name", "mail", "oldCode")
UNIT_STRING_KEYS = ("id", "pid", "code", "name", "mail", "centerCode", "modifyDate")


class Sdk:
    """What the SDK does on the wire: every parameter ``k`` as header ``XroadVnpt-k`` (with
    ``systemid``, ``timestamp`` fixed once per instance, and ``Content-Type``), the compact JSON
    of those headers signed with HMAC-SHA256 under the agency's secret."""

    def __init__(self, server: AxisServer, agency: Credentials) -> None:
        self.url, self.agency = f"{server.base_url}/vxp", agency
        self.timestamp = datetime.now().strftime("%d%m%YT%H%M%S") + "+0042"

    def headers(self, content_type: str, params: dict[str, str]) -> dict[str, str]:
        prefixed = {f"XroadVnpt-{k}": v for k, v in {
            **params, "systemid": self.agency.code, "timestamp": self.timestamp,
            "Content-Type": content_type}.items()}
        sign_header = json.dumps(prefixed, separators=(",", ":"))
        # getSynchronizeUnit's own `version` parameter travels in the same header as the
        # protocol version; the signed parameter wins.
        return {"XroadVnpt-version": "3.0.201608", **prefixed,
                "XroadVnpt-sign-header-key": ";".join(prefixed),
                "XroadVnpt-sign-header": sign_header,
                "XroadVnpt-hash-header": hmac.new(self.agency.secret.encode(),
                                                  sign_header.encode(),
                                                  hashlib.sha256).hexdigest()}

    def call(self, operation: str, body: bytes = b"", **params: str) -> dict:
        answer = httpx.post(f"{self.url}/{operation}", content=body,
                            headers=self.headers("application/json", params))
        data = answer.json()
        assert_strings(data, COMMON)
        return data

    def send(self, envelope: bytes, to: list[str] | str | None = None) -> dict:
        """``sendEdoc`` as the SDK sends it: ``to`` (when given) as the JSON text of its value,
        ``hash-file`` the SHA-256 in hex without zero padding, the body followed by CRLF."""
        params = {"from": self.agency.code, "servicetype": "eDoc", "messagetype": "edoc",
                  "hash-file": "".join(f"{b:x}" for b in hashlib.sha256(envelope).digest())}
        if to is not None:
            params["to"] = json.dumps(to)
        answer = httpx.post(f"{self.url}/sendEdoc", content=envelope + b"\r\n",
                            headers=self.headers("application/octet-stream", params))
        data = answer.json()
        assert_strings(data, COMMON)
        return data


def assert_strings(item: dict, keys: tuple[str, ...]) -> None:
    missing = [key for key in keys if key not in item]
    assert not missing, f"keys the SDK reads are missing: {missing} in {item}"
    not_strings = {key: item[key] for key in keys if not isinstance(item[key], str)}
    assert not not_strings, f"the SDK reads these with getAsString: {not_strings}"


def header_of(envelope: bytes) -> tuple[str, str]:
    """The envelope's Subject and ``CodeNumber/CodeNotation``, read with lxml (real samples
    may carry stray bytes before the XML declaration)."""
    header = etree.fromstring(envelope[envelope.index(b"<?xml"):]).find(
        f"{EDXML}edXMLEnvelope/{EDXML}edXMLHeader/{EDXML}MessageHeader")
    code = header.find(f"{EDXML}Code")
    number = code.findtext(f"{EDXML}CodeNumber").strip()
    notation = code.findtext(f"{EDXML}CodeNotation").strip()
    return header.findtext(f"{EDXML}Subject").strip(), f"{number}/{notation}"


def test_every_sdk_operation_answers_every_key_it_reads(axis_server: AxisServer,
                                                        tmp_path: Path) -> None:
    operator = axis_server.add_agency("Cục Bưu điện Trung ương", operator=True, level1="G22")
    sender, first, second = (axis_server.add_agency(f"Cơ quan {n}") for n in range(3))
    to_both = addressed("edoc_new.edxml", sender, [first, second], tmp_path).read_bytes()
    to_first = addressed("edoc_update.edxml", sender, first, tmp_path).read_bytes()
    out, inbox = Sdk(axis_server, sender), Sdk(axis_server, first)

    # sendEdoc: `to` as a JSON array; then no `to` at all (routed by the envelope's To).
    by_array = out.send(to_both, [first.code, second.code])
    assert by_array["status"] == "OK", by_array
    assert_strings(by_array, ("DocId",))
    by_envelope = out.send(to_first)
    assert by_envelope["status"] == "OK", by_envelope
    assert_strings(by_envelope, ("DocId",))

    counted = inbox.call("countReceiveEdoc", servicetype="eDoc", messagetype="edoc")
    assert int(counted["count"]) == 2
    assert int(inbox.call("countReceiveStatus", servicetype="eDoc")["count"]) == 0

    listed = inbox.call("getReceivedEdocList", servicetype="eDoc", messagetype="edoc")
    assert len(listed["data"]) == 2
    for item in listed["data"]:
        assert_strings(item, RECEIVED_KEYS)
        assert (item["serviceType"], item["messageType"]) == ("eDoc", "edoc")
        assert (item["from"], item["to"]) == (sender.code, first.code)
        assert item["status_desc"] and datetime.fromisoformat(item["created_time"])
    assert {i["docId"] for i in listed["data"]} == {by_array["DocId"], by_envelope["DocId"]}
    today = datetime.now().strftime("%d/%m/%Y")
    dated = inbox.call("getReceivedEdocList", servicetype="eDoc", messagetype="edoc",
                       fromDate=today, toDate=today)
    assert len(dated["data"]) == 2
    assert inbox.call("getReceivedEdocList", servicetype="eDoc", messagetype="edoc",
                      fromDate="01/01/2000", toDate="31/12/2000")["data"] == []

    fetched = inbox.call("getEdoc", docId=by_array["DocId"], filePath="xml")
    assert_strings(fetched, ("data",))
    assert base64.b64decode(fetched["data"]) == to_both
    acknowledged = inbox.call("updateStatus", docId=by_array["DocId"], status="done")
    assert acknowledged["status"] == "OK", acknowledged
    assert int(inbox.call("countReceiveEdoc", servicetype="eDoc")["count"]) == 1

    sent = out.call("getSentEdocList", servicetype="eDoc")["data"]
    assert len(sent) == 3  # one row per message and recipient
    for row in sent:
        assert_strings(row, SENT_KEYS)
        assert row["fromCode"] == sender.code and row["sendStatusDesc"]
        assert row["receiveStatusDesc"] and datetime.fromisoformat(row["sentTime"])
    rows = {(r["senderDocId"], r["toCode"]): r for r in sent}
    received = rows[(by_array["DocId"], first.code)]
    assert received["receiveStatus"] == "done" and datetime.fromisoformat(
        received["receivedTime"])
    waiting = rows[(by_array["DocId"], second.code)]
    assert waiting["receiveStatus"] == "pending" and waiting["receivedTime"] == ""
    assert (received["title"], received["notation"]) == header_of(to_both)
    assert (rows[(by_envelope["DocId"], first.code)]["title"],
            rows[(by_envelope["DocId"], first.code)]["notation"]) == header_of(to_first)

    agencies = {a["code"]: a for a in out.call("getAgenciesList")["data"]}
    for agency in agencies.values():
        assert_strings(agency, AGENCY_KEYS)
    assert agencies[first.code]["name"] == "Cơ quan 1"
    for agency in out.call("getAgenciesListQD20")["data"]:
        assert_strings(agency, (*AGENCY_KEYS[:-1], "code102"))

    child = fresh_code()
    body = json.dumps({"id": "", "pid": agencies[sender.code]["id"], "code": child,
                       "name": "Phòng Văn thư", "mail": "vanthu@example.gov.vn"},
                      ensure_ascii=False).encode()
    assert out.call("registerAgency", body)["ErrorCode"] == "NOT_PERMITTED"  # operators only
    assert Sdk(axis_server, operator).call("registerAgency", body)["status"] == "OK"
    units = {u["code"]: u for u in out.call("getSynchronizeUnit", version="0")["data"]}
    for unit in units.values():
        assert_strings(unit, UNIT_STRING_KEYS)
        assert isinstance(unit["version"], int) and isinstance(unit["deleted"], bool)
        assert isinstance(unit["isAgency"], bool)
    assert units[child]["pid"] == agencies[sender.code]["id"]
    assert units[child]["mail"] == "vanthu@example.gov.vn"

    since = max(u["version"] for u in units.values())
    refused = out.call("deleteAgency", AgencyCode=child)
    assert refused["status"] == "FAIL" and refused["ErrorCode"] != "0"
    assert Sdk(axis_server, operator).call("deleteAgency", AgencyCode=child)["status"] == "OK"
    (change,) = out.call("getSynchronizeUnit", version=str(since))["data"]
    assert change["code"] == child and change["deleted"] is True
    assert child not in {a["code"] for a in out.call("getAgenciesList")["data"]}


def test_to_in_every_form_the_sdk_and_others_send(axis_server: AxisServer,
                                                 tmp_path: Path) -> None:
    sender, first, second = (axis_server.add_agency() for _ in range(3))
    envelope = addressed("edoc_new.edxml", sender, first, tmp_path).read_bytes()
    out = Sdk(axis_server, sender)
    # the SDK's quoted string, a comma-separated list, then a plain code (distinct bytes each:
    # without a message id the axis takes identical bytes from one sender for a resend)
    for copy, to in enumerate((first.code, f"{first.code},{second.code}"), 1):
        answer = out.send(envelope + b"\n" * copy, to)
        assert answer["status"] == "OK", answer
    params = {"from": sender.code, "to": second.code, "servicetype": "eDoc",
              "messagetype": "edoc",
              "hash-file": "".join(f"{b:x}" for b in hashlib.sha256(envelope).digest())}
    answer = httpx.post(f"{out.url}/sendEdoc", content=envelope,
                        headers=out.headers("application/octet-stream", params)).json()
    assert answer["status"] == "OK", answer
    counts = {agency.code: int(Sdk(axis_server, agency).call("countReceiveEdoc")["count"])
              for agency in (first, second)}
    assert counts == {first.code: 2, second.code: 2}

    ghosts = ["999.99.99.H99", "998.99.99.H98"]
    refused = out.send(envelope + b"\n" * 9, [first.code, *ghosts])
    assert refused["status"] == "FAIL"
    assert all(ghost in refused["ErrorDesc"] for ghost in ghosts), refused["ErrorDesc"]
    assert int(Sdk(axis_server, first).call("countReceiveEdoc")["count"]) == 2


def test_malformed_parameters_are_refused_in_one_line(axis_server: AxisServer,
                                                      tmp_path: Path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    operator = axis_server.add_agency(operator=True, level1="G22")
    envelope = addressed("edoc_new.edxml", sender, receiver, tmp_path).read_bytes()
    out = Sdk(axis_server, sender)
    for to, error in (("[\"" + receiver.code, "the to header is not valid JSON"),
                      ("[1, 2]", "a JSON array of agency codes")):
        params = {"from": sender.code, "to": to, "servicetype": "eDoc", "messagetype": "edoc",
                  "hash-file": "".join(f"{b:x}" for b in hashlib.sha256(envelope).digest())}
        answer = httpx.post(f"{out.url}/sendEdoc", content=envelope,
                            headers=out.headers("application/octet-stream", params))
        assert answer.status_code == 400 and error in answer.json()["ErrorDesc"]
    assert int(Sdk(axis_server, receiver).call("countReceiveEdoc")["count"]) == 0

    bad_date = out.call("getReceivedEdocList", fromDate="yesterday")
    assert bad_date["status"] == "FAIL" and "'yesterday'" in bad_date["ErrorDesc"]
    bad_code = out.call("registerAgency", json.dumps({"code": "12.H41", "name": "X"}).encode())
    assert "'12.H41' is not a four-level" in bad_code["ErrorDesc"]

    # Registering under another agency (by its code, `pcode`) is for operators only.
    body = json.dumps({"pcode": receiver.code, "code": fresh_code(), "name": "Phòng"}).encode()
    assert out.call("registerAgency", body)["ErrorCode"] == "NOT_PERMITTED"
    assert Sdk(axis_server, operator).call("registerAgency", body)["status"] == "OK"
    # A client that signs the protocol's own version header asks for the whole directory.
    assert out.call("getSynchronizeUnit", version="3.0.201608")["status"] == "OK"
