"""Nhật ký thay đổi: an append-only, hash-chained log of every change to the register.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON, so
changing an entry breaks its own hash and removing one breaks the next entry's link; the
``audit_head`` row remembers the last entry so that cutting the tail is seen too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from documents.adapters.models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 7_300_001  # advisory lock key: one appender at a time on PostgreSQL


def _entry_hash(prev_hash: str, entry_id: int, at: datetime, actor: str, action: str,
                entity: str, entity_id: str, document_hash: str,
                details: dict[str, Any]) -> str:
    body = json.dumps(
        {"id": entry_id, "at": at.isoformat(timespec="microseconds"), "actor": actor,
         "action": action, "entity": entity, "entity_id": entity_id,
         "document_hash": document_hash, "details": details},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def record(session: Session, actor: str, action: str, entity: str, entity_id: object,
           document_hash: str = "", **details: Any) -> AuditEntry:
    """Append one entry in the caller's transaction (so it exists exactly when the change
    does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    head = session.get(AuditHead, 1)
    prev_id, prev_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    at = utcnow()
    details = json.loads(json.dumps(details, default=str))
    entry = AuditEntry(
        id=prev_id + 1, at=at, actor=actor, action=action, entity=entity,
        entity_id=str(entity_id), document_hash=document_hash, details=details,
        prev_hash=prev_hash,
        entry_hash=_entry_hash(prev_hash, prev_id + 1, at, actor, action, entity,
                               str(entity_id), document_hash, details),
    )
    session.add(entry)
    if head is None:
        session.add(AuditHead(id=1, last_id=entry.id, last_hash=entry.entry_hash))
    else:
        head.last_id, head.last_hash = entry.id, entry.entry_hash
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditReport:
    entries: int
    problems: tuple[str, ...]

    @property
    def bottom_line(self) -> bool:
        return not self.problems


def verify(session: Session) -> AuditReport:
    """Walk the chain from the first entry; name every break found."""
    problems: list[str] = []
    expected_prev, expected_id, count = GENESIS, 1, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.id != expected_id:
            problems.append(f"entries {expected_id}..{entry.id - 1} are missing")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.id} does not follow the entry before it")
        recomputed = _entry_hash(entry.prev_hash, entry.id, entry.at, entry.actor, entry.action,
                                 entry.entity, entry.entity_id, entry.document_hash,
                                 entry.details)
        if recomputed != entry.entry_hash:
            problems.append(f"entry {entry.id} was changed after it was written")
        expected_prev, expected_id = entry.entry_hash, entry.id + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id, head.last_hash) != (expected_id - 1, expected_prev):
        problems.append(f"the log ends at entry {expected_id - 1} but entry {head.last_id} "
                        "was written: entries were removed from the end")
    if head is None and count:
        problems.append("the log's head record is missing")
    return AuditReport(count, tuple(problems))
