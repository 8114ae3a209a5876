"""The register's ports bound to the real parts: the edXML codec (``axis.edxml``), an axis
client over any transport (``axis.transports``), PAdES signing and validation (``signing``).

Their types stay in here; their errors become register errors at this boundary where the
register must decide (an unreadable envelope is bad input, an unreachable axis is retried).
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from asn1crypto import x509

from axis.errors import EdxmlError
from decree30 import VIETNAM_TIME, vietnam_time
from documents.domain.errors import InvalidInput
from documents.domain.ports import (
    AgencyRecord,
    DocumentEnvelope,
    FilePart,
    LeaderKey,
    Party,
    Received,
    RemoteApproval,
    StatusEnvelope,
    Waiting,
)

if TYPE_CHECKING:
    from axis import edxml
    from axis.transports import AxisClient
    from documents.domain.ports import FileVerdict
    from signing.pades import CscSource, PolledSource, SignatureOptions, SigningKey
    from signing.stamping import Profile, RoleSigners
    from signing.validation import IsolatedValidator, ValidationSettings, Validator

_Result = TypeVar("_Result")


class EdxmlCodec:
    """``DocumentEnvelope``/``StatusEnvelope`` ⇄ edXML bytes (QCVN 102:2016).

    ``trust`` (an ``axis.edxml.EnvelopeTrust``): the hub's trust anchors, against which a
    signed envelope's XML signature is checked on reading. An unsigned envelope is read (the
    PDF seal is what proves the sender); a signed one is refused when its signature is
    broken or another agency's, or, with anchors configured, when it is not trusted.
    """

    def __init__(self, trust: edxml.EnvelopeTrust | None = None) -> None:
        self.trust = trust

    def write_document(self, envelope: DocumentEnvelope) -> bytes:
        from axis import edxml

        with tempfile.TemporaryDirectory(prefix="edochub-out-") as tmp:
            attachments = []
            for index, part in enumerate(envelope.files, start=1):
                path = Path(tmp) / f"{index}"
                path.write_bytes(part.data)
                attachments.append(edxml.Attachment(
                    content_id=f"cid:{index}", name=part.name, content_type=part.content_type,
                    path=path, size=len(part.data)))
            business = edxml.Business(
                doc_type=edxml.BusinessDocType(envelope.business),
                document_id=envelope.refers_to or None,
                replacements=(edxml.Replacement(envelope.refers_to, tuple(
                    r.organ_id for r in envelope.recipients)),)
                if envelope.business == 3 else ())
            message = edxml.DocumentMessage(
                sender=_organization(envelope.sender),
                to=tuple(_organization(r) for r in envelope.recipients),
                document_id=envelope.document_id,
                code=edxml.Code(envelope.number, envelope.notation),
                promulgation=edxml.Promulgation(envelope.place, envelope.promulgated_on),
                document_type=edxml.DocumentType(type_name=envelope.doc_type),
                subject=envelope.subject,
                signer=edxml.Signer(envelope.competence or None, envelope.signer_position or None,
                                    envelope.signer_name or None),
                trace=(edxml.TraceHeader(envelope.sender.organ_id, _now_vietnam()),),
                business=business,
                attachments=tuple(attachments),
                manifest=edxml.manifest_for(tuple(attachments)),
            )
            return _written(message)

    def write_status(self, envelope: StatusEnvelope) -> bytes:
        from axis import edxml

        message = edxml.StatusMessage(
            sender=_organization(envelope.sender),
            response_for=edxml.ResponseFor(organ_id=envelope.to.organ_id,
                                           document_id=envelope.response_for),
            status_code=edxml.StatusCode(envelope.code),
            timestamp=envelope.timestamp.astimezone(VIETNAM_TIME).replace(tzinfo=None),
            description=envelope.description,
            staff=edxml.StaffInfo(staff=envelope.staff),
        )
        return _written(message)

    def read(self, data: bytes) -> Received:
        from axis import edxml

        contents: list[bytes] = []  # the envelope is in memory already: its files too
        try:
            message = edxml.parse(data, trust=self.trust, contents=contents)
        except EdxmlError as exc:
            raise InvalidInput(f"unreadable envelope: {exc}") from None
        if message.signature == "invalid" or (
                message.signature == "untrusted" and self.trust is not None):
            # the reader's last warning says why
            raise InvalidInput(f"refused: {message.warnings[-1]}")
        if isinstance(message, edxml.StatusMessage):  # kind "status"
            return Received(status=_status(message), warnings=message.warnings)
        return Received(document=_document(message, contents), warnings=message.warnings)


def _organization(party: Party) -> edxml.Organization:
    from axis import edxml

    return edxml.Organization(party.organ_id, organ_name=party.name or None)


def _party(organization: edxml.Organization) -> Party:
    return Party(organization.organ_id, organization.organ_name or "")


def _now_vietnam() -> datetime:
    return vietnam_time.now().replace(tzinfo=None, microsecond=0)


def _written(message: edxml.Message) -> bytes:
    import io

    from axis import edxml

    out = io.BytesIO()
    edxml.write(message, out)
    return out.getvalue()


def _document(message: edxml.DocumentMessage, contents: list[bytes]) -> DocumentEnvelope:
    from axis import edxml

    code = message.code or edxml.Code()
    promulgation = message.promulgation or edxml.Promulgation()
    day = promulgation.date
    if day is None and message.document_id:
        try:
            day = edxml.DocumentId.parse(message.document_id).date
        except ValueError:
            day = None
    if day is None:
        raise InvalidInput("the envelope gives no promulgation date")
    business = message.business
    signer = message.signer or edxml.Signer()
    files = tuple(FilePart(a.name or a.content_id, a.content_type or "application/octet-stream",
                           content) for a, content in zip(message.attachments, contents,
                                                          strict=True))
    envelope = DocumentEnvelope(
        sender=_party(message.sender), recipients=tuple(_party(t) for t in message.to),
        number=code.number or "", notation=code.notation or "", promulgated_on=day,
        place=promulgation.place or "",
        doc_type=(message.document_type.type_name or "") if message.document_type else "",
        subject=message.subject or "", signer_name=signer.full_name or "",
        signer_position=signer.position or "", competence=signer.competence or "",
        business=int(business.doc_type) if business else 0,
        refers_to=(business.document_id or "") if business else "",
        files=files,
    )
    if message.document_id and message.document_id != envelope.document_id:
        # keep the sender's own DocumentId: status messages must answer exactly it
        return _with_document_id(envelope, message.document_id)
    return envelope


def _with_document_id(envelope: DocumentEnvelope, document_id: str) -> DocumentEnvelope:
    """The register keys on DocumentId; when the sender wrote one that differs from what its
    parts give, its number/notation tail is taken as given."""
    organ, _, rest = document_id.partition(",")
    _, _, number_notation = rest.partition(",")
    number, _, notation = number_notation.partition("/")
    if organ != envelope.sender.organ_id or not notation:
        raise InvalidInput(f"DocumentId {document_id!r} does not name the sender "
                           f"{envelope.sender.organ_id}")
    return DocumentEnvelope(**{**envelope.__dict__, "number": number, "notation": notation})


def _status(message: edxml.StatusMessage) -> StatusEnvelope:
    response = message.response_for
    if not response.document_id:
        raise InvalidInput("the status message names no document it answers (ResponseFor)")
    return StatusEnvelope(
        sender=_party(message.sender), to=Party(response.organ_id or ""),
        response_for=response.document_id, code=message.status_code.value,
        description=message.description or "",
        staff=(message.staff.staff or "") if message.staff else "",
        timestamp=message.timestamp.replace(tzinfo=VIETNAM_TIME),
    )


class AxisClientLink:
    """This agency's ``AxisLink`` over an ``axis.transports`` client (SOAP, national HTTP
    protocol or in-process). Sent envelopes pass through files under ``workdir``; fetched
    ones stay in memory."""

    def __init__(self, client: AxisClient, workdir: Path) -> None:
        self.client = client
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        from axis import edxml

        recipients = edxml.peek_routing(payload).recipients
        path = self.workdir / f"out-{message_id}.edxml"
        path.write_bytes(payload)
        try:
            self.client.send(path, kind, recipients, message_id=message_id)
        finally:
            path.unlink(missing_ok=True)

    def waiting(self) -> list[Waiting]:
        return [Waiting(r.doc_id, r.kind) for r in self.client.received()]

    def fetch(self, axis_id: str) -> bytes:
        return self.client.fetch_bytes(axis_id)  # the hub stores it before acknowledging

    def acknowledge(self, axis_id: str) -> None:
        self.client.acknowledge(axis_id, "done")

    def directory_changes(self, since: int) -> list[AgencyRecord]:
        def day(text: str | None) -> date | None:
            return date.fromisoformat(text) if text else None

        return [AgencyRecord(a.code, a.name, a.version, a.parent, a.successor,
                             day(a.valid_from), day(a.valid_to), a.deleted)
                for a in self.client.sync_agencies(since)]


@dataclass(frozen=True)
class KeyFiles:
    """The hub's server-held keys (PKCS#12) and the images Decree 30 shows with them: the
    organization's red seal, and each leader's blue handwritten signature (PNG)."""

    organization: Path
    leaders: dict[str, Path]
    seal_png: bytes
    signatures_png: dict[str, bytes]
    password_env: str | None = None
    #: leaders who sign with a remote-signing service: user name → its credential
    remote: dict[str, CscSource | PolledSource] = field(default_factory=dict)


#: how long (seconds) the hub reuses its signers' certificate checks and the OCSP/CRL answers
#: fetched to check a leader's signature before issuing; then it checks again, so a signing
#: certificate revoked meanwhile is refused within this time
REVOCATION_REUSE_SECONDS = 300.0


class _PerThread(threading.local):
    """One :class:`_ThreadState` per thread (keys, pyHanko signers and fetchers are not
    thread-safe and are bound to their event loop; the API serves requests from a thread
    pool)."""

    def __init__(self, every: list[_ThreadState]) -> None:
        self.state = _ThreadState()
        every.append(self.state)  # so that close() reaches every thread's state


class _ThreadState:
    """A thread's event loop and what is opened on it: the keys, and the signers and the
    validator reused across documents."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.keys: dict[Path, SigningKey] = {}
        self.opened = ExitStack()
        self.signers: RoleSigners | None = None
        #: open while kept
        self.validator: Validator | None = None
        self.since = 0.0

    def run(self, coroutine: Coroutine[Any, Any, _Result]) -> _Result:
        return self.loop.run_until_complete(coroutine)

    async def fresh(self, fresh_for: float) -> RoleSigners:
        """The signers kept on this thread; they and the validator are dropped (revocation
        checked again) when older than ``fresh_for`` seconds."""
        from signing.stamping import RoleSigners

        if self.signers is not None and time.monotonic() - self.since >= fresh_for:
            await self.release()
        if self.signers is None:
            self.signers, self.since = RoleSigners(), time.monotonic()
        return self.signers

    async def leader_check(self, settings: ValidationSettings) -> Validator:
        """The validator that checks leaders' signatures before issuing (after ``fresh``)."""
        from signing.validation import Validator

        if self.validator is None:
            self.validator = await Validator(settings).__aenter__()
        return self.validator

    async def release(self) -> None:
        if self.signers is not None:
            await self.signers.aclose()
            self.signers = None
        if self.validator is not None:
            await self.validator.aclose()
            self.validator = None

    def close(self) -> None:
        # on a thread of its own: close() may be called where another event loop is running
        # (an async server's shutdown, a browser test session), and this loop cannot run there
        with ThreadPoolExecutor(max_workers=1) as closer:
            closer.submit(self.run, self.release()).result()
        self.opened.close()
        self.keys.clear()
        self.loop.close()


class PadesDocumentSigner:
    """Decree 30 signatures as PAdES (``signing.stamping.issuance``,
    ``signing.stamping.role_signing``):
    the leader's with their signature image, then the seal filling number and date, and the
    attachments' top-right text signature."""

    def __init__(self, keys: KeyFiles, options: SignatureOptions, settings: ValidationSettings,
                 fresh_for: float = REVOCATION_REUSE_SECONDS) -> None:
        #: ``settings``: used to check the leader's signature before sealing; ``fresh_for``:
        #: see REVOCATION_REUSE_SECONDS
        self.keys, self.options, self.settings = keys, options, settings
        self.fresh_for = fresh_for
        self._every: list[_ThreadState] = []
        self._threads = _PerThread(self._every)

    @property
    def _state(self) -> _ThreadState:
        return self._threads.state

    def close(self) -> None:
        """Release every thread's keys and network sessions (when the hub stops)."""
        every, self._every[:] = list(self._every), []
        self._threads = _PerThread(self._every)  # usable again afterwards, opening anew
        for state in every:
            state.close()

    def _key(self, path: Path) -> SigningKey:
        from signing.pades import Pkcs12Source, open_key

        state = self._state
        if path not in state.keys:
            state.keys[path] = state.opened.enter_context(
                open_key(Pkcs12Source(path, self.keys.password_env)))
        return state.keys[path]

    def _sign(self, key_path: Path, profile: Profile, pdf: bytes) -> bytes:
        from signing.stamping import async_sign_profile

        async def sign() -> bytes:
            signers = await self._state.fresh(self.fresh_for)
            return await async_sign_profile(self._key(key_path), self.options, profile, pdf,
                                            signers=signers)

        return self._state.run(sign())

    def prepare(self, pdf: bytes) -> bytes:
        from signing.stamping import prepared_draft

        return prepared_draft(pdf)

    def sign_as_leader(self, pdf: bytes, leader: LeaderKey) -> bytes:
        key = self.keys.leaders.get(leader.username)
        if key is None:
            raise InvalidInput(f"the hub holds no signing key for leader {leader.username!r}")
        return self._sign(key, self._leader_profile(leader), pdf)

    async def prepare_for_token(self, pdf: bytes, leader: LeaderKey, certificate: object,
                                chain: Sequence[object]) -> tuple[bytes, str]:
        from signing.pades import SignatureOptions
        from signing.stamping import async_prepare

        # a B-B signature: the token's machine has no TSA of ours; the seal's B-LTA covers it.
        # Only the hub's own trust anchors decide whether the token's certificate may sign,
        # never a root the caller sends along with it.
        issuers = tuple(c for c in chain if isinstance(c, x509.Certificate))
        if not isinstance(certificate, x509.Certificate) or len(issuers) != len(chain):
            raise InvalidInput("the token's certificate and chain must be X.509 certificates")
        prepared, request = await async_prepare(
            pdf, certificate, issuers,
            SignatureOptions(trust_roots=self.options.trust_roots, trust_key_root=False),
            profile=self._leader_profile(leader))
        return prepared, request.to_json()

    def remote_signing(self, username: str) -> str | None:
        from signing.pades import CscSource

        source = self.keys.remote.get(username)
        if source is None:
            return None
        return "csc" if isinstance(source, CscSource) else "phone"

    async def sign_remotely(self, pdf: bytes, leader: LeaderKey,
                            approval: RemoteApproval) -> bytes:
        from signing.pades import Authorisation, async_open_key
        from signing.stamping import async_sign_profile

        source = self.keys.remote.get(leader.username)
        if source is None:
            raise InvalidInput(f"leader {leader.username!r} has no remote-signing account")
        authorisation = Authorisation(pin=approval.pin or None, otp=approval.otp or None)
        # as for a token: only the hub's own anchors decide whether the certificate may sign
        options = replace(self.options, trust_key_root=False)
        async with async_open_key(source, authorisation) as key:
            return await async_sign_profile(key, options, self._leader_profile(leader), pdf)

    def _leader_profile(self, leader: LeaderKey) -> Profile:
        from signing.stamping import Profile
        from signing.validation import SignatureRole

        image = self.keys.signatures_png.get(leader.username)
        if image is None:
            raise InvalidInput(f"the hub holds no signature image for leader {leader.username!r}")
        # placed by the printed full name, which is the certificate's (CN) by default
        return Profile(SignatureRole.LEADER, image_png=image)

    def issue(self, pdf: bytes, number: int, notation: str, place: str, day: date,
              leader_checked: Future[Any] | None = None) -> bytes:
        from signing.stamping import Issuance, async_issue

        issuance = Issuance(self.keys.seal_png, number, notation, place, day)

        async def issue() -> bytes:
            signers = await self._state.fresh(self.fresh_for)
            return await async_issue(
                pdf, self._key(self.keys.organization), self.options, self.settings, issuance,
                signers=signers, validator=await self._state.leader_check(self.settings),
                checked_elsewhere=(None if leader_checked is None
                                   else asyncio.wrap_future(leader_checked)))

        return self._state.run(issue())

    def check_leader_signature(self, pdf: bytes) -> None:
        from signing.stamping import async_require_leader_signature

        async def check() -> None:
            await self._state.fresh(self.fresh_for)  # the validator is renewed with the signers
            await async_require_leader_signature(
                pdf, self.settings, await self._state.leader_check(self.settings))

        self._state.run(check())

    def seal_attachment(self, pdf: bytes, number_notation: str) -> bytes:
        from signing.stamping import Profile
        from signing.validation import SignatureRole

        return self._sign(self.keys.organization,
                          Profile(SignatureRole.ATTACHMENT, number_notation=number_notation),
                          pdf)


class PadesDocumentValidator:
    """Every signature of a PDF validated (``signing.validation.validator``, pyHanko's async
    API) by one validator kept across calls (``signing.validation.kept``): its OCSP/CRL
    answers and validated certificate paths are reused for ``fresh_for`` seconds (see
    REVOCATION_REUSE_SECONDS), then fetched and validated again."""

    def __init__(self, settings: ValidationSettings,
                 fresh_for: float = REVOCATION_REUSE_SECONDS) -> None:
        from signing.validation import KeptValidator

        self.settings = settings
        self._kept = KeptValidator(settings, fresh_for)

    async def validate(self, files: Sequence[tuple[str, bytes]]) -> list[FileVerdict]:
        return list(await self._kept.validate(files))

    def close(self) -> None:
        """Close the kept validator (also done when this object is collected, or at exit)."""
        self._kept.close()

    def isolated(self, memory_bytes: int, seconds: float) -> IsolatedValidator:
        from signing.validation import IsolatedValidator, Limits

        return IsolatedValidator(self.settings, Limits(memory_bytes, seconds))
