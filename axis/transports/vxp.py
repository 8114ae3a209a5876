"""The national axis protocol over httpx (the register's client; see ``vxp_protocol``).

Like the published SDK: parameters in signed headers, the timestamp fixed once per client,
the envelope sent as the raw body with CRLF appended. Unlike it, the body is streamed from disk
and ``getEdoc``'s base64 is decoded from the answer as it arrives, so memory stays bounded for
any size; and each send carries a ``messageid`` so a retried send lands once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx

from axis.errors import EXCHANGE_ERRORS, AxisUnavailable, ExchangeError
from axis.protocol.messages import (
    Acknowledge,
    AgencyInfo,
    AxisRequest,
    AxisResponse,
    DeleteAgency,
    Done,
    Fetch,
    Fetched,
    ListAgencies,
    ListReceived,
    ListSent,
    Received,
    RecipientState,
    RegisterAgency,
    Registered,
    Send,
    SendReceipt,
    Sent,
    SyncAgencies,
)
from axis.protocol.operations import request_id_headers
from axis.protocol.vxp_signing import hash_file_hex, sdk_timestamp, signed_headers
from axis.transports.base import Download

CHUNK = 1 << 20
DATA_FIELD = re.compile(rb'"data"\s*:\s*"')


class VxpTransport:
    def __init__(self, base_url: str, agency: str, secret: str, *, timeout: float = 60.0,
                 client: httpx.Client | None = None) -> None:
        base = base_url.rstrip("/")
        self.endpoint = base if base.endswith("/vxp") else base + "/vxp"
        self.agency, self._secret = agency, secret
        self._timestamp = sdk_timestamp(datetime.now())
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))

    def close(self) -> None:
        self._client.close()

    def handle_request(self, request: AxisRequest) -> AxisResponse:
        try:
            return self._dispatch(request)
        except httpx.TransportError as exc:  # connection refused or lost, timeouts
            raise AxisUnavailable(f"axis at {self.endpoint} unreachable: "
                                  f"{type(exc).__name__}: {exc}") from exc

    def _dispatch(self, request: AxisRequest) -> AxisResponse:
        match request:
            case Send():
                return self._send(request)
            case Fetch():
                return self._fetch(request)
            case ListReceived(kind=kind):
                params = {"servicetype": "eDoc", **({"messagetype": kind} if kind else {})}
                data = self._call("getReceivedEdocList", params)
                return tuple(Received(i["docId"], i["from"], i["messageType"], i["size"],
                                      i["sha256"], i["created_time"], i["to"],
                                      i.get("addressedTo") or None, i["status"],
                                      i["updated_time"]) for i in data["data"])
            case Acknowledge(doc_id=doc_id, state=state):
                self._call("updateStatus", {"docid": doc_id, "status": state})
                return Done()
            case ListSent():
                return _sent(self._call("getSentEdocList", {"servicetype": "eDoc"})["data"])
            case ListAgencies():
                return tuple(_agency(a) for a in self._call("getAgenciesList", {})["data"])
            case SyncAgencies(since=since):
                data = self._call("getSynchronizeUnit", {"version": str(since)})["data"]
                return tuple(_agency(a) for a in data)
            case RegisterAgency(code=code, name=name, mail=mail):
                body = json.dumps({"id": "", "pid": "", "code": code, "name": name,
                                   "mail": mail}).encode()
                digest = hash_file_hex(hashlib.sha256(body).digest())
                data = self._call("registerAgency", {"hash-file": digest}, content=body)["data"]
                return Registered(_agency(data), data["secret"])
            case DeleteAgency(code=code):
                self._call("deleteAgency", {"AgencyCode": code})
                return Done()
        raise TypeError(f"not an axis request: {request!r}")

    def _headers(self, params: dict[str, str], content_type: str) -> dict[str, str]:
        # the request id (outside the signed set: the SDK knows no such header) lets the
        # axis log the hub's request under the same id
        return {**signed_headers({**params, "systemid": self.agency,
                                  "timestamp": self._timestamp, "Content-Type": content_type},
                                 self._secret), **request_id_headers()}

    def _call(self, operation: str, params: dict[str, str], content: bytes = b"",
              content_type: str = "application/json") -> dict:
        response = self._client.post(f"{self.endpoint}/{operation}", content=content,
                                     headers=self._headers(params, content_type))
        return _answer(response, response.content)

    def _send(self, request: Send) -> SendReceipt:
        digest = hashlib.sha256()
        with open(request.path, "rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
        params = {"from": self.agency, "servicetype": "eDoc",
                  "hash-file": hash_file_hex(digest.digest()), "messageid": request.message_id}
        if request.kind:
            params["messagetype"] = request.kind
        if request.recipients:  # as the SDK sends it: the JSON text of the array
            params["to"] = json.dumps(list(request.recipients))
        response = self._client.post(
            f"{self.endpoint}/sendEdoc", content=_file_then_crlf(request.path),
            headers=self._headers(params, "application/octet-stream"))
        data = _answer(response, response.content)
        return SendReceipt(data["DocId"], data["messageId"], tuple(data["to"]),
                           bool(data.get("duplicate")))

    def _fetch(self, request: Fetch) -> Done | Fetched:
        headers = self._headers({"docid": request.doc_id}, "application/json")
        with self._client.stream("POST", f"{self.endpoint}/getEdoc", headers=headers) as response:
            if response.status_code != 200:
                _answer(response, response.read())
            download = Download(request.destination)
            try:
                meta = stream_data_field(response.iter_bytes(CHUNK), download)
                return download.commit(meta["sha256"])
            except BaseException:
                download.abort()
                raise


def _agency(fields: dict) -> AgencyInfo:
    """A directory entry from ``getAgenciesList``, ``getSynchronizeUnit`` or
    ``registerAgency`` (the latter two carry more of its history)."""
    return AgencyInfo(
        code=fields["code"], name=fields["name"], parent=fields.get("parentCode") or None,
        id=str(fields.get("id", "")), parent_id=str(fields.get("pid", "")),
        mail=fields.get("mail") or "", code102=fields.get("code102") or "",
        center_code=fields.get("centerCode") or "", is_agency=fields.get("isAgency", True),
        old_codes=tuple(c for c in (fields.get("oldCode") or "").split(",") if c),
        successor=fields.get("successor") or None, valid_from=fields.get("validFrom") or None,
        valid_to=fields.get("validTo") or None, deleted=bool(fields.get("deleted", False)),
        version=int(fields.get("version", 0)), modified=fields.get("modifyDate") or "")


def _sent(rows: list[dict]) -> tuple[Sent, ...]:
    """``getSentEdocList`` answers one row per message and recipient; regroup by message."""
    by_message: dict[str, list[dict]] = {}
    for row in rows:
        by_message.setdefault(row["senderDocId"], []).append(row)
    return tuple(
        Sent(doc_id, group[0]["messageId"], group[0]["messageType"], group[0]["sentTime"],
             tuple(RecipientState(r["toCode"], r["receiveStatus"], r["addressedTo"] or None,
                                  r["receivedTime"]) for r in group),
             group[0]["title"], group[0]["notation"])
        for doc_id, group in by_message.items())


def _file_then_crlf(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk
    yield b"\r\n"


def _answer(response: httpx.Response, content: bytes) -> dict:
    """The JSON answer, or the error it reports as the matching ``axis.errors`` class."""
    try:
        data = json.loads(content)
    except ValueError as exc:
        if response.status_code >= 500:
            raise AxisUnavailable(f"axis answered HTTP {response.status_code}") from None
        raise ExchangeError(f"axis answered HTTP {response.status_code} with no JSON") from exc
    if response.status_code >= 500:  # worth retrying, whatever it says; its words if any
        said = data.get("ErrorDesc") if isinstance(data, dict) else None
        raise AxisUnavailable(f"axis answered HTTP {response.status_code}"
                              + (f": {said}" if isinstance(said, str) and said else ""))
    if data.get("status") != "OK":
        error = EXCHANGE_ERRORS.get(data.get("ErrorCode"), ExchangeError)
        raise error(data.get("ErrorDesc") or f"axis refused the call ({data.get('ErrorCode')})")
    return data


def stream_data_field(chunks: Iterator[bytes], download: Download) -> dict:
    """Decode the base64 ``data`` string of a ``getEdoc`` answer into ``download`` as it
    streams, and return the answer's other fields (they come first)."""
    head = b""
    for chunk in chunks:
        head += chunk
        if match := DATA_FIELD.search(head):
            break
        if len(head) > CHUNK:
            raise ExchangeError("getEdoc answer carries no data field")
    else:
        raise ExchangeError("getEdoc answer ended before its data field")
    meta = json.loads(head[:match.start()].rstrip().rstrip(b",") + b"}")
    sink = _Base64Sink(download)
    finished = sink.feed(head[match.end():])
    for chunk in chunks:
        if finished:
            break
        finished = sink.feed(chunk)
    if not finished:
        raise ExchangeError("getEdoc answer ended inside its data field")
    return meta


class _Base64Sink:
    """Base64 text in, bytes out, four characters at a time. Base64 never needs a JSON escape,
    so the string ends at the first quote."""

    def __init__(self, download: Download) -> None:
        self.download, self.carry = download, b""

    def feed(self, chunk: bytes) -> bool:
        end = chunk.find(b'"')
        text = self.carry + (chunk if end < 0 else chunk[:end])
        usable = len(text) if end >= 0 else len(text) - len(text) % 4
        try:
            self.download.write(base64.b64decode(text[:usable], validate=True))
        except binascii.Error as exc:
            raise ExchangeError(f"getEdoc answer carries bad base64: {exc}") from exc
        self.carry = text[usable:]
        return end >= 0
