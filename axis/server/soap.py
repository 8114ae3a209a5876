"""The SOAP 1.1 face at ``<base>/soap`` (WSDL at ``<base>/soap?wsdl``), described by
``schemas/axis.wsdl``.

Authentication is a WS-Security UsernameToken with a password digest (Username = agency code,
digest = Base64(SHA-1(nonce + Created + secret))): the secret never travels, ``Created`` must lie
within the freshness window and a nonce is accepted once, so a captured request cannot be
replayed. Requests are parsed with entities and network off and validated against the WSDL's
schema; every failure is a SOAP fault with the stable code ``axis:CODE``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from lxml import etree
from starlette.concurrency import run_in_threadpool

from axis.errors import AuthenticationFailed, ExchangeError, InvalidRequest, MessageTooLarge
from axis.protocol.messages import AgencyInfo, Received, RecipientState
from axis.server.conventions import (
    RECEIVE_STATUS,
    SEND_STATUS,
    SERVICE_TYPE,
    moment,
    send_status_desc,
)
from axis.server.core import AxisCore
from axis.server.deps import CoreDep

WSDL_PATH = Path(__file__).resolve().parents[2] / "schemas" / "axis.wsdl"
WSDL_ADDRESS = "http://127.0.0.1:8700/soap"
TNS = "urn:edochub:axis:1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = "#PasswordDigest"
#: decoded nonce sizes accepted (WS-Security clients send 16 bytes)
MIN_NONCE, MAX_NONCE = 8, 64

router = APIRouter()


@cache
def _wsdl_text() -> str:
    return WSDL_PATH.read_text(encoding="utf-8")


@cache
def _schema() -> etree.XMLSchema:
    wsdl = etree.parse(str(WSDL_PATH), _parser())
    return etree.XMLSchema(wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema"))


def _parser() -> etree.XMLParser:
    # huge_tree: a 50 MB envelope is one base64 text node; entities and DTDs stay off.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=True, remove_blank_text=True)


@router.get("/soap")
def wsdl(request: Request) -> Response:
    if "wsdl" not in {key.lower() for key in request.query_params}:
        return Response("ask for the WSDL with ?wsdl; calls are POSTed", status_code=404)
    address = f"{request.app.state.public_url}/soap"  # configured, not the request's Host
    return Response(_wsdl_text().replace(WSDL_ADDRESS, address), media_type="text/xml")


@router.post("/soap")
async def soap(request: Request, core: CoreDep) -> Response:
    """The caller is authenticated from the SOAP header as soon as it has arrived; the rest
    of the body is read only for an authenticated caller, and never beyond the limit."""
    limit = request.app.state.soap_max_bytes
    try:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise MessageTooLarge(f"SOAP request of {declared} bytes is larger than the limit "
                                  f"of {limit} bytes")
        body = bytearray()
        header = _HeaderReader()
        caller = None
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise MessageTooLarge(f"SOAP request larger than the limit of {limit} bytes")
            if caller is None and (found := header.feed(chunk)) is not None:
                caller = await run_in_threadpool(_authenticate, core, found)
        if caller is None:
            caller = await run_in_threadpool(_authenticate, core, header.close())
        answer = await run_in_threadpool(_handle, core, bytes(body), caller)
    except ExchangeError as exc:
        return fault(exc)
    return Response(answer, media_type="text/xml; charset=utf-8")


class _HeaderReader:
    """Parses the start of a request as it arrives, up to the end of its SOAP header."""

    def __init__(self) -> None:
        self._parser = etree.XMLPullParser(
            events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
            huge_tree=True, remove_blank_text=True)
        self._depth = 0
        self._prolog: bytearray | None = bytearray()  # what came before the root element

    def feed(self, chunk: bytes) -> etree._Element | None:
        """The complete header once it has arrived; a body before any header fails."""
        if self._prolog is not None:
            self._prolog += chunk
        try:
            self._parser.feed(chunk)
            events = list(self._parser.read_events())
        except etree.XMLSyntaxError as exc:
            raise InvalidRequest(f"the request is not well-formed XML: {exc}") from exc
        for event, element in events:
            if event == "start":
                self._depth += 1
                if self._depth == 1:
                    self._check_root(element)
                if self._depth == 2 and element.tag == f"{{{SOAP_ENV}}}Body":
                    raise AuthenticationFailed("no WS-Security UsernameToken in the SOAP header")
            else:
                self._depth -= 1
                if self._depth == 1 and element.tag == f"{{{SOAP_ENV}}}Header":
                    return element
        return None

    def _check_root(self, root: etree._Element) -> None:
        prolog, self._prolog = self._prolog or b"", None
        if b"<!DOCTYPE" in prolog:  # a DTD can only come before the root element
            raise InvalidRequest("a SOAP request may not carry a DTD")
        if root.tag != f"{{{SOAP_ENV}}}Envelope":
            raise InvalidRequest("the request is not a SOAP 1.1 envelope")

    def close(self) -> etree._Element | None:
        """The request ended without a complete header."""
        try:
            self._parser.close()
        except etree.XMLSyntaxError as exc:
            raise InvalidRequest(f"the request is not well-formed XML: {exc}") from exc
        return None


def _handle(core: AxisCore, body: bytes, caller: str) -> bytes:
    try:
        document = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidRequest(f"the request is not well-formed XML: {exc}") from exc
    if document.getroottree().docinfo.doctype:
        raise InvalidRequest("a SOAP request may not carry a DTD")
    if document.tag != f"{{{SOAP_ENV}}}Envelope":
        raise InvalidRequest("the request is not a SOAP 1.1 envelope")
    body_element = document.find(f"{{{SOAP_ENV}}}Body")
    operation = body_element[0] if body_element is not None and len(body_element) else None
    handler = OPERATIONS.get(operation.tag if operation is not None else "")
    if handler is None:
        raise InvalidRequest("the SOAP body names no operation of this service")
    schema = _schema()
    if not schema.validate(operation):
        raise InvalidRequest(f"invalid {etree.QName(operation).localname} request: "
                             f"{schema.error_log.last_error.message}")
    answer = handler(core, caller, operation)
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "tns": TNS})
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(answer)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _authenticate(core: AxisCore, header: etree._Element | None) -> str:
    token = None if header is None else header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        raise AuthenticationFailed("no WS-Security UsernameToken in the SOAP header")
    username = token.findtext(f"{{{WSSE}}}Username", "").strip()
    password = token.find(f"{{{WSSE}}}Password")
    nonce = token.findtext(f"{{{WSSE}}}Nonce", "").strip()
    created_text = token.findtext(f"{{{WSU}}}Created", "").strip()
    if password is None or not password.get("Type", "").endswith(DIGEST_TYPE):
        raise AuthenticationFailed("the UsernameToken must carry a PasswordDigest")
    if not nonce or not created_text:
        raise AuthenticationFailed("the UsernameToken must carry a Nonce and Created")
    try:
        created = datetime.fromisoformat(created_text)
        nonce_bytes = base64.b64decode(nonce, validate=True)
    except ValueError as exc:
        raise AuthenticationFailed(f"malformed UsernameToken: {exc}") from exc
    if not MIN_NONCE <= len(nonce_bytes) <= MAX_NONCE:
        raise AuthenticationFailed(f"the Nonce must be {MIN_NONCE} to {MAX_NONCE} bytes")
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    if abs(datetime.now(UTC) - created) > core.settings.nonce_window:
        raise AuthenticationFailed(f"stale request: Created {created_text} is outside the "
                                   "freshness window")
    # an unknown agency is checked against a throwaway secret and refused in the same words
    # as a wrong digest: the fault does not tell which agencies exist
    secret = core.secret_of(username)
    expected = base64.b64encode(hashlib.sha1(  # noqa: S324 - WSS UsernameToken is SHA-1
        nonce_bytes + created_text.encode()
        + (secret or secrets.token_urlsafe(32)).encode()).digest()).decode()
    if not hmac.compare_digest(expected, (password.text or "").strip()) or secret is None:
        raise AuthenticationFailed(f"authentication failed for agency {username[:64]}")
    core.remember_nonce(username, nonce_bytes, created)
    return username


def fault(error: ExchangeError) -> Response:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "axis": TNS})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body"),
                             f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"axis:{error.code}"
    etree.SubElement(fault, "faultstring").text = str(error)
    detail = etree.SubElement(etree.SubElement(fault, "detail"), f"{{{TNS}}}AxisFault")
    etree.SubElement(detail, f"{{{TNS}}}code").text = error.code
    etree.SubElement(detail, f"{{{TNS}}}message").text = str(error)
    return Response(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
                    status_code=500, media_type="text/xml; charset=utf-8")


# -- operations: (core, caller, request element) -> response element ------------------------


def _el(name: str, *children: etree._Element, text: str | None = None) -> etree._Element:
    element = etree.Element(f"{{{TNS}}}{name}")
    element.extend(children)
    element.text = text
    return element


def _field(element: etree._Element, name: str) -> str | None:
    return element.findtext(f"{{{TNS}}}{name}")


def _required(element: etree._Element, name: str) -> str:
    value = _field(element, name)
    if value is None:
        raise InvalidRequest(f"the request has no {name}")
    return value


def _send(core: AxisCore, caller: str, request: etree._Element) -> etree._Element:
    core.check_sender(caller, _field(request, "from"))
    staged = core.store.stage()
    try:
        staged.write(base64.b64decode(_field(request, "content") or ""))
        staged.finish()
        receipt = core.send(caller, staged, _field(request, "kind"),
                            tuple(e.text for e in request.iterfind(f"{{{TNS}}}to")),
                            _field(request, "messageId"))
    finally:
        staged.discard()
    return _el("SendResponse", _el("docId", text=receipt.doc_id),
               _el("messageId", text=receipt.message_id),
               *(_el("to", text=code) for code in receipt.recipients),
               _el("duplicate", text="true" if receipt.duplicate else "false"))


def _received(name: str, item: Received) -> etree._Element:
    addressed = [_el("addressedTo", text=item.addressed_as)] if item.addressed_as else []
    return _el(name, _el("docId", text=item.doc_id), _el("from", text=item.sender),
               _el("kind", text=item.kind), _el("size", text=str(item.size)),
               _el("sha256", text=item.sha256), _el("created", text=item.created),
               _el("serviceType", text=SERVICE_TYPE), _el("to", text=item.recipient),
               *addressed, _el("status", text=item.state),
               _el("statusDesc", text=RECEIVE_STATUS[item.state]),
               _el("updated", text=item.updated))


def _list_received(core: AxisCore, caller: str, request: etree._Element) -> etree._Element:
    items = core.received(caller, _field(request, "kind"),
                          moment(_field(request, "fromDate") or ""),
                          moment(_field(request, "toDate") or "", end=True))
    return _el("ListReceivedResponse", *(_received("message", item) for item in items))


def _count_received(core: AxisCore, caller: str, request: etree._Element) -> etree._Element:
    count = core.count_received(caller, _field(request, "kind"))
    return _el("CountReceivedResponse", _el("count", text=str(count)))


def _get(core: AxisCore, caller: str, request: etree._Element) -> etree._Element:
    info, envelope = core.open(caller, _required(request, "docId"))
    content = base64.b64encode(envelope.read_bytes()).decode("ascii")
    return _el("GetResponse", _received("message", info), _el("content", text=content))


def _acknowledge(core: AxisCore, caller: str, request: etree._Element) -> etree._Element:
    core.acknowledge(caller, _required(request, "docId"), _required(request, "status"))
    return _el("AcknowledgeResponse")


def _recipient(state: RecipientState) -> etree._Element:
    addressed = [_el("addressedTo", text=state.addressed_as)] if state.addressed_as else []
    return _el("recipient", _el("to", text=state.recipient), _el("status", text=state.state),
               *addressed,
               _el("receivedTime", text=state.acknowledged if state.state == "done" else ""),
               _el("sendStatus", text=SEND_STATUS),
               _el("sendStatusDesc", text=send_status_desc(state)),
               _el("receiveStatusDesc", text=RECEIVE_STATUS[state.state]))


def _list_sent(core: AxisCore, caller: str, _request: etree._Element) -> etree._Element:
    return _el("ListSentResponse", *(
        _el("message", _el("docId", text=s.doc_id), _el("messageId", text=s.message_id),
            _el("kind", text=s.kind), _el("created", text=s.created),
            _el("serviceType", text=SERVICE_TYPE), _el("title", text=s.subject),
            _el("notation", text=s.notation), *(_recipient(r) for r in s.recipients))
        for s in core.sent(caller)))


def _agency(agency: AgencyInfo) -> etree._Element:
    def optional(name: str, value: str | None) -> list[etree._Element]:
        return [_el(name, text=value)] if value else []

    return _el("agency", _el("code", text=agency.code), _el("name", text=agency.name),
               *optional("parent", agency.parent), _el("id", text=agency.id),
               _el("pid", text=agency.parent_id), _el("mail", text=agency.mail),
               _el("oldCode", text=",".join(agency.old_codes)),
               _el("code102", text=agency.code102), _el("centerCode", text=agency.center_code),
               _el("isAgency", text=_bool(agency.is_agency)),
               *optional("successor", agency.successor),
               *optional("validFrom", agency.valid_from), *optional("validTo", agency.valid_to),
               _el("deleted", text=_bool(agency.deleted)),
               _el("version", text=str(agency.version)),
               _el("modifyDate", text=agency.modified))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _list_agencies(core: AxisCore, _caller: str, _request: etree._Element) -> etree._Element:
    return _el("ListAgenciesResponse", *(_agency(a) for a in core.agencies()))


def _sync_agencies(core: AxisCore, _caller: str, request: etree._Element) -> etree._Element:
    since = int(_field(request, "version") or 0)
    return _el("SyncAgenciesResponse", *(_agency(a) for a in core.changes_since(since)))


def _register_agency(core: AxisCore, caller: str, request: etree._Element) -> etree._Element:
    registered = core.register_agency(caller, _required(request, "code"),
                                      _required(request, "name"),
                                      _field(request, "mail") or None,
                                      _field(request, "pid") or "")
    return _el("RegisterAgencyResponse", _agency(registered.agency),
               _el("secret", text=registered.secret))


def _delete_agency(core: AxisCore, caller: str, request: etree._Element) -> etree._Element:
    core.delete_agency(caller, _required(request, "code"))
    return _el("DeleteAgencyResponse")


OPERATIONS: dict[str, Callable[[AxisCore, str, etree._Element], etree._Element]] = {
    f"{{{TNS}}}{name}": handler for name, handler in (
        ("Send", _send), ("ListReceived", _list_received), ("Get", _get),
        ("Acknowledge", _acknowledge), ("ListSent", _list_sent),
        ("CountReceived", _count_received), ("ListAgencies", _list_agencies),
        ("SyncAgencies", _sync_agencies), ("RegisterAgency", _register_agency),
        ("DeleteAgency", _delete_agency))
}
