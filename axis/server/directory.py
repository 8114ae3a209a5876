"""The axis's agency directory with history (DOMAIN.md §4, the 2025 reorganisation).

An entry has a code (QCVN 102 Amendment 1:2022 / Decision 20/2020: four levels such as
``000.00.00.H41``, ``G`` central bodies, ``H`` provinces), a name, a parent, validity dates and
either nothing more (current), a ``successor`` (renamed or merged into it: messages to the old
code go there) or ``deleted``. Nothing is ever removed, and every change takes the next
directory version, so ``getSynchronizeUnit`` can answer exactly what changed since a version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from axis.errors import InvalidRequest, UnknownRecipient
from axis.protocol.messages import AgencyInfo
from axis.server.models import Agency, DirectoryCounter

#: Four levels: 3 digits, 2, 2, then a letter and two digits (G.. central, H.. provinces...).
CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
MAX_CHAIN = 16


def check_code(code: str, what: str = "agency code") -> str:
    """``code`` stripped, or a one-line refusal naming it."""
    code = (code or "").strip()
    if not CODE.match(code):
        raise InvalidRequest(f"{what} {code!r} is not a four-level QCVN 102 code like "
                             "000.00.00.H41 (G.. central bodies, H.. provinces)")
    return code


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Entry:
    """One directory record to store (from the operator, a file or a registering agency)."""

    code: str
    name: str
    parent: str | None = None
    mail: str | None = None
    code102: str | None = None
    center_code: str | None = None
    is_agency: bool = True
    old_codes: tuple[str, ...] = ()
    successor: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    deleted: bool = False


def next_version(session: Session) -> int:
    """Take the next directory version (the counter row stays locked until commit)."""
    session.execute(update(DirectoryCounter).where(DirectoryCounter.id == 1)
                    .values(value=DirectoryCounter.value + 1))
    return session.execute(select(DirectoryCounter.value).where(
        DirectoryCounter.id == 1)).scalar_one()


def _new_unit_id(session: Session) -> int:
    return (session.scalar(select(func.max(Agency.unit_id))) or 0) + 1


def touch(agency: Agency, version: int) -> None:
    agency.version, agency.modified_at = version, now()


def stored(session: Session, entry: Entry, version: int, *,
           secret: str | None = None, operator: bool | None = None) -> Agency:
    """Insert or update ``entry`` at ``version``; its former codes become entries pointing to
    it. The caller checked the parent exists."""
    agency = session.get(Agency, entry.code)
    if agency is None:
        agency = Agency(code=entry.code, unit_id=_new_unit_id(session), created_at=now(),
                        operator=False, is_agency=True, deleted=False)
        session.add(agency)
    agency.name, agency.parent_code = entry.name, entry.parent
    agency.mail, agency.code102, agency.center_code = entry.mail, entry.code102, entry.center_code
    agency.is_agency, agency.deleted = entry.is_agency, entry.deleted
    agency.successor_code = entry.successor
    agency.valid_from, agency.valid_to = entry.valid_from, entry.valid_to
    if secret is not None:
        agency.secret = secret
    if operator is not None:
        agency.operator = operator
    touch(agency, version)
    session.flush()
    for old in entry.old_codes:
        if old == entry.code:
            continue
        former = session.get(Agency, old)
        if former is None:
            former = Agency(code=old, unit_id=_new_unit_id(session), name=entry.name,
                            parent_code=entry.parent, created_at=now(), operator=False,
                            is_agency=entry.is_agency, deleted=False)
            session.add(former)
        if former.successor_code != entry.code or former.valid_to is None:
            former.successor_code = entry.code
            former.valid_to = former.valid_to or entry.valid_from
            touch(former, version)
        session.flush()
    return agency


def current(agency: Agency | None) -> bool:
    return agency is not None and not agency.deleted and agency.successor_code is None


def resolve(session: Session, codes: Iterable[str]) -> list[tuple[str, str]]:
    """``(current code, code as addressed)`` for each code, following renamings and mergers;
    refuses naming every code that leads to no current agency."""
    resolved, unknown = [], []
    for code in codes:
        target, seen = session.get(Agency, code), [code]
        while target is not None and target.successor_code and len(seen) < MAX_CHAIN:
            seen.append(target.successor_code)
            target = session.get(Agency, target.successor_code)
        if target is None or not current(target):
            unknown.append(code if len(seen) == 1 else f"{code} (now {seen[-1]}, not current)")
        else:
            resolved.append((target.code, code))
    if unknown:
        raise UnknownRecipient(f"unknown recipient agency: {', '.join(unknown)}")
    return resolved


def info(agency: Agency, by_code: Mapping[str, Agency],
         predecessors: Mapping[str, list[str]]) -> AgencyInfo:
    parent = by_code.get(agency.parent_code or "")
    return AgencyInfo(
        code=agency.code, name=agency.name, parent=agency.parent_code,
        id=str(agency.unit_id), parent_id=str(parent.unit_id) if parent else "",
        mail=agency.mail or "", code102=agency.code102 or agency.code,
        center_code=agency.center_code or "", is_agency=agency.is_agency,
        old_codes=tuple(sorted(predecessors.get(agency.code, ()))),
        successor=agency.successor_code,
        valid_from=agency.valid_from.isoformat() if agency.valid_from else None,
        valid_to=agency.valid_to.isoformat() if agency.valid_to else None,
        deleted=agency.deleted, version=agency.version, modified=iso(agency.modified_at))


def describe(session: Session, code: str) -> AgencyInfo:
    """The directory entry ``code`` (which exists), as listed."""
    agency = session.get_one(Agency, code)
    related = [a for a in (session.get(Agency, agency.parent_code or ""),) if a is not None]
    predecessors = list(session.scalars(select(Agency.code).where(
        Agency.successor_code == code)))
    return info(agency, {a.code: a for a in related}, {code: predecessors})


def listing(session: Session, since: int | None = None) -> tuple[AgencyInfo, ...]:
    """Current agencies (``since`` None), or every entry changed after version ``since``."""
    everyone = list(session.scalars(select(Agency).order_by(Agency.code)))
    by_code = {a.code: a for a in everyone}
    predecessors: dict[str, list[str]] = {}
    for agency in everyone:
        if agency.successor_code:
            predecessors.setdefault(agency.successor_code, []).append(agency.code)
    if since is None:
        chosen = [a for a in everyone if current(a)]
    else:
        chosen = sorted((a for a in everyone if a.version > since), key=lambda a: a.version)
    return tuple(info(a, by_code, predecessors) for a in chosen)


def check_parent(session: Session, parent: str | None) -> None:
    if parent and not current(session.get(Agency, parent)):
        raise UnknownRecipient(f"parent agency {parent} is not a current agency")


def import_entries(session: Session, entries: list[Entry]) -> int:
    """Store ``entries`` in one transaction at one new version (parents first, whatever the
    file's order); returns that version."""
    codes = {e.code for e in entries}
    for entry in entries:
        for other in (entry.parent, entry.successor):
            if other and other not in codes and session.get(Agency, other) is None:
                raise InvalidRequest(f"{entry.code} refers to {other}, which is neither in "
                                     "the file nor in the directory")
    version = next_version(session)
    pending, done = list(entries), set()
    while pending:
        ready = [e for e in pending if not e.parent or e.parent in done or e.parent not in codes]
        if not ready:
            raise InvalidRequest("the parents in the file form a cycle: "
                                 + ", ".join(e.code for e in pending))
        for entry in ready:
            stored(session, entry, version)
            done.add(entry.code)
        pending = [e for e in pending if e.code not in done]
    return version
