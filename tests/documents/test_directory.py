"""The register through the 2025 reorganisation (SQLite and PostgreSQL): the hub keeps the axis's
agency directory by incremental sync, still shows a sender by the name it had when it sent, and
finds its documents under the old and the new code."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from axis.server import DirectoryEntry
from documents.adapters.db import transaction
from documents.adapters.models import DirectoryAgency, IncomingDocument
from documents.services import directory, exchange, outgoing
from documents.services.search import Query, search
from edochub.samples import simple_pdf
from tests.helpers.register import add_users

MERGED = "000.00.00.G10"


def _send_from(sender, receiver) -> None:  # noqa: ANN001 - two hubs
    users = add_users(sender, "-s")
    with transaction(sender.sessions) as session:
        draft = outgoing.create_draft(session, sender, users["specialist"], outgoing.Draft(
            "Báo cáo", "Báo cáo sắp xếp tổ chức bộ máy", (receiver.party,)),
            simple_pdf("Cong van"))
    for function, role in [(outgoing.submit, "specialist"), (outgoing.sign, "leader"),
                           (outgoing.issue, "clerk"), (outgoing.send, "clerk")]:
        with transaction(sender.sessions) as session:
            function(session, sender, users[role], draft.id)
    exchange.deliver_due(sender)
    exchange.collect(receiver)
    exchange.process_stored(receiver)


def test_documents_found_under_old_and_new_codes(hub, peer, axis_core) -> None:
    assert directory.sync(hub) == 2  # the two agencies registered on the axis
    _send_from(peer, hub)  # Bộ Mẫu (G09) writes before the reorganisation

    axis_core.import_directory([DirectoryEntry(MERGED, "Bộ Mẫu và Phát triển", old_codes=(
        "000.00.00.G09",), valid_from=date(2025, 7, 1))])
    assert directory.sync(hub) == 2  # only what changed: the new ministry and the old one
    assert directory.sync(hub) == 0

    with hub.sessions() as session:
        old = session.get(DirectoryAgency, "000.00.00.G09")
        assert (old.successor_code, old.valid_to) == (MERGED, date(2025, 7, 1))
        assert directory.same_agency_codes(session, MERGED) == {MERGED, "000.00.00.G09"}
        for code in (MERGED, "000.00.00.G09"):
            (found,) = search(session, Query(sender=code))
            assert found.sender_organ_id == "000.00.00.G09"
            assert found.sender_name == "Bộ Mẫu"  # the name it had when it sent
        assert search(session, Query(sender="000.00.00.H41")) == []


def test_a_sender_without_a_name_is_named_from_the_directory(hub, peer) -> None:
    directory.sync(hub)
    with transaction(hub.sessions) as session:
        session.get(DirectoryAgency, "000.00.00.G09").name = "Bộ Mẫu (danh bạ)"
    peer.settings = type(peer.settings)(**{**peer.settings.__dict__, "organ_name": ""})
    _send_from(peer, hub)
    with hub.sessions() as session:
        document = session.scalars(select(IncomingDocument)).one()
    assert document.sender_name == "Bộ Mẫu (danh bạ)"
