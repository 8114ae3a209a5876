"""The SOAP face of the axis through zeep, built from ``schemas/axis.wsdl``; WS-Security
UsernameToken with a password digest (a fresh nonce and timestamp on every call, so a retry is
not taken for a replay, while its message id stays the same).

SOAP carries the envelope inline as base64, so it is held in memory here; the national
protocol (``vxp``) is the streamed path for very large envelopes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
import zeep
import zeep.exceptions
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from axis.errors import EXCHANGE_ERRORS, AxisUnavailable, ExchangeError
from axis.protocol.messages import (
    Acknowledge,
    AgencyInfo,
    AxisRequest,
    AxisResponse,
    DeleteAgency,
    Done,
    Fetch,
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
from axis.transports.base import Download

WSDL = Path(__file__).resolve().parents[2] / "schemas" / "axis.wsdl"
BINDING = "{urn:edochub:axis:1}AxisSoapBinding"


class SoapTransport:
    def __init__(self, base_url: str, agency: str, secret: str, *,
                 timeout: float = 60.0) -> None:
        base = base_url.rstrip("/")
        self.address = base if base.endswith("/soap") else base + "/soap"
        self._session = requests.Session()
        client = zeep.Client(
            str(WSDL), wsse=UsernameToken(agency, secret, use_digest=True),
            transport=Transport(session=self._session, timeout=timeout,
                                operation_timeout=timeout),
            settings=zeep.Settings(xml_huge_tree=True),
        )
        self._service = client.create_service(BINDING, self.address)

    def close(self) -> None:
        self._session.close()

    def handle_request(self, request: AxisRequest) -> AxisResponse:
        try:
            return self._dispatch(request)
        except zeep.exceptions.Fault as fault:
            code = (fault.code or "").rpartition(":")[2]
            raise EXCHANGE_ERRORS.get(code, ExchangeError)(fault.message) from fault
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise AxisUnavailable(f"axis at {self.address} unreachable: "
                                  f"{type(exc).__name__}") from exc
        except zeep.exceptions.TransportError as exc:
            if exc.status_code >= 500:
                raise AxisUnavailable(f"axis answered HTTP {exc.status_code}") from exc
            raise ExchangeError(f"axis answered HTTP {exc.status_code}") from exc

    def _dispatch(self, request: AxisRequest) -> AxisResponse:
        service = self._service
        match request:
            case Send(path=path, kind=kind, recipients=recipients, message_id=message_id):
                answer = service.Send(messageId=message_id, kind=kind, to=list(recipients),
                                      content=Path(path).read_bytes())
                return SendReceipt(answer.docId, answer.messageId, tuple(answer.to),
                                   bool(answer.duplicate))
            case ListReceived(kind=kind):
                return tuple(_received(m) for m in service.ListReceived(kind=kind) or ())
            case Fetch(doc_id=doc_id, destination=destination):
                answer = service.Get(docId=doc_id)
                download = Download(destination)
                download.write(answer.content)
                return download.commit(answer.message.sha256)
            case Acknowledge(doc_id=doc_id, state=state):
                service.Acknowledge(docId=doc_id, status=state)
                return Done()
            case ListSent():
                return tuple(
                    Sent(m.docId, m.messageId, m.kind, m.created,
                         tuple(RecipientState(r.to, r.status, r.addressedTo, r.receivedTime)
                               for r in m.recipient), m.title or "", m.notation or "")
                    for m in service.ListSent() or ())
            case ListAgencies():
                return tuple(_agency(a) for a in service.ListAgencies() or ())
            case SyncAgencies(since=since):
                return tuple(_agency(a) for a in service.SyncAgencies(version=since) or ())
            case RegisterAgency(code=code, name=name, mail=mail):
                answer = service.RegisterAgency(code=code, name=name, mail=mail or None)
                return Registered(_agency(answer.agency), answer.secret)
            case DeleteAgency(code=code):
                service.DeleteAgency(code=code)
                return Done()
        raise TypeError(f"not an axis request: {request!r}")


# zeep builds its answer types from the WSDL at run time: to a type checker they are Any
def _received(message: Any) -> Received:
    return Received(message.docId, getattr(message, "from"), message.kind, message.size,
                    message.sha256, message.created, message.to, message.addressedTo,
                    message.status, message.updated)


def _agency(agency: Any) -> AgencyInfo:
    def day(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return AgencyInfo(
        agency.code, agency.name, agency.parent, id=agency.id, parent_id=agency.pid or "",
        mail=agency.mail or "", code102=agency.code102 or "",
        center_code=agency.centerCode or "", is_agency=agency.isAgency,
        old_codes=tuple(c for c in (agency.oldCode or "").split(",") if c),
        successor=agency.successor, valid_from=day(agency.validFrom),
        valid_to=day(agency.validTo), deleted=agency.deleted, version=agency.version,
        modified=agency.modifyDate or "")

