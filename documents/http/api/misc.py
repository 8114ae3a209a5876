"""Search across both books, the audit check and one exchange round on demand."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from documents.adapters.models import OutgoingDocument
from documents.http.api.incoming import public
from documents.http.deps import Auditor, BeforeId, Exchanger, HubDep, Limit, SessionDep, Staff
from documents.http.schemas import AuditPublic, ExchangeRound, IncomingPublic, OutgoingPublic
from documents.services import audit, exchange, search

router = APIRouter(tags=["register"])


@router.get("/search", response_model=list[OutgoingPublic] | list[IncomingPublic])
def find(hub: HubDep, session: SessionDep, user: Staff, direction: str = "incoming",
         number: str = "", subject: str = "", sender: str = "",
         date_from: date | None = None, date_to: date | None = None, status: str = "",
         limit: Limit = 100, before: BeforeId = None) -> list:
    """Newest first; for the next page, pass the last id of this one as ``before``."""
    rows = search.search(session, search.Query(direction, number, subject, sender, date_from,
                                               date_to, status, min(limit, 500), before))
    if direction == "outgoing":
        return [OutgoingPublic.model_validate(r) for r in rows if isinstance(r, OutgoingDocument)]
    return [public(hub, r) for r in rows]


@router.get("/audit/verify", response_model=AuditPublic)
def verify_audit(session: SessionDep, user: Auditor) -> AuditPublic:
    report = audit.verify(session)
    return AuditPublic(entries=report.entries, intact=report.bottom_line,
                       problems=list(report.problems))


@router.post("/exchange/run", response_model=ExchangeRound)
async def exchange_round(hub: HubDep, user: Exchanger) -> ExchangeRound:
    """Send what is due, collect what waits at the axis and process it, now."""
    delivery = await run_in_threadpool(exchange.deliver_due, hub)
    await run_in_threadpool(exchange.collect, hub)
    processed = await run_in_threadpool(exchange.process_stored, hub)
    return ExchangeRound(sent=delivery.sent, retrying=delivery.retrying, failed=delivery.failed,
                         received_documents=processed.documents, verified=processed.verified,
                         statuses=processed.statuses)
