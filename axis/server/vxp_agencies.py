"""The directory operations of the national protocol face (``<base>/vxp/<operation>``), with
the keys the published SDK reads (DOMAIN.md §4)."""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from axis.errors import HashMismatch, InvalidRequest, MessageTooLarge
from axis.protocol.messages import AgencyInfo
from axis.protocol.vxp_signing import VERSION, hash_file_hex
from axis.server.deps import CoreDep, VxpCallerDep

router = APIRouter(prefix="/vxp")

OK = {"status": "OK", "ErrorCode": "0", "ErrorDesc": ""}
BODY_LIMIT = 64 * 1024


def agency_fields(agency: AgencyInfo) -> dict[str, str]:
    """What ``getAgenciesList`` answers per agency (strings: the SDK calls getAsString)."""
    return {"id": agency.id, "pid": agency.parent_id, "code": agency.code, "name": agency.name,
            "mail": agency.mail, "oldCode": ",".join(agency.old_codes),
            "parentCode": agency.parent or ""}


def unit_fields(agency: AgencyInfo) -> dict[str, object]:
    """What ``getSynchronizeUnit`` answers per entry (``version`` a number, ``deleted`` and
    ``isAgency`` booleans, as the SDK reads them), plus the history a hub keeps."""
    return {**agency_fields(agency), "centerCode": agency.center_code,
            "version": agency.version, "deleted": agency.deleted,
            "modifyDate": agency.modified, "isAgency": agency.is_agency,
            "code102": agency.code102, "successor": agency.successor or "",
            "validFrom": agency.valid_from or "", "validTo": agency.valid_to or ""}


@router.api_route("/getAgenciesList", methods=["GET", "POST"])
def get_agencies_list(_caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    return JSONResponse({**OK, "data": [agency_fields(a) for a in core.agencies()]})


@router.api_route("/getAgenciesListQD20", methods=["GET", "POST"])
def get_agencies_list_qd20(_caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    return JSONResponse({**OK, "data": [{**agency_fields(a), "code102": a.code102}
                                        for a in core.agencies()]})


@router.api_route("/getSynchronizeUnit", methods=["GET", "POST"])
def get_synchronize_unit(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    """Every entry changed after the ``version`` parameter (0 or absent: all of them)."""
    raw = caller.param("version", "0").strip() or "0"
    if raw == VERSION:  # a client that signed the protocol version header: no version asked
        raw = "0"
    if not raw.isdigit():
        raise InvalidRequest(f"version {raw!r} is not a whole number")
    return JSONResponse({**OK, "data": [unit_fields(a) for a in core.changes_since(int(raw))]})


@router.api_route("/registerAgency", methods=["POST"])
async def register_agency(request: Request, caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    """The SDK's JSON body ``{"id", "pid", "code", "name", "mail"}`` (names are Vietnamese,
    headers cannot carry them; ``pcode``, the parent's code, is taken beside ``pid``). A
    ``hash-file`` header, when given, must match the body: that puts the body under the
    request's signature."""
    body = await request.body()
    if len(body) > BODY_LIMIT:
        raise MessageTooLarge("registerAgency body is larger than 64 KiB")
    declared = caller.param("hash-file").lower()
    if declared and hash_file_hex(hashlib.sha256(body).digest()) != declared:
        raise HashMismatch("hash-file does not match the registerAgency body")
    try:
        fields = json.loads(body)
    except ValueError as exc:
        raise InvalidRequest("registerAgency body is not JSON") from exc
    if not isinstance(fields, dict):
        raise InvalidRequest("registerAgency body must be a JSON object")
    text = {key: "" if fields.get(key) is None else str(fields[key])
            for key in ("pid", "pcode", "code", "name", "mail")}
    registered = await run_in_threadpool(core.register_agency, caller.agency, text["code"],
                                         text["name"], text["mail"] or None, text["pid"],
                                         text["pcode"])
    return JSONResponse({**OK, "data": {**agency_fields(registered.agency),
                                        "secret": registered.secret}})


@router.api_route("/deleteAgency", methods=["GET", "POST"])
def delete_agency(caller: VxpCallerDep, core: CoreDep) -> JSONResponse:
    """Operator only: the agency named by the ``AgencyCode`` parameter leaves the directory
    (its entry stays, marked deleted, so a synchronising hub learns of it)."""
    code = caller.param("agencycode") or caller.param("code")
    if not code:
        raise InvalidRequest("deleteAgency needs the AgencyCode header")
    core.delete_agency(caller.agency, code)
    return JSONResponse(OK)
