"""The national axis protocol face (DOMAIN.md §4) at ``<base>/vxp/<operation>``.

Parameters come from the signed headers only. ``sendEdoc`` streams the body (raw, as the SDK
sends it with CRLF appended, or multipart part ``file_doc``) to disk while hashing it, then
checks ``hash-file``; ``getEdoc`` streams the stored file back base64-encoded inside the JSON
answer, so neither side ever holds a whole envelope.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from axis.errors import HashMismatch, InvalidRequest, MessageTooLarge
from axis.protocol.vxp_signing import hash_file_hex
from axis.server.conventions import (
    RECEIVE_STATUS,
    SEND_STATUS,
    SERVICE_TYPE,
    moment,
    send_status_desc,
)
from axis.server.deps import CoreDep, VxpCaller, VxpCallerDep
from axis.server.multipart import FileDocReader
from axis.server.store import CHUNK, Staged

router = APIRouter(prefix="/vxp")

OK = {"status": "OK", "ErrorCode": "0", "ErrorDesc": ""}


def _ok(**fields: object) -> JSONResponse:
    return JSONResponse({**OK, **fields})


def recipients_of(value: str) -> tuple[str, ...]:
    """The ``to`` header as the SDK sends it (the JSON text of its value: an array of codes or a
    quoted string), or a plain code, or a comma-separated list."""
    text = value.strip()
    if text[:1] in ('[', '"'):
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise InvalidRequest(f"the to header is not valid JSON: {text[:80]!r}") from exc
        items = parsed if isinstance(parsed, list) else [parsed]
        if not all(isinstance(item, str) for item in items):
            raise InvalidRequest("the to header must be a JSON array of agency codes or a "
                                 "quoted code")
        text = ",".join(items)
    return tuple(code for code in re.split(r"[,;\s]+", text) if code)


@router.api_route("/sendEdoc", methods=["POST"])
async def send_edoc(request: Request, caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    core.check_sender(caller.agency, caller.param("from") or caller.agency)
    expected = caller.param("hash-file").lower()
    if not expected:
        raise InvalidRequest("sendEdoc needs the hash-file header")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > core.store.max_size + 4096:
        raise MessageTooLarge(f"message of {declared} bytes is larger than the limit of "
                              f"{core.store.max_size} bytes")
    staged = core.store.stage()
    try:
        await _receive_body(request, staged)
        await run_in_threadpool(staged.finish)
        if hash_file_hex(bytes.fromhex(staged.sha256)) != expected:
            without_crlf = staged.sha256_without_crlf
            if without_crlf is None or hash_file_hex(bytes.fromhex(without_crlf)) != expected:
                raise HashMismatch("hash-file does not match the received envelope")
            await run_in_threadpool(staged.strip_crlf)
        receipt = await run_in_threadpool(
            core.send, caller.agency, staged, caller.param("messagetype") or None,
            recipients_of(caller.param("to")), caller.param("messageid") or None)
    finally:
        staged.discard()
    return _ok(DocId=receipt.doc_id, messageId=receipt.message_id, to=list(receipt.recipients),
               duplicate=receipt.duplicate)


async def _receive_body(request: Request, staged: Staged) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        reader = FileDocReader(content_type, staged)
        async for chunk in request.stream():
            reader.feed(chunk)
        reader.finish()
    else:
        async for chunk in request.stream():
            staged.write(chunk)


@router.api_route("/getReceivedEdocList", methods=["GET", "POST"])
def get_received_edoc_list(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    since, until = moment(caller.param("fromdate")), moment(caller.param("todate"), end=True)
    items = core.received(caller.agency, caller.param("messagetype") or None, since, until)
    return _ok(data=[{
        "docId": i.doc_id, "serviceType": SERVICE_TYPE, "messageType": i.kind,
        "created_time": i.created, "updated_time": i.updated, "from": i.sender,
        "to": i.recipient, "status": i.state, "status_desc": RECEIVE_STATUS[i.state],
        "addressedTo": i.addressed_as or "", "size": i.size, "sha256": i.sha256,
    } for i in items])


@router.api_route("/countReceiveEdoc", methods=["GET", "POST"])
def count_receive_edoc(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    return _ok(count=core.count_received(caller.agency, caller.param("messagetype") or "edoc"))


@router.api_route("/countReceiveStatus", methods=["GET", "POST"])
def count_receive_status(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    return _ok(count=core.count_received(caller.agency, "status"))


@router.api_route("/getEdoc", methods=["GET", "POST"])
def get_edoc(caller: VxpCallerDep, core: CoreDep) -> StreamingResponse:
    info, envelope = core.open(caller.agency, _doc_id(caller))
    head = {**OK, "docId": info.doc_id, "from": info.sender, "messageType": info.kind,
            "size": info.size, "sha256": info.sha256}
    # "data" comes last so a client can stream it out of the answer; no JSON escape is ever
    # needed inside base64.
    prefix = json.dumps(head)[:-1] + ', "data": "'
    source = envelope.open()  # a missing envelope answers an error, not a cut-off stream
    return StreamingResponse(_base64_json(prefix, source), media_type="application/json")


def _base64_json(prefix: str, source: BinaryIO) -> Iterator[bytes]:
    yield prefix.encode()
    rest = b""  # base64 only whole 3-byte groups until the end: no padding mid-stream
    with source:  # an object store may answer a read with fewer bytes than asked
        while chunk := source.read(3 * CHUNK):
            data = rest + chunk if rest else chunk
            whole = len(data) - len(data) % 3
            yield base64.b64encode(data[:whole])
            rest = data[whole:]
    yield base64.b64encode(rest) + b'"}'


@router.api_route("/updateStatus", methods=["POST"])
def update_status(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    core.acknowledge(caller.agency, _doc_id(caller), caller.param("status"))
    return _ok()


@router.api_route("/getSentEdocList", methods=["GET", "POST"])
def get_sent_edoc_list(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    """One row per message and recipient, as the SDK reads it."""
    return _ok(data=[{
        "senderDocId": s.doc_id, "receiverDocId": s.doc_id, "fromCode": caller.agency,
        "toCode": r.recipient, "serviceType": SERVICE_TYPE, "messageType": s.kind,
        "title": s.subject, "notation": s.notation, "sentTime": s.created,
        "receivedTime": r.acknowledged if r.state == "done" else "",
        "sendStatus": SEND_STATUS, "sendStatusDesc": send_status_desc(r),
        "receiveStatus": r.state, "receiveStatusDesc": RECEIVE_STATUS[r.state],
        "messageId": s.message_id, "addressedTo": r.addressed_as or "",
    } for s in core.sent(caller.agency, caller.param("docid") or None) for r in s.recipients])


def _doc_id(caller: VxpCaller) -> str:
    doc_id = caller.param("docid")
    if not doc_id:
        raise InvalidRequest("this operation needs the docid header")
    return doc_id
