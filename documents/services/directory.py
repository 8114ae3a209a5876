"""The hub's copy of the axis's agency directory, kept by incremental sync
(``getSynchronizeUnit``), so the register finds a document by its sender's old or new code
after the 2025 reorganisation (63 provinces became 34, ministries merged).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from documents.adapters.db import transaction
from documents.adapters.models import DirectoryAgency
from documents.services.hub import Hub

MAX_CODES = 1000


def synced_version(session: Session) -> int:
    return session.scalar(select(func.max(DirectoryAgency.version))) or 0


def sync(hub: Hub) -> int:
    """Fetch the directory entries changed since the last one this hub holds and store them;
    returns how many changed (0 when the hub is up to date, or has no axis)."""
    if hub.axis is None:
        return 0
    with hub.sessions() as session:
        since = synced_version(session)
    changes = hub.axis.directory_changes(since)
    with transaction(hub.sessions) as session:
        for record in changes:
            row = session.get(DirectoryAgency, record.code) or DirectoryAgency(code=record.code)
            row.name, row.parent_code = record.name, record.parent
            row.successor_code, row.deleted = record.successor, record.deleted
            row.valid_from, row.valid_to = record.valid_from, record.valid_to
            row.version = record.version
            session.add(row)
    return len(changes)


def same_agency_codes(session: Session, code: str) -> set[str]:
    """``code``, the agencies it merged into or was renamed to (its successors, in turn), and
    every agency that merged into it before (its predecessors, in turn). Not its siblings: a
    search by one former code does not find another former agency's old documents."""
    found, current = {code}, session.get(DirectoryAgency, code)
    while current is not None and current.successor_code and len(found) < MAX_CODES:
        found.add(current.successor_code)
        current = session.get(DirectoryAgency, current.successor_code)
    frontier = [code]
    while frontier and len(found) < MAX_CODES:
        older = set(session.scalars(select(DirectoryAgency.code).where(
            DirectoryAgency.successor_code.in_(frontier)))) - found
        found |= older
        frontier = list(older)
    return found


def name_of(session: Session, code: str) -> str:
    row = session.get(DirectoryAgency, code)
    return row.name if row else ""
