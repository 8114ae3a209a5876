"""Sổ đăng ký: the outgoing and incoming books and their numbers.

A number is taken by one ``UPDATE … SET last_number = last_number + 1 … RETURNING`` inside the
transaction that uses it: the row lock (PostgreSQL) or the write lock (SQLite) makes concurrent
takers wait, and a rolled-back transaction gives its number back, so there is no gap and no
duplicate.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from documents.adapters.models import Book

OUTGOING, INCOMING = "outgoing", "incoming"


def _ensure_book(session: Session, direction: str, year: int) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(Book).values(direction=direction, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["direction", "year"])
    )


def take_number(session: Session, direction: str, year: int) -> tuple[int, int]:
    """The next number of ``direction``'s book for ``year``, from 1 each year:
    ``(book id, number)``."""
    _ensure_book(session, direction, year)
    book_id, number = session.execute(
        update(Book)
        .where(Book.direction == direction, Book.year == year)
        .values(last_number=Book.last_number + 1)
        .returning(Book.id, Book.last_number)
    ).one()
    return book_id, number
