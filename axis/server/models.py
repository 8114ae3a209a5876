"""Tables of the reference axis (schema changes go through Alembic, see ``migrations/``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Agency(Base):
    """An agency (cơ quan) of the axis's directory. One with a ``secret`` may call the axis (the
    secret keys its HMAC and WS-Security digest, so it is kept in a form the server can use:
    guard the database accordingly); a directory entry without one is only an address.

    History (the 2025 reorganisation): an agency that merged into or was renamed to another
    keeps its row with ``successor_code`` and ``valid_to``; messages addressed to it go to the
    successor. ``deleted`` rows stay too, so an incremental sync can tell hubs. Every change
    takes the next directory ``version`` (see :class:`DirectoryCounter`)."""

    __tablename__ = "axis_agency"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(String(64))
    secret: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    mail: Mapped[str | None] = mapped_column(Text)
    code102: Mapped[str | None] = mapped_column(String(64))
    center_code: Mapped[str | None] = mapped_column(String(64))
    is_agency: Mapped[bool] = mapped_column(Boolean, default=True)
    operator: Mapped[bool] = mapped_column(Boolean, default=False)
    successor_code: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectoryCounter(Base):
    """One row: the directory's last version. Taking the next one updates this row, which
    serialises directory writers, so versions are committed in the order they are drawn."""

    __tablename__ = "axis_directory_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Message(Base):
    """One stored envelope. ``sender_message_id`` is the sender's id, kept across its retries:
    (sender, sender_message_id) is unique, which is what makes a resend land once."""

    __tablename__ = "axis_message"
    __table_args__ = (UniqueConstraint("sender", "sender_message_id"),)

    doc_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sender: Mapped[str] = mapped_column(ForeignKey("axis_agency.code"))
    sender_message_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(Text)
    notation: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Delivery.recipient"
    )


class Delivery(Base):
    """The queue entry of one message for one recipient: ``pending`` until the recipient
    acknowledges it ``done`` or ``fail``. ``recipient`` is always a current code."""

    __tablename__ = "axis_delivery"

    doc_id: Mapped[str] = mapped_column(
        ForeignKey("axis_message.doc_id", ondelete="CASCADE"), primary_key=True
    )
    recipient: Mapped[str] = mapped_column(ForeignKey("axis_agency.code"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    #: The former code the sender used when the axis routed this copy to its successor.
    addressed_as: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[Message] = relationship(back_populates="deliveries")


class SeenNonce(Base):
    """WS-Security nonces seen within the freshness window: a second use is a replay."""

    __tablename__ = "axis_seen_nonce"

    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
