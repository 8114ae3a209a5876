"""Nhật ký thay đổi: an append-only, keyed hash chain of every change to the register.

Each entry's hash is HMAC-SHA256, under the hub's audit key, of the previous entry's hash and
the entry's canonical JSON, so changing an entry breaks its own hash and removing one breaks the
next entry's link; the ``audit_head`` row remembers the last entry so that cutting the tail is
seen too. The key comes from the environment or a file (``EDOCHUB_AUDIT_KEY[_FILE]``), never
from the database: whoever can write the database cannot recompute the chain.

Anchors: :func:`anchor` asks a time-stamping authority (RFC 3161) to time-stamp the head
(``sha256("edochub-audit\n<id>\n<hash>")``) and appends the token as an ``audit_anchor`` entry.
Even someone holding the key cannot rewrite what an anchor covers without the change being
seen: the TSA's signature binds the head's hash at that time. Run it periodically (``edochub
audit anchor``, e.g. hourly from a timer).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from documents.adapters.db import AUDIT_KEY_INFO
from documents.adapters.models import AuditEntry, AuditHead, utcnow
from documents.domain.errors import ConfigurationError

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 7_300_001  # advisory lock key: one appender at a time on PostgreSQL
KEY_INFO = AUDIT_KEY_INFO  # set on every session of a hub (Hub, db.session_factory)
ANCHOR = "audit_anchor"


def key_of(session: Session) -> bytes:
    key = session.info.get(KEY_INFO, "")
    if not key:
        raise ConfigurationError("the audit log's key is not set: give EDOCHUB_AUDIT_KEY or "
                                 "EDOCHUB_AUDIT_KEY_FILE")
    return key.encode()


def _entry_hash(key: bytes, prev_hash: str, entry_id: int, at: datetime, actor: str,
                action: str, entity: str, entity_id: str, document_hash: str,
                details: dict[str, Any]) -> str:
    body = json.dumps(
        {"id": entry_id, "at": at.isoformat(timespec="microseconds"), "actor": actor,
         "action": action, "entity": entity, "entity_id": entity_id,
         "document_hash": document_hash, "details": details},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hmac.new(key, f"{prev_hash}\n{body}".encode(), hashlib.sha256).hexdigest()


def record(session: Session, actor: str, action: str, entity: str, entity_id: object,
           document_hash: str = "", **details: Any) -> AuditEntry:
    """Append one entry in the caller's transaction (so it exists exactly when the change
    does)."""
    key = key_of(session)
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
        entry_hash=_entry_hash(key, prev_hash, prev_id + 1, at, actor, action, entity,
                               str(entity_id), document_hash, details),
    )
    session.add(entry)
    if head is None:
        session.add(AuditHead(id=1, last_id=entry.id, last_hash=entry.entry_hash))
    else:
        head.last_id, head.last_hash = entry.id, entry.entry_hash
    session.flush()
    return entry


def head_digest(entry_id: int, entry_hash: str) -> bytes:
    """What an anchor's time-stamp covers."""
    return hashlib.sha256(f"edochub-audit\n{entry_id}\n{entry_hash}".encode()).digest()


def anchor(sessions: sessionmaker[Session], timestamp: Callable[[bytes], bytes],
           tsa: str) -> AuditEntry | None:
    """Time-stamp the log's head (``timestamp``: digest → RFC 3161 token) and append the
    token; None when there is nothing new to anchor (an empty log, or the head is an anchor).
    The request to the TSA runs outside any transaction."""
    with sessions() as session:
        head = session.get(AuditHead, 1)
        last = None if head is None else session.get(AuditEntry, head.last_id)
        if head is None or last is None or last.action == ANCHOR:
            return None
        head_id, head_hash = head.last_id, head.last_hash
    token = timestamp(head_digest(head_id, head_hash))
    with sessions() as session, session.begin():
        return record(session, "system", ANCHOR, "audit", head_id, head_hash=head_hash,
                      tsa=tsa, token=base64.b64encode(token).decode("ascii"))


@dataclass(frozen=True)
class AuditReport:
    entries: int
    problems: tuple[str, ...]
    #: (entry anchored, time the TSA attests), oldest first
    anchors: tuple[tuple[int, datetime], ...] = ()

    @property
    def bottom_line(self) -> bool:
        return not self.problems


def verify(session: Session,
           check_timestamp: Callable[[bytes, bytes], datetime] | None = None) -> AuditReport:
    """Walk the chain from the first entry with the hub's key; name every break found. With
    ``check_timestamp`` (token, digest → attested time, raising when the token is not valid),
    every anchor is checked too: its token, and that the entry it covers still has the hash it
    had then."""
    key = key_of(session)
    problems: list[str] = []
    hashes: dict[int, str] = {}
    anchors: list[tuple[int, datetime]] = []
    expected_prev, expected_id, count = GENESIS, 1, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.id != expected_id:
            problems.append(f"entries {expected_id}..{entry.id - 1} are missing")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.id} does not follow the entry before it")
        recomputed = _entry_hash(key, entry.prev_hash, entry.id, entry.at, entry.actor,
                                 entry.action, entry.entity, entry.entity_id,
                                 entry.document_hash, entry.details)
        if not hmac.compare_digest(recomputed, entry.entry_hash):
            problems.append(f"entry {entry.id} was changed after it was written (or the "
                            "audit key is not this log's)")
        hashes[entry.id] = entry.entry_hash
        if entry.action == ANCHOR and check_timestamp is not None:
            problem, attested = _check_anchor(entry, hashes, check_timestamp)
            if problem or attested is None:
                problems.append(problem or f"anchor {entry.id} attests no time")
            else:
                anchors.append((int(entry.entity_id), attested))
        expected_prev, expected_id = entry.entry_hash, entry.id + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id, head.last_hash) != (expected_id - 1, expected_prev):
        problems.append(f"the log ends at entry {expected_id - 1} but entry {head.last_id} "
                        "was written: entries were removed from the end")
    if head is None and count:
        problems.append("the log's head record is missing")
    return AuditReport(count, tuple(problems), tuple(anchors))


def _check_anchor(entry: AuditEntry, hashes: dict[int, str],
                  check_timestamp: Callable[[bytes, bytes], datetime]
                  ) -> tuple[str | None, datetime | None]:
    try:
        covered = int(entry.entity_id)
        stamped_hash = str(entry.details["head_hash"])
        token = base64.b64decode(entry.details["token"], validate=True)
    except (KeyError, ValueError, TypeError):
        return f"anchor {entry.id} is unreadable", None
    try:
        attested = check_timestamp(token, head_digest(covered, stamped_hash))
    except Exception as exc:  # the checker's own error type: the anchor is not valid
        return f"anchor {entry.id}: {exc}", None
    if hashes.get(covered) != stamped_hash:
        return (f"entry {covered} is not the entry time-stamped by anchor {entry.id}: the log "
                "was rewritten up to it"), None
    return None, attested
