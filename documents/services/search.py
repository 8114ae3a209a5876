"""Tra cứu: find documents in both books by number/notation, subject (accent-insensitive),
sender, date range and status, newest first, a page at a time (keyset: ``before`` the last id
seen). On PostgreSQL the subject and sender searches use trigram indexes (migration 0010)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from decree30 import VIETNAM_TIME, numbering
from documents.adapters.models import IncomingDocument, OutgoingDocument
from documents.domain.errors import InvalidInput
from documents.domain.text import fold
from documents.services.directory import same_agency_codes


@dataclass(frozen=True)
class Query:
    direction: str = "incoming"  # incoming | outgoing
    number: str = ""  # "05/QĐ-UBND", "QĐ-UBND" or "05"
    subject: str = ""
    sender: str = ""  # agency code (its former or later codes too) or part of its name
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""
    limit: int = 100
    #: keyset pagination: only documents older than this id (the last id of the previous page),
    #: so a deep page costs what the first does
    before: int | None = None


#: a book's numbers restart each year: nine digits are more than any book reaches
MAX_NUMBER_DIGITS = 9


def _number(head: str, text: str) -> int:
    """``head`` as a book number: ASCII digits only (``²`` or ``٣`` are digits to Python, but
    no number a book holds), and not longer than any book's."""
    if not (head.isascii() and head.isdigit()) or len(head) > MAX_NUMBER_DIGITS:
        raise InvalidInput(f"{text!r} is not a number/notation such as 05/QĐ-UBND")
    return int(head)


def _split_number(text: str) -> tuple[int | None, str]:
    head, slash, tail = text.strip().partition("/")
    if not slash:  # a number alone, or a notation alone
        return (_number(head, text), "") if head.isdigit() else (None, head)
    return _number(head, text), tail


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(session: Session, query: Query) -> list[OutgoingDocument] | list[IncomingDocument]:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidInput("the date range ends before it starts")
    if query.direction == "outgoing":
        return list(session.scalars(_outgoing(query)))
    if query.direction == "incoming":
        return list(session.scalars(_incoming(session, query)))
    raise InvalidInput(f"direction must be incoming or outgoing, not {query.direction!r}")


def _outgoing(query: Query) -> Select:
    model = OutgoingDocument
    statement = select(model).order_by(model.id.desc()).limit(query.limit)
    if query.before is not None:
        statement = statement.where(model.id < query.before)
    if query.number:
        number, notation = _split_number(query.number)
        if number is not None:
            statement = statement.where(model.number == number)
        if notation:
            statement = statement.where(model.notation == notation)
    if query.subject:
        statement = statement.where(
            model.subject_folded.like(f"%{_escape(fold(query.subject))}%", escape="\\"))
    if query.date_from:
        statement = statement.where(model.issued_on >= query.date_from)
    if query.date_to:
        statement = statement.where(model.issued_on <= query.date_to)
    if query.status:
        statement = statement.where(model.state == query.status)
    return statement


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, VIETNAM_TIME)


def _incoming(session: Session, query: Query) -> Select:
    model = IncomingDocument
    statement = select(model).order_by(model.id.desc()).limit(query.limit)
    if query.before is not None:
        statement = statement.where(model.id < query.before)
    if query.number:
        number, notation = _split_number(query.number)
        if number is not None:
            # the sender writes "05"; an incoming number (số đến) is matched too
            written = numbering.format_number(number) if number >= 1 else str(number)
            statement = statement.where(
                (model.code_number == written) | (model.incoming_number == number))
        if notation:
            statement = statement.where(model.code_notation == notation)
    if query.subject:
        statement = statement.where(
            model.subject_folded.like(f"%{_escape(fold(query.subject))}%", escape="\\"))
    if query.sender:
        codes = same_agency_codes(session, query.sender.strip())
        statement = statement.where(
            model.sender_organ_id.in_(codes)
            | model.sender_name.ilike(f"%{_escape(query.sender)}%", escape="\\"))
    if query.date_from:
        statement = statement.where(model.received_at >= _day_start(query.date_from))
    if query.date_to:
        statement = statement.where(
            model.received_at < _day_start(query.date_to + timedelta(days=1)))
    if query.status:
        statement = statement.where(model.state == query.status)
    return statement
