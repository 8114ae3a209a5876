"""This agency's ``AxisLink`` (the register's port to the national axis) over an
``axis.transports`` client; the transports' types stay in here."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from documents.domain.ports import AgencyRecord, Waiting

if TYPE_CHECKING:
    from axis.transports import AxisClient


class AxisClientLink:
    """This agency's ``AxisLink`` over an ``axis.transports`` client (SOAP, national HTTP
    protocol or in-process). Sent envelopes pass through files under ``workdir``; fetched
    ones stay in memory."""

    def __init__(self, client: AxisClient, workdir: Path) -> None:
        self.client = client
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        from axis import edxml

        recipients = edxml.peek_routing(payload).recipients
        path = self.workdir / f"out-{message_id}.edxml"
        path.write_bytes(payload)
        try:
            self.client.send(path, kind, recipients, message_id=message_id)
        finally:
            path.unlink(missing_ok=True)

    def waiting(self) -> list[Waiting]:
        return [Waiting(r.doc_id, r.kind) for r in self.client.received()]

    def fetch(self, axis_id: str) -> bytes:
        return self.client.fetch_bytes(axis_id)  # the hub stores it before acknowledging

    def acknowledge(self, axis_id: str) -> None:
        self.client.acknowledge(axis_id, "done")

    def directory_changes(self, since: int) -> list[AgencyRecord]:
        def day(text: str | None) -> date | None:
            return date.fromisoformat(text) if text else None

        return [AgencyRecord(a.code, a.name, a.version, a.parent, a.successor,
                             day(a.valid_from), day(a.valid_to), a.deleted)
                for a in self.client.sync_agencies(since)]
