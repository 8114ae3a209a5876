"""The rules of the reference axis, shared by its SOAP and national-protocol faces.

Every operation takes the authenticated caller's agency code: an agency sends only as itself,
lists and reads only the messages queued for it, and sees per-recipient states only of what it
sent. A message is committed (file fsynced, row committed) before ``send`` returns, and stays
queued for a recipient until that recipient acknowledges it ``done`` or ``fail``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from axis.edxml import Routing, peek_routing
from axis.errors import (
    AgencyExists,
    EdxmlError,
    InvalidRequest,
    MessageIdConflict,
    MessageNotFound,
    NotPermitted,
    ReplayedRequest,
    UnknownRecipient,
)
from axis.protocol.messages import (
    ACK_STATES,
    AgencyInfo,
    Received,
    RecipientState,
    Registered,
    SendReceipt,
    Sent,
)
from axis.server.models import Agency, Delivery, Message, SeenNonce
from axis.server.sealing import seal, unseal
from axis.server.store import MessageStore, Staged


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


#: an agency code (mã định danh, Decision 20/2020): four levels, e.g. 000.00.00.H41
AGENCY_CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}")
MAX_NAME = 300


def check_agency(code: str, name: str) -> None:
    """Refuse a code that is not of the form 000.00.00.H41, and an empty or overlong name."""
    if not AGENCY_CODE.fullmatch(code):
        raise InvalidRequest(f"agency code {code[:40]!r} is not of the form 000.00.00.H41")
    if not name.strip() or len(name) > MAX_NAME:
        raise InvalidRequest(f"an agency needs a name of 1 to {MAX_NAME} characters")


@dataclass(frozen=True)
class Settings:
    retention: timedelta = timedelta(days=30)
    nonce_window: timedelta = timedelta(minutes=5)
    #: agencies the operator lets register others over the protocols (``axis serve
    #: --registrar CODE``); otherwise only the operator's ``axis agency add`` registers
    registrars: frozenset[str] = frozenset()
    #: key-encryption key of the agency secrets at rest (axis.server.sealing); None: plain
    secrets_key: bytes | None = field(default=None, repr=False)


class AxisCore:
    def __init__(self, sessions: sessionmaker[Session], store: MessageStore,
                 settings: Settings | None = None) -> None:
        self.sessions, self.store = sessions, store
        self.settings = settings or Settings()

    # -- agencies -------------------------------------------------------------------------

    def secret_of(self, code: str) -> str | None:
        with self.sessions() as session:
            agency = session.get(Agency, code)
            return unseal(self.settings.secrets_key, code, agency.secret) if agency else None

    def add_agency(self, code: str, name: str, secret: str, parent: str | None = None) -> None:
        """Register an agency (the operator's ``agency add``); re-adding updates it."""
        if not code or not secret:
            raise InvalidRequest("an agency needs a code and a secret")
        check_agency(code, name)
        with self.sessions.begin() as session:
            if parent and session.get(Agency, parent) is None:
                raise UnknownRecipient(f"parent agency {parent} is not registered")
            agency = session.get(Agency, code) or Agency(code=code, created_at=_now())
            agency.name, agency.parent_code = name, parent
            agency.secret = seal(self.settings.secrets_key, code, secret)
            session.add(agency)

    def register_agency(self, caller: str, code: str, name: str) -> Registered:
        """A registrar the operator named registers a subordinate (đơn vị trực thuộc); the
        axis draws its secret, answered once."""
        if caller not in self.settings.registrars:
            raise NotPermitted(f"agency {caller} may not register agencies: the axis operator "
                               "registers them")
        check_agency(code, name)
        secret = secrets.token_urlsafe(32)
        try:
            with self.sessions.begin() as session:
                if session.get(Agency, code) is not None:
                    raise AgencyExists(f"agency {code} is already registered")
                session.add(Agency(code=code, name=name, parent_code=caller,
                                   secret=seal(self.settings.secrets_key, code, secret),
                                   created_at=_now()))
        except IntegrityError as exc:
            raise AgencyExists(f"agency {code} is already registered") from exc
        return Registered(AgencyInfo(code, name, caller), secret)

    def agencies(self) -> tuple[AgencyInfo, ...]:
        with self.sessions() as session:
            rows = session.scalars(select(Agency).order_by(Agency.code))
            return tuple(AgencyInfo(a.code, a.name, a.parent_code) for a in rows)

    def remember_nonce(self, caller: str, nonce: bytes, created: datetime) -> None:
        """Refuse a WS-Security request whose nonce (its decoded bytes: base64 has several
        spellings of the same bytes) the agency already used in the window."""
        key = hashlib.sha256(caller.encode() + b"\0" + nonce).hexdigest()
        with self.sessions.begin() as session:
            session.execute(delete(SeenNonce).where(
                SeenNonce.created < _now() - 2 * self.settings.nonce_window))
        try:
            with self.sessions.begin() as session:
                session.add(SeenNonce(nonce=key, agency=caller, created=created))
        except IntegrityError as exc:
            raise ReplayedRequest("replayed request: this WS-Security nonce was already used")\
                from exc

    # -- messages -------------------------------------------------------------------------

    def send(self, caller: str, staged: Staged, kind: str | None = None,
             recipients: tuple[str, ...] = (), message_id: str | None = None) -> SendReceipt:
        """Store ``staged`` for ``recipients`` (by default the envelope's ``To``, or for a
        status message its ``ResponseFor`` agency). The envelope's ``From`` must be the caller.
        A resend of the same (caller, message id) with the same bytes answers the first
        receipt and queues nothing new."""
        try:
            return self._send(caller, staged, kind, recipients, message_id or staged.sha256)
        finally:
            staged.discard()  # no-op once kept

    def _send(self, caller: str, staged: Staged, kind: str | None,
              recipients: tuple[str, ...], message_id: str) -> SendReceipt:
        staged.check_size()
        routing = _routing(staged)
        if routing.sender != caller:
            raise NotPermitted(f"agency {caller} may not send an envelope whose From is "
                               f"{routing.sender}")
        if kind not in (None, routing.kind):
            raise InvalidRequest(f"message declared {kind} but the envelope is a {routing.kind} "
                                 "message")
        recipients = tuple(dict.fromkeys(
            r.strip() for r in recipients or routing.recipients if r.strip()))
        if not recipients:
            raise InvalidRequest("a message needs at least one recipient")
        with self.sessions() as session:
            if (earlier := self._earlier(session, caller, message_id)) is not None:
                return self._receipt_for_duplicate(earlier, staged)
            known = set(session.scalars(select(Agency.code).where(Agency.code.in_(recipients))))
            if unknown := [r for r in recipients if r not in known]:
                raise UnknownRecipient(f"unknown recipient agency: {', '.join(unknown)}")
        doc_id = str(uuid.uuid4())
        self.store.keep(staged, doc_id)
        try:
            with self.sessions.begin() as session:
                session.add(Message(
                    doc_id=doc_id, sender=caller, sender_message_id=message_id,
                    kind=routing.kind, sha256=staged.sha256, size=staged.size,
                    created_at=_now(),
                    deliveries=[Delivery(recipient=r, state="pending") for r in recipients],
                ))
        except IntegrityError:
            self.store.remove(doc_id)  # a concurrent copy of the same send won the race
            with self.sessions() as session:
                earlier = self._earlier(session, caller, message_id)
                if earlier is None:
                    raise
                return self._receipt_for_duplicate(earlier, staged)
        except BaseException:
            self.store.remove(doc_id)
            raise
        return SendReceipt(doc_id, message_id, recipients)

    @staticmethod
    def _earlier(session: Session, caller: str, message_id: str) -> Message | None:
        return session.scalar(select(Message).where(
            Message.sender == caller, Message.sender_message_id == message_id))

    @staticmethod
    def _receipt_for_duplicate(earlier: Message, staged: Staged) -> SendReceipt:
        if earlier.sha256 != staged.sha256:
            raise MessageIdConflict(
                f"message id {earlier.sender_message_id} was already used for other content")
        recipients = tuple(d.recipient for d in earlier.deliveries)
        return SendReceipt(earlier.doc_id, earlier.sender_message_id, recipients, duplicate=True)

    def received(self, caller: str, kind: str | None = None) -> tuple[Received, ...]:
        """Messages queued for ``caller`` and not yet acknowledged, oldest first."""
        query = (select(Message).join(Delivery)
                 .where(Delivery.recipient == caller, Delivery.state == "pending")
                 .order_by(Message.created_at, Message.doc_id))
        if kind:
            query = query.where(Message.kind == kind)
        with self.sessions() as session:
            return tuple(Received(m.doc_id, m.sender, m.kind, m.size, m.sha256,
                                  _iso(m.created_at)) for m in session.scalars(query))

    def open(self, caller: str, doc_id: str) -> tuple[Received, Path]:
        """The message ``doc_id`` and its file, if it was addressed to ``caller``."""
        with self.sessions() as session:
            self._delivery(session, caller, doc_id)
            m = session.get(Message, doc_id)
            info = Received(m.doc_id, m.sender, m.kind, m.size, m.sha256, _iso(m.created_at))
        return info, self.store.path(doc_id)

    def acknowledge(self, caller: str, doc_id: str, state: str) -> None:
        if state not in ACK_STATES:
            raise InvalidRequest(f"acknowledgement must be done or fail, not {state!r}")
        with self.sessions.begin() as session:
            delivery = self._delivery(session, caller, doc_id)
            if delivery.state == "pending":
                delivery.state, delivery.acknowledged_at = state, _now()
            elif delivery.state != state:
                raise InvalidRequest(f"message {doc_id} was already acknowledged "
                                     f"{delivery.state}")

    @staticmethod
    def _delivery(session: Session, caller: str, doc_id: str) -> Delivery:
        delivery = session.get(Delivery, (doc_id, caller))
        if delivery is None:
            # Same answer whether it does not exist or belongs to someone else: no leak.
            raise MessageNotFound(f"no message {doc_id} addressed to {caller}")
        return delivery

    def sent(self, caller: str) -> tuple[Sent, ...]:
        query = select(Message).where(Message.sender == caller).order_by(Message.created_at)
        with self.sessions() as session:
            return tuple(
                Sent(m.doc_id, m.sender_message_id, m.kind, _iso(m.created_at),
                     tuple(RecipientState(d.recipient, d.state) for d in m.deliveries))
                for m in session.scalars(query)
            )

    def check_sender(self, caller: str, claimed: str | None) -> None:
        """A sender named by the protocol (``from`` header or field) must be the caller."""
        if claimed and claimed != caller:
            raise NotPermitted(f"agency {caller} may not send as {claimed}")

    def purge(self) -> int:
        """Forget messages every recipient acknowledged longer ago than the retention time."""
        cutoff = _now() - self.settings.retention
        still_needed = select(Delivery.doc_id).where(
            (Delivery.state == "pending") | (Delivery.acknowledged_at > cutoff))
        with self.sessions.begin() as session:
            done = list(session.scalars(
                select(Message).where(Message.doc_id.not_in(still_needed))))
            for message in done:
                session.delete(message)
        for message in done:
            self.store.remove(message.doc_id)
        return len(done)


def _routing(staged: Staged) -> Routing:
    """Kind, sender and recipients from the envelope's header (the attachments are not read)."""
    try:
        return peek_routing(staged.path)
    except EdxmlError as exc:
        raise InvalidRequest(f"not a usable edXML envelope: {exc}") from exc
