"""Tables of the register (SQLAlchemy 2). Schema changes go through Alembic
(``documents/migrations``); never ``create_all`` outside a migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on both databases (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the register")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    position: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: carried in every token issued; raised by a password reset or a deactivation, so that
    #: tokens and page sessions issued before stop working at once, not when they expire
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Book(Base):
    """Sổ đăng ký: one outgoing and one incoming book per year; ``last_number`` is the
    counter the numbering takes from under a row lock."""

    __tablename__ = "books"
    __table_args__ = (UniqueConstraint("direction", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Attachment(Base):
    """A file of a document; ``is_main`` marks the document itself, others are attachments."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_documents.id"))
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"))
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    blob_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class OutgoingDocument(Base):
    """Văn bản đi: a row of the outgoing book once issued."""

    __tablename__ = "outgoing_documents"
    __table_args__ = (UniqueConstraint("book_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    doc_type: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(Text)
    subject_folded: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(50), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_position: Mapped[str] = mapped_column(String(200), default="")
    competence: Mapped[str] = mapped_column(String(50), default="")
    book_id: Mapped[int | None] = mapped_column(ForeignKey("books.id"))
    number: Mapped[int | None] = mapped_column(Integer)
    notation: Mapped[str | None] = mapped_column(String(100), index=True)
    issued_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: the edXML DocumentId (OrganId,yyyy/MM/dd,Number/Notation) status messages answer to
    document_id: Mapped[str | None] = mapped_column(String(150), unique=True)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    file_keeper: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_documents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    recipients: Mapped[list[OutgoingRecipient]] = relationship(
        back_populates="document", order_by="OutgoingRecipient.id"
    )
    files: Mapped[list[Attachment]] = relationship(
        primaryjoin="Attachment.outgoing_id == OutgoingDocument.id", order_by="Attachment.id"
    )


class OutgoingRecipient(Base):
    """Nơi nhận and the last status it reported (01..06, 13, 15, 16)."""

    __tablename__ = "outgoing_recipients"
    __table_args__ = (UniqueConstraint("document_id", "organ_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"))
    organ_id: Mapped[str] = mapped_column(String(50))
    organ_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str | None] = mapped_column(String(4))
    status_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    document: Mapped[OutgoingDocument] = relationship(back_populates="recipients")


class IncomingDocument(Base):
    """Văn bản đến: stored on arrival, a row of the incoming book once registered."""

    __tablename__ = "incoming_documents"
    __table_args__ = (
        UniqueConstraint("sender_organ_id", "message_id"),
        UniqueConstraint("book_id", "incoming_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    sender_organ_id: Mapped[str] = mapped_column(String(50), index=True)
    sender_name: Mapped[str] = mapped_column(String(255), default="")
    message_id: Mapped[str] = mapped_column(String(100))
    code_number: Mapped[str] = mapped_column(String(20), default="")
    code_notation: Mapped[str] = mapped_column(String(100), default="", index=True)
    promulgated_on: Mapped[date | None] = mapped_column(Date)
    doc_type: Mapped[str] = mapped_column(String(50), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    subject_folded: Mapped[str] = mapped_column(Text, default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    envelope_hash: Mapped[str] = mapped_column(String(64))
    signatures_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    sender_matches: Mapped[bool] = mapped_column(Boolean, default=False)
    verification: Mapped[dict[str, Any]] = mapped_column(default=dict)
    book_id: Mapped[int | None] = mapped_column(ForeignKey("books.id"))
    incoming_number: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    registered_at: Mapped[datetime | None] = mapped_column()
    receiving_unit: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[str] = mapped_column(Text, default="")
    main_handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    co_handlers: Mapped[list[Any]] = mapped_column(default=list)
    for_information: Mapped[list[Any]] = mapped_column(default=list)
    due_date: Mapped[date | None] = mapped_column(Date)
    #: a recall/update/replace the sender asked for, waiting for the clerk's answer (15/16)
    pending_change: Mapped[dict[str, Any] | None] = mapped_column()

    files: Mapped[list[Attachment]] = relationship(
        primaryjoin="Attachment.incoming_id == IncomingDocument.id", order_by="Attachment.id"
    )


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change it reports; the
    worker keeps ``message_id`` across every retry."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # edoc | status
    to_organ_id: Mapped[str] = mapped_column(String(50))
    payload_hash: Mapped[str] = mapped_column(String(64))
    #: a status report's bytes, kept in the row itself (a few hundred bytes: made durable with
    #: the row's commit, rather than as a file, its folder and a new folder's parent besides);
    #: None: the payload is the file store's ``payload_hash``
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_recipients.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class InboxMessage(Base):
    """An envelope taken from the axis, stored before it is acknowledged there; the unique
    (sender, message id) pair is the de-duplication."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("sender", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(50))
    message_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    blob_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="stored", index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Nhật ký: append-only; each entry's hash covers its content and the previous hash."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(64))
    document_hash: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The latest entry's id and hash, updated with every append, so that cutting entries off
    the end of the log is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class PendingTokenSignature(Base):
    """Ký số tách rời đang chờ: a split-signing request waiting for the leader's token. The
    prepared PDF is in the file store; the row binds it to the leader, the document and the
    file it was prepared from, and expires."""

    __tablename__ = "pending_token_signatures"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"))
    source_hash: Mapped[str] = mapped_column(String(64))
    prepared_hash: Mapped[str] = mapped_column(String(64))
    request_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class DirectoryAgency(Base):
    """This hub's copy of the axis's agency directory, kept by incremental sync: a former
    agency keeps its row with the ``successor_code`` it merged into or was renamed to, so
    documents from or to it are still found under either code."""

    __tablename__ = "directory_agencies"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    parent_code: Mapped[str | None] = mapped_column(String(50))
    successor_code: Mapped[str | None] = mapped_column(String(50), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, index=True)


class RevokedToken(Base):
    """A session or bearer token ended by logging out before it expired: refused from then on.
    Kept until the token would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
