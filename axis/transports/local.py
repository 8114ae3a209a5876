"""An in-process transport: the axis core called directly, no network. For tests of code that
uses a transport (the register), with the same rules as the real server since it is the same
core; ``in_memory`` gives one on an in-memory database."""

from __future__ import annotations

import shutil
from pathlib import Path

from axis.protocol.messages import (
    Acknowledge,
    AxisRequest,
    AxisResponse,
    DeleteAgency,
    Done,
    Fetch,
    ListAgencies,
    ListReceived,
    ListSent,
    RegisterAgency,
    Send,
    SyncAgencies,
)
from axis.server.core import AxisCore, Settings
from axis.transports.base import Download


class LocalTransport:
    def __init__(self, core: AxisCore, agency: str) -> None:
        self.core, self.agency = core, agency

    @staticmethod
    def in_memory_core(directory: Path, max_message_bytes: int = 1 << 30,
                       settings: Settings | None = None) -> AxisCore:
        """A core on an in-memory SQLite database; envelopes are kept under ``directory``."""
        from axis.server import db
        from axis.server.store import MessageStore

        sessions = db.open_database("sqlite://")
        return AxisCore(sessions, MessageStore(directory, max_message_bytes), settings)

    def close(self) -> None:
        pass

    def handle_request(self, request: AxisRequest) -> AxisResponse:
        core, caller = self.core, self.agency
        match request:
            case Send(path=path, kind=kind, recipients=recipients, message_id=message_id):
                return core.send(caller, core.store.stage_file(path), kind, recipients,
                                 message_id)
            case ListReceived(kind=kind):
                return core.received(caller, kind)
            case Fetch(doc_id=doc_id, destination=destination):
                info, envelope = core.open(caller, doc_id)
                download = Download(destination)
                with envelope.open() as source:
                    shutil.copyfileobj(source, download)
                return download.commit(info.sha256)
            case Acknowledge(doc_id=doc_id, state=state):
                core.acknowledge(caller, doc_id, state)
                return Done()
            case ListSent():
                return core.sent(caller)
            case ListAgencies():
                return core.agencies()
            case SyncAgencies(since=since):
                return core.changes_since(since)
            case RegisterAgency(code=code, name=name, mail=mail):
                return core.register_agency(caller, code, name, mail or None)
            case DeleteAgency(code=code):
                core.delete_agency(caller, code)
                return Done()
        raise TypeError(f"not an axis request: {request!r}")
