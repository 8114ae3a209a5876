"""Request and answer bodies: separate create, update and public shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from decree30 import DOCUMENT_TYPES
from documents.domain.workflow import Role

ORGAN_ID = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=8, max_length=200)
    position: str = ""


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    role: str
    position: str
    active: bool


class RoleChange(BaseModel):
    role: Role


class PasswordReset(BaseModel):
    password: str = Field(min_length=8, max_length=200)


class RecipientIn(BaseModel):
    organ_id: str = Field(pattern=ORGAN_ID, examples=["000.00.00.G09"])
    name: str = ""


class DraftCreate(BaseModel):
    """The metadata part of a new draft (the PDF and attachments travel as files)."""

    doc_type: str = Field(examples=["Quyết định", "Công văn"])
    subject: str = Field(min_length=1, max_length=2000)
    recipients: list[RecipientIn] = Field(min_length=1)
    unit: str = ""
    signer_position: str = ""
    competence: str = ""
    copies: int = Field(default=1, ge=1, le=1000)
    file_keeper: str = ""
    notes: str = ""

    @field_validator("doc_type")
    @classmethod
    def known_type(cls, value: str) -> str:
        if value not in DOCUMENT_TYPES:
            raise ValueError(f"unknown document type; expected one of {', '.join(DOCUMENT_TYPES)}")
        return value


class FilePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    content_type: str
    size: int
    is_main: bool
    blob_hash: str


class RecipientPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organ_id: str
    organ_name: str
    status: str | None
    status_note: str


class OutgoingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    state: str
    doc_type: str
    subject: str
    unit: str
    number: int | None
    notation: str | None
    issued_on: date | None
    document_id: str | None
    signer_name: str
    signer_position: str
    copies: int
    file_keeper: str
    notes: str
    recipients: list[RecipientPublic]
    files: list[FilePublic]


class SendBack(BaseModel):
    reason: str = Field(min_length=1)


class TokenSignPrepare(BaseModel):
    """The leader's token certificate and its issuers, base64 DER (as the sign-agent's
    ``/certificate`` reports them)."""

    certificate: str = Field(min_length=1)
    chain: list[str] = []


class TokenSignRequest(BaseModel):
    """What the token signs: ``request`` is the signing request (JSON) that ``edochub sign
    --complete`` or the sign-agent takes; answer it with ``pending`` before ``expires_at``."""

    pending: str
    request: str
    expires_at: datetime


class TokenSignComplete(BaseModel):
    """The token's answer: the CMS signature (DER), base64."""

    pending: str = Field(min_length=1)
    signature: str = Field(min_length=1)


class RemoteSign(BaseModel):
    """Remote signing (ký số từ xa): the PIN and/or one-time code of the leader's
    remote-signing account; both empty for a service that asks on the leader's phone. Used
    for this one signature only, never stored."""

    pin: str = Field(default="", repr=False)
    otp: str = Field(default="", repr=False)


class ChangeAfterSending(BaseModel):
    """Recall, update (new subject) or replace (by an issued document)."""

    action: str = Field(pattern="^(recall|update|replace)$")
    reason: str = Field(min_length=1)
    subject: str | None = None
    replacement_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class IncomingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    state: str
    sender_organ_id: str
    sender_name: str
    message_id: str
    code_number: str
    code_notation: str
    promulgated_on: date | None
    doc_type: str
    subject: str
    signer_name: str
    signatures_valid: bool
    sender_matches: bool
    verification: dict[str, Any]
    incoming_number: int | None
    received_at: datetime
    registered_at: datetime | None
    receiving_unit: str
    notes: str
    reject_reason: str
    direction: str
    main_handler_id: int | None
    co_handlers: list[str]
    for_information: list[str]
    due_date: date | None
    pending_change: dict[str, Any] | None
    files: list[FilePublic]
    overdue: bool = False


class RegisterIncoming(BaseModel):
    receiving_unit: str = Field(min_length=1)
    notes: str = ""
    #: needed to register a flagged document (bad signature or a seal not the sender's)
    override_reason: str = ""


class RejectIncoming(BaseModel):
    reason: str = Field(min_length=1)


class AssignIncoming(BaseModel):
    main_handler: str = Field(min_length=1)
    co_handlers: list[str] = []
    for_information: list[str] = []
    due_date: date | None = None
    direction: str = ""


class ProgressUpdate(BaseModel):
    note: str = ""


class ChangeAnswer(BaseModel):
    agree: bool
    reason: str = ""


class AuditPublic(BaseModel):
    entries: int
    intact: bool
    problems: list[str]


class ExchangeRound(BaseModel):
    sent: int
    retrying: int
    failed: int
    received_documents: int
    verified: int
    statuses: int
