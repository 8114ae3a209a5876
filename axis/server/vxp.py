"""The national axis protocol face (DOMAIN.md §4) at ``<base>/vxp/<operation>``.

Parameters come from the signed headers only. ``sendEdoc`` streams the body (raw, as the SDK
sends it with CRLF appended, or multipart part ``file_doc``) to disk while hashing it, then
checks ``hash-file``; ``getEdoc`` streams the stored file back base64-encoded inside the JSON
answer, so neither side ever holds a whole envelope.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from axis.errors import HashMismatch, InvalidRequest, MessageTooLarge
from axis.protocol.vxp_signing import hash_file_hex
from axis.server.deps import CoreDep, VxpCaller, VxpCallerDep
from axis.server.multipart import FileDocReader
from axis.server.store import CHUNK, Staged

router = APIRouter(prefix="/vxp")

OK = {"status": "OK", "ErrorCode": "0", "ErrorDesc": ""}


def _ok(**fields: object) -> JSONResponse:
    return JSONResponse({**OK, **fields})


def recipients_of(value: str) -> tuple[str, ...]:
    return tuple(code for code in re.split(r"[,;#\s]+", value) if code)


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
            staged.strip_crlf()
        receipt = await run_in_threadpool(
            core.send, caller.agency, staged, caller.param("messagetype") or None,
            recipients_of(caller.param("to")), caller.param("messageid") or None)
    finally:
        staged.discard()
    return _ok(docId=receipt.doc_id, messageId=receipt.message_id, to=list(receipt.recipients),
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
    items = core.received(caller.agency, caller.param("messagetype") or None)
    return _ok(data=[{"docId": i.doc_id, "from": i.sender, "messageType": i.kind,
                      "size": i.size, "sha256": i.sha256, "created": i.created} for i in items])


@router.api_route("/getEdoc", methods=["GET", "POST"])
def get_edoc(caller: VxpCallerDep, core: CoreDep) -> StreamingResponse:
    info, path = core.open(caller.agency, _doc_id(caller))
    head = {**OK, "docId": info.doc_id, "from": info.sender, "messageType": info.kind,
            "size": info.size, "sha256": info.sha256}
    # "data" comes last so a client can stream it out of the answer; no JSON escape is ever
    # needed inside base64.
    prefix = json.dumps(head)[:-1] + ', "data": "'
    return StreamingResponse(_base64_json(prefix, path), media_type="application/json")


def _base64_json(prefix: str, path: Path) -> Iterator[bytes]:
    yield prefix.encode()
    with open(path, "rb") as source:
        while chunk := source.read(3 * CHUNK):  # multiple of 3: no padding mid-stream
            yield base64.b64encode(chunk)
    yield b'"}'


@router.api_route("/updateStatus", methods=["POST"])
def update_status(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    core.acknowledge(caller.agency, _doc_id(caller), caller.param("status"))
    return _ok()


@router.api_route("/getSentEdocList", methods=["GET", "POST"])
def get_sent_edoc_list(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    return _ok(data=[{"docId": s.doc_id, "messageId": s.message_id, "messageType": s.kind,
                      "created": s.created,
                      "recipients": [{"to": r.recipient, "status": r.state}
                                     for r in s.recipients]}
                     for s in core.sent(caller.agency)])


@router.api_route("/getAgenciesList", methods=["GET", "POST"])
def get_agencies_list(_caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    return _ok(data=[{"code": a.code, "name": a.name, "parent": a.parent}
                     for a in core.agencies()])


@router.api_route("/registerAgency", methods=["POST"])
async def register_agency(request: Request, caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    """The new agency travels as a small JSON body ``{"code", "name"}`` (names are Vietnamese,
    headers cannot carry them), covered by the signature through ``hash-file``."""
    body = await request.body()
    if len(body) > 64 * 1024:
        raise MessageTooLarge("registerAgency body is larger than 64 KiB")
    if hash_file_hex(hashlib.sha256(body).digest()) != caller.param("hash-file").lower():
        raise HashMismatch("hash-file does not match the registerAgency body")
    try:
        fields = json.loads(body)
    except ValueError as exc:
        raise InvalidRequest("registerAgency body is not JSON") from exc
    if not isinstance(fields, dict):
        raise InvalidRequest("registerAgency body must be a JSON object")
    registered = await run_in_threadpool(core.register_agency, caller.agency,
                                         str(fields.get("code", "")), str(fields.get("name", "")))
    agency = registered.agency
    return _ok(data={"code": agency.code, "name": agency.name, "parent": agency.parent,
                     "secret": registered.secret})


def _doc_id(caller: VxpCaller) -> str:
    doc_id = caller.param("docid")
    if not doc_id:
        raise InvalidRequest("this operation needs the docid header")
    return doc_id
