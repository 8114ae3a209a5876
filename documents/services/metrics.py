"""What the register counts for operators (Prometheus, served at ``/metrics``): signatures made
and validated, exchange failures, and the depth of the outbox and inbox queues (read when
scraped). Requests and latencies are counted by :mod:`axis.protocol.operations`."""

from __future__ import annotations

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select

from documents.adapters.models import InboxMessage, OutboxMessage
from documents.services.hub import Hub

SIGNATURES_MADE = Counter("edochub_signatures_made_total", "Signatures the hub made",
                          ("agency", "kind"))
SIGNATURES_VALIDATED = Counter("edochub_signatures_validated_total",
                               "Files whose signatures the hub validated on arrival",
                               ("agency", "verdict"))
EXCHANGE_FAILURES = Counter("edochub_exchange_failures_total",
                            "Sends and arrivals that failed (each retry counts)",
                            ("agency", "direction"))
QUEUE_DEPTH = Gauge("edochub_queue_depth", "Messages waiting in the hub's queues",
                    ("agency", "queue"))


def refresh_queue_depths(hub: Hub) -> None:
    """Set the queue gauges from the database (called when metrics are scraped)."""
    agency = hub.settings.organ_id
    with hub.sessions() as session:
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.state == "pending"))
        inbox = session.scalar(select(func.count()).select_from(InboxMessage)
                               .where(InboxMessage.state == "stored"))
    QUEUE_DEPTH.labels(agency, "outbox").set(outbox or 0)
    QUEUE_DEPTH.labels(agency, "inbox").set(inbox or 0)
