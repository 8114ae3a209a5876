"""Ký số từ xa: a leader whose account is configured for a remote-signing service signs from
the document page. They authorise the one signature with the PIN or one-time code of their
remote-signing account, typed on the page (CSC services), or confirm it on their phone
(phone-confirmed services); the hub has the service sign, validates the result (TOTAL-PASSED
against the hub's own trust anchors, as for a token's signature) and records it
(``outgoing.record_leader_signature``, shared with the other ways of signing).

The PIN and one-time code live only in this request's memory: they are passed to the
service and dropped, never written to the database, the audit log or a log line. A refused
authorisation, an unknown credential, an unreachable service or a refusal on the phone leaves
the document exactly as it was (nothing is recorded before the signed PDF validates). A
refusal is the caller's to fix (422); a service unreachable or failing is 503, as for a TSA.

Configuration: ``EDOCHUB_LEADER_REMOTE`` (see ``edochub.bootstrap``).
"""

from __future__ import annotations

import asyncio

from documents.adapters import db
from documents.adapters.models import OutgoingDocument, User
from documents.domain.errors import ConfigurationError, Forbidden, InvalidInput
from documents.domain.ports import RemoteApproval
from documents.domain.workflow import Role
from documents.services import outgoing
from documents.services.hub import Hub
from documents.services.token_signing import document_to_sign, refuse_untrusted
from signing.errors import ServiceError, SigningError


def kind_for(hub: Hub, actor: User) -> str | None:
    """``"csc"``, ``"phone"`` or None: how (whether) ``actor`` signs remotely on this hub."""
    if hub.signer is None or Role(actor.role) is not Role.LEADER:
        return None
    return hub.signer.remote_signing(actor.username)


async def sign(hub: Hub, actor: User, document_id: int,
               approval: RemoteApproval) -> OutgoingDocument:
    """The leader's signature made by their remote-signing service, validated and recorded."""
    if Role(actor.role) is not Role.LEADER:
        raise Forbidden(f"role {actor.role} may not sign outgoing documents (allowed: leader)")
    if hub.signer is None:
        raise ConfigurationError("this hub has no signer configured")
    kind = hub.signer.remote_signing(actor.username)
    if kind is None:
        raise InvalidInput(f"no remote-signing account is configured for {actor.username}")
    if kind == "csc" and not (approval.pin or approval.otp):
        raise InvalidInput("give the PIN or the one-time code of your remote-signing account")

    source_hash, pdf, leader = await asyncio.to_thread(document_to_sign, hub, actor, document_id)
    try:
        signed = await hub.signer.sign_remotely(pdf, leader, approval)
    except ServiceError:
        raise  # the service (or a TSA) unreachable or failing, not the request: 503, try later
    except SigningError as exc:
        raise InvalidInput(f"remote signing failed: {exc}") from None
    await refuse_untrusted(hub, signed)
    return await asyncio.to_thread(_record, hub, actor, document_id, signed, source_hash)


def _record(hub: Hub, actor: User, document_id: int, signed: bytes,
            source_hash: str) -> OutgoingDocument:
    with db.transaction(hub.sessions) as session:
        document = outgoing.record_leader_signature(session, hub, actor, document_id, signed,
                                                    source_hash, "remote signing")
        session.refresh(document, ["recipients", "files"])
        return document
