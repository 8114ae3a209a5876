"""The rules of the reference axis, shared by its SOAP and national-protocol faces.

Every operation takes the authenticated caller's agency code: an agency sends only as itself,
lists and reads only the messages queued for it, and sees per-recipient states only of what it
sent. A message is committed (envelope stored, row committed) before ``send`` returns, and stays
queued for a recipient until that recipient acknowledges it ``done`` or ``fail``.

Several servers may run on one database and one object store: everything they must agree on is
in the database (de-duplication by a unique (sender, message id), nonces by a unique key,
acknowledgements under a row lock, purges claiming rows with ``FOR UPDATE SKIP LOCKED``), and no
server deletes what another may be writing (staging files and stored envelopes without a row
are removed only once older than ``Settings.upload_lease``).
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
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
from axis.server import directory
from axis.server.models import Agency, Delivery, Message, SeenNonce
from axis.server.sealing import seal, unseal
from axis.server.store import EnvelopeStore, Staged, StoredEnvelope

_now, _iso = directory.now, directory.iso


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidRequest(f"{what} {value!r} is not a number") from None


def _former(target: str, addressed: list[str]) -> str | None:
    """The former codes a copy for ``target`` was addressed to (None when addressed as is)."""
    former = [code for code in addressed if code != target]
    return ",".join(former) if former and target not in addressed else None


def _received(message: Message, delivery: Delivery) -> Received:
    return Received(message.doc_id, message.sender, message.kind, message.size, message.sha256,
                    _iso(message.created_at), delivery.recipient, delivery.addressed_as,
                    delivery.state, _iso(delivery.acknowledged_at or message.created_at))


@dataclass(frozen=True)
class Settings:
    retention: timedelta = timedelta(days=30)
    nonce_window: timedelta = timedelta(minutes=5)
    #: key-encryption key of the agency secrets at rest (axis.server.sealing); None: plain
    secrets_key: bytes | None = field(default=None, repr=False)
    #: How long a staging file may go unwritten, or a stored envelope stay without its row,
    #: before a purge takes it for a crash's leftover.
    upload_lease: timedelta = timedelta(hours=1)


class AxisCore:
    def __init__(self, sessions: sessionmaker[Session], store: EnvelopeStore,
                 settings: Settings | None = None) -> None:
        self.sessions, self.store = sessions, store
        self.settings = settings or Settings()

    # -- agencies -------------------------------------------------------------------------

    def secret_of(self, code: str) -> str | None:
        """The secret of a current agency (a merged, renamed or deleted one may not call)."""
        with self.sessions() as session:
            agency = session.get(Agency, code)
            if not directory.current(agency) or agency.secret is None:
                return None
            return unseal(self.settings.secrets_key, code, agency.secret)

    def add_agency(self, code: str, name: str, secret: str, parent: str | None = None, *,
                   operator: bool = False, mail: str | None = None) -> None:
        """Register an agency (the operator's ``agency add``); re-adding updates it."""
        if not code or not secret:
            raise InvalidRequest("an agency needs a code and a secret")
        code = directory.check_code(code)
        with self.sessions.begin() as session:
            directory.check_parent(session, parent)
            version = directory.next_version(session)
            existing = session.get(Agency, code)
            if existing is None:
                directory.stored(session, directory.Entry(code, name, parent, mail), version,
                                 secret=seal(self.settings.secrets_key, code, secret),
                                 operator=operator)
                return
            # An imported directory entry keeps its history; it gains credentials.
            existing.name, existing.parent_code = name, parent
            existing.secret = seal(self.settings.secrets_key, code, secret)
            existing.operator = operator
            existing.mail = existing.mail if mail is None else mail
            directory.touch(existing, version)

    def register_agency(self, caller: str, code: str, name: str, mail: str | None = None,
                        parent_id: str = "", parent_code: str = "") -> Registered:
        """An operator (an agency the axis operator registered with ``--operator``: the admin
        credential) registers an agency under itself or under any agency named by
        ``parent_id`` or ``parent_code``; the axis draws its secret, answered once. Other
        agencies may not register agencies at all."""
        if not code.strip() or not name.strip():
            raise InvalidRequest("registerAgency needs a code and a name")
        code = directory.check_code(code)
        secret = secrets.token_urlsafe(32)
        try:
            with self.sessions.begin() as session:
                me = session.get(Agency, caller)
                if me is None or not me.operator:
                    raise NotPermitted(f"agency {caller} may not register agencies: only the "
                                       "axis operator does")
                parent = self._parent(session, me, parent_id.strip(), parent_code.strip())
                if session.get(Agency, code) is not None:
                    raise AgencyExists(f"agency {code} is already registered")
                directory.stored(session, directory.Entry(code, name.strip(), parent, mail),
                                 directory.next_version(session),
                                 secret=seal(self.settings.secrets_key, code, secret))
                registered = directory.describe(session, code)
        except IntegrityError as exc:
            raise AgencyExists(f"agency {code} is already registered") from exc
        return Registered(registered, secret)

    @staticmethod
    def _parent(session: Session, me: Agency, parent_id: str, parent_code: str) -> str:
        if parent_code and parent_code != me.code:
            other = session.get(Agency, parent_code)
        elif parent_id and parent_id != str(me.unit_id):
            other = session.scalar(select(Agency).where(
                Agency.unit_id == _int(parent_id, "pid")))
        else:
            return me.code
        if not me.operator:
            raise NotPermitted(f"agency {me.code} may register agencies only under itself")
        if not directory.current(other):
            raise UnknownRecipient(f"parent agency {parent_code or 'id ' + parent_id} is not "
                                   "a current agency")
        return other.code

    def agencies(self) -> tuple[AgencyInfo, ...]:
        """The current agencies (not merged, renamed or deleted), with their former codes."""
        with self.sessions() as session:
            return directory.listing(session)

    def changes_since(self, version: int) -> tuple[AgencyInfo, ...]:
        """Every directory entry changed after ``version``, deleted and former ones included,
        in version order (``getSynchronizeUnit``)."""
        with self.sessions() as session:
            return directory.listing(session, since=version)

    def delete_agency(self, caller: str, code: str) -> None:
        """An operator withdraws an agency from the directory (kept, marked deleted)."""
        with self.sessions.begin() as session:
            me = session.get(Agency, caller)
            if me is None or not me.operator:
                raise NotPermitted(f"agency {caller} is not an operator of this axis")
            agency = session.get(Agency, directory.check_code(code))
            if agency is None or agency.deleted:
                raise UnknownRecipient(f"agency {code} is not in the directory")
            if code == caller:
                raise InvalidRequest("an operator cannot delete its own agency")
            agency.deleted = True
            agency.valid_to = agency.valid_to or _now().date()
            directory.touch(agency, directory.next_version(session))

    def import_directory(self, entries: list[directory.Entry]) -> int:
        """Store directory entries (from a file or another axis) in one transaction; returns
        the directory version they took."""
        with self.sessions.begin() as session:
            return directory.import_entries(session, entries)

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
            routes: dict[str, list[str]] = {}
            for target, addressed in directory.resolve(session, recipients):
                routes.setdefault(target, []).append(addressed)
        doc_id = str(uuid.uuid4())
        self.store.keep(staged, doc_id)
        try:
            with self.sessions.begin() as session:
                session.add(Message(
                    doc_id=doc_id, sender=caller, sender_message_id=message_id,
                    kind=routing.kind, subject=routing.subject, notation=routing.notation,
                    sha256=staged.sha256, size=staged.size, created_at=_now(),
                    deliveries=[Delivery(recipient=target, state="pending",
                                         addressed_as=_former(target, addressed))
                                for target, addressed in routes.items()],
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
        return SendReceipt(doc_id, message_id, tuple(routes))

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

    def received(self, caller: str, kind: str | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> tuple[Received, ...]:
        """Messages queued for ``caller`` and not yet acknowledged, oldest first (optionally
        only those stored within [``since``, ``until``))."""
        query = (select(Message, Delivery).join(Delivery)
                 .where(Delivery.recipient == caller, Delivery.state == "pending")
                 .order_by(Message.created_at, Message.doc_id))
        if kind:
            query = query.where(Message.kind == kind)
        if since is not None:
            query = query.where(Message.created_at >= since)
        if until is not None:
            query = query.where(Message.created_at < until)
        with self.sessions() as session:
            return tuple(_received(m, d) for m, d in session.execute(query))

    def count_received(self, caller: str, kind: str | None = None) -> int:
        query = (select(func.count()).select_from(Delivery).join(Message)
                 .where(Delivery.recipient == caller, Delivery.state == "pending"))
        if kind:
            query = query.where(Message.kind == kind)
        with self.sessions() as session:
            return session.scalar(query) or 0

    def open(self, caller: str, doc_id: str) -> tuple[Received, StoredEnvelope]:
        """The message ``doc_id`` and its envelope, if it was addressed to ``caller``."""
        with self.sessions() as session:
            delivery = self._delivery(session, caller, doc_id)
            message = session.get(Message, doc_id)
            if message is None:  # a delivery always has its message (foreign key)
                raise MessageNotFound(f"no message {doc_id} addressed to {caller}")
            info = _received(message, delivery)
        return info, StoredEnvelope(self.store, doc_id)

    def acknowledge(self, caller: str, doc_id: str, state: str) -> None:
        if state not in ACK_STATES:
            raise InvalidRequest(f"acknowledgement must be done or fail, not {state!r}")
        with self.sessions.begin() as session:
            # Locked: of two servers acknowledging at once, the second sees the first's state.
            delivery = self._delivery(session, caller, doc_id, lock=True)
            if delivery.state == "pending":
                delivery.state, delivery.acknowledged_at = state, _now()
            elif delivery.state != state:
                raise InvalidRequest(f"message {doc_id} was already acknowledged "
                                     f"{delivery.state}")

    @staticmethod
    def _delivery(session: Session, caller: str, doc_id: str, lock: bool = False) -> Delivery:
        delivery = session.get(Delivery, (doc_id, caller), with_for_update=lock)
        if delivery is None:
            # Same answer whether it does not exist or belongs to someone else: no leak.
            raise MessageNotFound(f"no message {doc_id} addressed to {caller}")
        return delivery

    def sent(self, caller: str, doc_id: str | None = None) -> tuple[Sent, ...]:
        query = select(Message).where(Message.sender == caller).order_by(Message.created_at)
        if doc_id:
            query = query.where(Message.doc_id == doc_id)
        with self.sessions() as session:
            return tuple(
                Sent(m.doc_id, m.sender_message_id, m.kind, _iso(m.created_at),
                     tuple(RecipientState(d.recipient, d.state, d.addressed_as,
                                          _iso(d.acknowledged_at)) for d in m.deliveries),
                     m.subject or "", m.notation or "")
                for m in session.scalars(query)
            )

    def check_sender(self, caller: str, claimed: str | None) -> None:
        """A sender named by the protocol (``from`` header or field) must be the caller."""
        if claimed and claimed != caller:
            raise NotPermitted(f"agency {caller} may not send as {claimed}")

    def purge(self, batch: int = 500) -> int:
        """Forget messages every recipient acknowledged longer ago than the retention time
        (each server claims its own rows: ``FOR UPDATE SKIP LOCKED`` where the database has it),
        then the leftovers of crashed uploads; returns how many messages went."""
        cutoff = _now() - self.settings.retention
        still_needed = select(Delivery.doc_id).where(
            (Delivery.state == "pending") | (Delivery.acknowledged_at > cutoff))
        claim = (select(Message.doc_id).where(Message.doc_id.not_in(still_needed))
                 .order_by(Message.doc_id).limit(batch).with_for_update(skip_locked=True))
        purged = 0
        while True:
            with self.sessions.begin() as session:
                done = list(session.scalars(claim))
                session.execute(delete(Delivery).where(Delivery.doc_id.in_(done)))
                session.execute(delete(Message).where(Message.doc_id.in_(done)))
            for doc_id in done:  # a crash here leaves envelopes without rows: see below
                self.store.remove(doc_id)
            purged += len(done)
            if len(done) < batch:
                break
        self.store.sweep_staging(self.settings.upload_lease)
        self._remove_orphans()
        return purged

    def _remove_orphans(self, batch: int = 500) -> int:
        """Remove stored envelopes older than the upload lease whose row does not exist (a
        server died between storing one and committing its row, or between a purge's commit
        and its removal)."""
        cutoff = _now() - self.settings.upload_lease
        old = (doc_id for doc_id, kept in self.store.stored() if kept < cutoff)
        removed = 0
        while chunk := list(itertools.islice(old, batch)):
            with self.sessions() as session:
                known = set(session.scalars(
                    select(Message.doc_id).where(Message.doc_id.in_(chunk))))
            for doc_id in chunk:
                if doc_id not in known:
                    self.store.remove(doc_id)
                    removed += 1
        return removed


def _routing(staged: Staged) -> Routing:
    """Kind, sender and recipients from the envelope's header (the attachments are not read)."""
    try:
        return peek_routing(staged.path)
    except EdxmlError as exc:
        raise InvalidRequest(f"not a usable edXML envelope: {exc}") from exc
