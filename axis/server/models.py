"""Tables of the reference axis (schema changes go through Alembic, see ``migrations/``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Agency(Base):
    """An agency (cơ quan) registered on the axis; ``secret`` keys its HMAC and WS-Security
    digest, so it is kept in a form the server can use (guard the database accordingly)."""

    __tablename__ = "axis_agency"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Message(Base):
    """One stored envelope. ``sender_message_id`` is the sender's id, kept across its retries:
    (sender, sender_message_id) is unique, which is what makes a resend land once."""

    __tablename__ = "axis_message"
    __table_args__ = (UniqueConstraint("sender", "sender_message_id"),)

    doc_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sender: Mapped[str] = mapped_column(ForeignKey("axis_agency.code"))
    sender_message_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Delivery.recipient"
    )


class Delivery(Base):
    """The queue entry of one message for one recipient: ``pending`` until the recipient
    acknowledges it ``done`` or ``fail``."""

    __tablename__ = "axis_delivery"

    doc_id: Mapped[str] = mapped_column(
        ForeignKey("axis_message.doc_id", ondelete="CASCADE"), primary_key=True
    )
    recipient: Mapped[str] = mapped_column(ForeignKey("axis_agency.code"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[Message] = relationship(back_populates="deliveries")


class SeenNonce(Base):
    """WS-Security nonces seen within the freshness window: a second use is a replay."""

    __tablename__ = "axis_seen_nonce"

    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
