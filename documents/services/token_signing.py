"""Ký duyệt bằng USB token (ký số tách rời): the leader's key stays on the token at their PC.

1. :func:`prepare`: the leader's certificate (and chain) as the token reports it; the hub checks
   it names the leader and chains to the hub's own trust anchors (a root sent along is not
   trusted), prepares the PDF with the leader's Decree 30 appearance and role
   (``DocumentSigner.prepare_for_token``), keeps the prepared PDF in the file store and a
   pending row in the database, and answers the data the token signs with the pending id;
2. the token signs (``edochub sign --complete``, or the sign-agent behind the pages);
3. :func:`complete`: the hub embeds the signature (``signing.stamping.split.embed`` refuses one that
   does not answer this request, comes from another key or fits another prepared PDF), validates
   the result (TOTAL-PASSED against the hub's trust anchors, nothing less) and records the
   leader's signature (``outgoing.record_leader_signature``, shared with the server-held key
   path), removing the pending row in the same transaction.

Pending rows survive a restart, expire after :data:`LIFETIME`, and a leader keeps at most
:data:`PER_USER` of them (preparing again drops their oldest). The JSON API and the pages
both call these two functions. Signing work runs on the event loop (pyHanko's async API);
database work runs in worker threads, one short transaction each.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from asn1crypto import x509
from sqlalchemy import CursorResult, delete, select

from documents.adapters import db
from documents.adapters.models import OutgoingDocument, PendingTokenSignature, User
from documents.domain import workflow
from documents.domain.errors import ConfigurationError, Forbidden, InvalidInput, NotFound
from documents.domain.ports import LeaderKey
from documents.domain.workflow import Role
from documents.services import outgoing
from documents.services.hub import Hub, load
from signing.errors import ServiceError, SigningError
from signing.validation import Indication

LIFETIME = timedelta(minutes=15)
PER_USER = 5


@dataclass(frozen=True)
class TokenRequest:
    """What the token must sign (``signing.stamping.split.SigningRequest`` as JSON) and how to
    answer."""

    pending_id: str
    request_json: str
    expires_at: datetime
    #: the prepared PDF in the file store (the sign-agent is shown it and checks the request)
    prepared_hash: str


def read_certificates(certificate: str, chain: Sequence[str] = ()) -> tuple[
        x509.Certificate, tuple[x509.Certificate, ...]]:
    """The token's certificate and its issuers, base64 DER as the sign-agent reports them."""
    try:
        leaf = x509.Certificate.load(base64.b64decode(certificate, validate=True))
        issuers = tuple(x509.Certificate.load(base64.b64decode(c, validate=True))
                        for c in chain)
        for cert in (leaf, *issuers):
            cert.native  # noqa: B018 - parse now, so a malformed one is refused here
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"the token's certificate is not readable: {exc}") from None
    return leaf, issuers


def read_signature(signature: str) -> bytes:
    try:
        return base64.b64decode(signature, validate=True)
    except ValueError:
        raise InvalidInput("the signature is not base64") from None


def _common_name(certificate: x509.Certificate) -> str:
    return (certificate.subject.native.get("common_name") or "").strip()


def document_to_sign(hub: Hub, actor: User, document_id: int) -> tuple[str, bytes, LeaderKey]:
    """What a leader signs away from the hub (token or remote service): the main file's hash
    (to refuse a document changed meanwhile), its bytes, and who signs."""
    with db.transaction(hub.sessions) as session:
        document = load(session, OutgoingDocument, document_id, "outgoing document")
        may_sign(document, actor)
        main = outgoing.main_file(document)
        leader = LeaderKey(actor.username, actor.full_name,
                           actor.position or document.signer_position)
        return main.blob_hash, hub.store.get(main.blob_hash), leader


def may_sign(document: OutgoingDocument, actor: User) -> None:
    """The workflow's own rule for "sign" (role, then state), before any work is done."""
    workflow.next_outgoing(document.state, "sign", Role(actor.role))


async def prepare(hub: Hub, actor: User, document_id: int, certificate: x509.Certificate,
                  chain: Sequence[x509.Certificate] = ()) -> TokenRequest:
    """Step 1: the prepared PDF kept, a pending row written, the data to be signed answered."""
    if Role(actor.role) is not Role.LEADER:
        raise Forbidden(f"role {actor.role} may not sign outgoing documents (allowed: leader)")
    if _common_name(certificate) != actor.full_name.strip():
        raise Forbidden(f"the token's certificate is not {actor.full_name}'s "
                        f"({certificate.subject.human_friendly})")
    if hub.signer is None:
        raise ConfigurationError("this hub has no signer configured")

    source_hash, pdf, leader = await asyncio.to_thread(document_to_sign, hub, actor, document_id)
    try:
        prepared, request_json = await hub.signer.prepare_for_token(pdf, leader, certificate,
                                                                    tuple(chain))
    except ServiceError:
        raise  # a TSA/OCSP/CRL service failed, not the certificate: 503, try again later
    except SigningError as exc:
        raise InvalidInput(f"cannot prepare the document for this certificate: {exc}") from None
    prepared_hash = await asyncio.to_thread(hub.store.put, prepared)
    now = hub.clock()
    row = PendingTokenSignature(id=secrets.token_urlsafe(24), user_id=actor.id,
                                document_id=document_id, source_hash=source_hash,
                                prepared_hash=prepared_hash, request_json=request_json,
                                created_at=now, expires_at=now + LIFETIME)
    await asyncio.to_thread(_keep, hub, row)
    return TokenRequest(row.id, request_json, row.expires_at, prepared_hash)


def _keep(hub: Hub, row: PendingTokenSignature) -> None:
    """Store ``row``; drop expired rows, and the leader's oldest beyond :data:`PER_USER`."""
    with db.transaction(hub.sessions) as session:
        session.execute(delete(PendingTokenSignature).where(
            PendingTokenSignature.expires_at <= row.created_at))
        mine = session.scalars(select(PendingTokenSignature.id).where(
            PendingTokenSignature.user_id == row.user_id).order_by(
            PendingTokenSignature.created_at.desc(), PendingTokenSignature.id)).all()
        if len(mine) >= PER_USER:
            session.execute(delete(PendingTokenSignature).where(
                PendingTokenSignature.id.in_(mine[PER_USER - 1:])))
        session.add(row)


def _pending(hub: Hub, actor: User, document_id: int,
             pending_id: str) -> PendingTokenSignature:
    with hub.sessions() as session:
        row = session.get(PendingTokenSignature, pending_id)
    if row is None or (row.user_id, row.document_id) != (actor.id, document_id):
        raise NotFound(f"no signing request {pending_id!r} of yours is waiting for outgoing "
                       f"document {document_id}; prepare again")
    if row.expires_at <= hub.clock():
        raise NotFound(f"signing request {pending_id!r} expired at "
                       f"{row.expires_at:%Y-%m-%d %H:%M} UTC; prepare again")
    return row


async def complete(hub: Hub, actor: User, document_id: int, pending_id: str,
                   signature: bytes) -> OutgoingDocument:
    """Step 3: the token's CMS signature embedded, validated and recorded; nothing changes
    when any check refuses it."""
    from signing.stamping import SigningRequest, embed

    if Role(actor.role) is not Role.LEADER:
        raise Forbidden(f"role {actor.role} may not sign outgoing documents (allowed: leader)")
    row = await asyncio.to_thread(_pending, hub, actor, document_id, pending_id)
    prepared = await asyncio.to_thread(hub.store.get, row.prepared_hash)
    try:
        signed = embed(prepared, SigningRequest.from_json(row.request_json), signature)
    except SigningError as exc:
        raise InvalidInput(f"the signature is refused: {exc}") from None
    await refuse_untrusted(hub, signed)
    return await asyncio.to_thread(_record, hub, actor, row, signed)


async def refuse_untrusted(hub: Hub, signed: bytes) -> None:
    """Only a signature that validates TOTAL-PASSED against the hub's trust anchors is
    recorded: one that is broken (TOTAL-FAILED) or that cannot be trusted (INDETERMINATE, e.g.
    NO_CERTIFICATE_CHAIN_FOUND for a certificate of a PKI the hub does not trust, or revocation
    not known) is refused, whatever certificate the token sent along."""
    if hub.validator is None:
        return
    [result] = await hub.validator.validate([("signed.pdf", signed)])
    if result.error:
        raise InvalidInput(f"the signed document does not validate: {result.error}")
    for signature in result.signatures:
        if signature.indication is not Indication.TOTAL_PASSED:
            reason = str(signature.indication) + (
                f" ({signature.sub_indication})" if signature.sub_indication else "")
            raise InvalidInput(f"the signature is refused: it validates {reason}, "
                               "not TOTAL-PASSED, against this hub's trust anchors")


def _record(hub: Hub, actor: User, row: PendingTokenSignature,
            signed: bytes) -> OutgoingDocument:
    with db.transaction(hub.sessions) as session:
        # deleted first: of two completions racing, the second finds nothing to delete
        # a DELETE answers with a cursor result (rows matched)
        used = cast(CursorResult[Any], session.execute(delete(PendingTokenSignature).where(
            PendingTokenSignature.id == row.id)))
        if used.rowcount != 1:
            raise NotFound(f"signing request {row.id!r} was used meanwhile")
        document = outgoing.record_leader_signature(session, hub, actor, row.document_id,
                                                    signed, row.source_hash, "token")
        session.refresh(document, ["recipients", "files"])
        return document
