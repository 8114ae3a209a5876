"""A signed edXML envelope is checked against the receiving hub's trust anchors: one signed
with the development PKI's organization key of the sender passes, one signed by a key the hub
does not trust (a self-made certificate naming the same agency) is refused on receipt and
registers nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import tempfile

from sqlalchemy import select

from axis import edxml
from documents.adapters.db import transaction
from documents.adapters.models import InboxMessage, IncomingDocument, OutboxMessage
from documents.services import exchange, outgoing
from edochub import bootstrap as runtime
from tests.helpers.edxml import minted_signer
from tests.helpers.register import PDF, add_users, step


def _signed_again(payload: bytes, signer: edxml.EnvelopeSigner) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        message = edxml.parse(payload, attachments_dir=tmp)
        out = io.BytesIO()
        edxml.write(message, out, signer=signer)
        return out.getvalue()


def test_an_untrusted_envelope_signature_is_refused_a_trusted_one_passes(hub, peer,
                                                                          pki_services):
    pki = pki_services
    hub.codec = runtime.codec_for(pki.trust_roots)  # what `edochub serve` and the demo build
    users = add_users(peer)
    with transaction(peer.sessions) as session:
        doc = outgoing.create_draft(session, peer, users["specialist"],
                                    outgoing.Draft("Báo cáo", "Báo cáo tháng 10", (hub.party,)),
                                    PDF)
    for function, role in [(outgoing.submit, "specialist"), (outgoing.sign, "leader"),
                           (outgoing.issue, "clerk"), (outgoing.send, "clerk")]:
        step(peer, function, users[role], doc.id)
    with peer.sessions() as session:
        payload = peer.store.get(session.scalars(select(OutboxMessage)).one().payload_hash)

    forged = _signed_again(payload, minted_signer(pki, "000.00.00.G09", issuer=None))
    peer.axis.send(forged, "edoc", "forged")
    assert exchange.collect(hub) == 1
    with hub.sessions() as session:
        refused = session.scalars(select(InboxMessage)).one()
        assert refused.state == "failed"
        assert refused.error.startswith("refused: envelope signature is intact but not trusted")
    assert exchange.process_stored(hub) == exchange.Processing()

    genuine = _signed_again(payload, edxml.EnvelopeSigner(
        pki.key("org-g09").read_bytes(),
        pki.cert("org-g09").read_bytes() + pki.cert("gov-ca").read_bytes()))
    peer.axis.send(genuine, "edoc", "genuine")
    assert exchange.collect(hub) == 1
    assert exchange.process_stored(hub).verified == 1
    with hub.sessions() as session:
        [arrived] = session.scalars(select(IncomingDocument)).all()
        assert (arrived.subject, arrived.sender_organ_id) == ("Báo cáo tháng 10",
                                                              "000.00.00.G09")
