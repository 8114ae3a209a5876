"""Reliable exchange: retries keep one message id, re-deliveries are registered once, and a
worker killed mid-batch and restarted loses and doubles nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from documents.adapters.db import transaction
from documents.adapters.models import (
    InboxMessage,
    IncomingDocument,
    OutboxMessage,
    OutgoingDocument,
)
from documents.domain.ports import StatusEnvelope
from documents.http.server import serving
from documents.services import exchange, incoming, outgoing
from tests.documents.fakes import FlakyLink
from tests.helpers.net import free_port
from tests.helpers.register import (
    AGENCIES,
    PDF,
    add_users,
    issue_and_send,
    local_link,
    make_hub,
    step,
)


def _later(hub, seconds: float):
    base = hub.clock
    hub.clock = lambda: base() + timedelta(seconds=seconds)


def test_failed_sends_retry_with_backoff_and_one_message_id(hub, axis_core):
    users = add_users(hub)
    issue_and_send(hub, users)
    hub.axis = flaky = FlakyLink(hub.axis, failures=2)
    assert exchange.deliver_due(hub) == exchange.Delivery(retrying=1)
    assert exchange.deliver_due(hub) == exchange.Delivery()  # backoff: not due yet
    _later(hub, 3)
    assert exchange.deliver_due(hub) == exchange.Delivery(retrying=1)
    _later(hub, 10)
    assert exchange.deliver_due(hub) == exchange.Delivery(sent=1)
    with hub.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert (message.state, message.attempts) == ("sent", 3)
    assert flaky.sends == [message.message_id] * 3
    assert len(axis_core.received("000.00.00.G09")) == 1


def test_retries_are_finite(hub):
    users = add_users(hub)
    issue_and_send(hub, users)
    hub.axis = FlakyLink(hub.axis, failures=exchange.MAX_ATTEMPTS + 5)
    for _attempt in range(exchange.MAX_ATTEMPTS):
        _later(hub, 700)
        exchange.deliver_due(hub)
    with hub.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.state == "failed" and "unreachable" in message.last_error


def test_a_redelivered_envelope_is_registered_once(hub, peer, axis_core):
    users = add_users(peer)
    with transaction(peer.sessions) as session:
        doc = outgoing.create_draft(session, peer, users["specialist"],
                                    outgoing.Draft("Báo cáo", "Báo cáo tháng", (hub.party,)),
                                    PDF)
    for function, role in [(outgoing.submit, "specialist"), (outgoing.sign, "leader"),
                           (outgoing.issue, "clerk"), (outgoing.send, "clerk")]:
        step(peer, function, users[role], doc.id)
    exchange.deliver_due(peer)
    with peer.sessions() as session:
        payload = peer.store.get(session.scalars(select(OutboxMessage)).one().payload_hash)
    # the same envelope sent again under a new message id (e.g. a sender restored from backup)
    peer.axis.send(payload, "edoc", "another-message-id")
    assert len(axis_core.received(hub.settings.organ_id)) == 2
    assert exchange.collect(hub) == 1
    exchange.process_stored(hub)
    with hub.sessions() as session:
        assert session.scalar(select(func.count()).select_from(IncomingDocument)) == 1
        assert session.scalar(select(func.count()).select_from(InboxMessage)) == 1
    assert axis_core.received(hub.settings.organ_id) == ()


def test_a_status_report_is_kept_in_its_outbox_row_and_sent_as_written(hub, peer, axis_core):
    """A status report is a few hundred bytes: its outbox row keeps it (named by its hash, as
    a file would be) and the file store has no copy; the worker sends exactly those bytes, and
    the sender takes them as the 01 for its document."""
    import hashlib

    issue_and_send(hub, add_users(hub))
    exchange.deliver_due(hub)
    assert exchange.collect(peer) == 1
    assert exchange.process_stored(peer).documents == 1
    with peer.sessions() as session:
        status = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "status")).one()
    assert status.payload is not None and b"<edXML:StatusCode>01<" in status.payload
    assert status.payload_hash == hashlib.sha256(status.payload).hexdigest()
    assert not peer.store.exists(status.payload_hash)

    assert exchange.deliver_due(peer).sent == 1
    [waiting] = axis_core.received(hub.settings.organ_id)
    assert axis_core.open(hub.settings.organ_id, waiting.doc_id)[1].read_bytes() == (
        status.payload)
    assert exchange.collect(hub) == 1
    assert exchange.process_stored(hub).statuses == 1


def test_an_envelope_that_cannot_be_applied_fails_alone(hub, peer):
    """Envelopes are applied several per transaction, each in a savepoint: one refused (a
    status answering a document never sent) is marked failed, the others still arrive."""
    users = add_users(hub)
    stray = hub.codec.write_status(StatusEnvelope(
        sender=hub.party, to=peer.party, response_for="000.00.00.G09,2026/01/05,99/BM-VP",
        code="01", description="Đã đến", staff="Văn thư",
        timestamp=hub.now_vietnam().replace(microsecond=0)))
    hub.axis.send(stray, "status", "stray-status")
    issue_and_send(hub, users)
    exchange.deliver_due(hub)
    assert exchange.collect(peer) == 2
    done = exchange.process_stored(peer)
    assert (done.documents, done.statuses, done.failed) == (1, 0, 1)
    with peer.sessions() as session:
        states = dict(session.execute(select(InboxMessage.kind, InboxMessage.state)).all())
        assert states == {"status": "failed", "edoc": "processed"}
        error = session.scalars(select(InboxMessage.error).where(
            InboxMessage.kind == "status")).one()
        assert "was not sent to it" in error
        assert session.scalar(select(func.count()).select_from(IncomingDocument)) == 1


def test_recall_is_answered_by_the_receiver(hub, peer):
    receiver = peer
    users, receiver_users = add_users(hub), add_users(receiver, "-g09")
    doc_id = issue_and_send(hub, users)
    exchange.deliver_due(hub)
    exchange.collect(receiver)
    exchange.process_stored(receiver)
    step(hub, outgoing.change_after_sending, users["clerk"], doc_id, "recall", "Sai sót")
    exchange.deliver_due(hub)
    exchange.collect(receiver)
    exchange.process_stored(receiver)
    with receiver.sessions() as session:
        arrived = session.scalars(select(IncomingDocument)).one()
        assert arrived.pending_change["business"] == 1
    step(receiver, incoming.answer_change, receiver_users["clerk"], arrived.id, True)
    exchange.deliver_due(receiver)
    exchange.collect(hub)
    exchange.process_stored(hub)
    with hub.sessions() as session:
        document = session.get(OutgoingDocument, doc_id)
        assert document.state == "recalled"
        assert document.recipients[0].status == "15"
    with receiver.sessions() as session:
        assert session.get(IncomingDocument, arrived.id).state == "recalled"


BATCH = 12


def _child(role: str, database: str, files: Path, axis_url: str, organ: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.documents.crash_worker", "--role", role, "--database",
         database, "--files", str(files), "--axis-url", axis_url, "--organ", organ],
        stdout=subprocess.PIPE, text=True,
        env={**os.environ, "EDOCHUB_AXIS_SECRET": f"secret-{organ}"},
    )


def _run_and_kill(child: subprocess.Popen, word: str, after: int) -> int:
    """Let ``child`` report ``after`` lines starting with ``word``, then kill it (SIGKILL:
    no cleanup runs). Returns how many it reported; fewer when it finished first."""
    seen = 0
    for line in child.stdout:
        seen += line.startswith(word)
        if seen >= after:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    child.stdout.close()
    return seen


@pytest.fixture()
def axis_server(tmp_path):
    """The reference axis served over HTTP on loopback (national protocol and SOAP)."""
    from axis.server.app import ServerConfig, create_app

    app = create_app(ServerConfig(data_dir=tmp_path / "axis-server"))
    for code, name in AGENCIES.items():
        app.state.core.add_agency(code, name, f"secret-{code}")
    with serving(app, "127.0.0.1", free_port()) as url:
        yield app.state.core, url


def test_killing_the_workers_mid_batch_loses_and_doubles_nothing(new_database, tmp_path,
                                                                 axis_server):
    from documents.adapters import db

    core, axis_url = axis_server
    urls = [new_database("h41"), new_database("g09")]
    hubs = []
    for url, organ, abbreviation in zip(urls, ("000.00.00.H41", "000.00.00.G09"),
                                        ("UBND", "BM"), strict=True):
        engine = db.make_engine(url)
        db.migrate(engine)
        hubs.append(make_hub(engine, tmp_path / organ, organ, abbreviation,
                             local_link(core, organ, tmp_path / organ / "axis-work")))
    h41, g09 = hubs
    users = add_users(h41)
    for i in range(BATCH):
        issue_and_send(h41, users, f"Công việc số {i}")

    sender_args = (urls[0], tmp_path / h41.settings.organ_id / "files", axis_url,
                   h41.settings.organ_id)
    assert _run_and_kill(_child("send", *sender_args), "sent", 5) == 5
    assert _child("send", *sender_args).wait(timeout=120) == 0

    receiver_args = (urls[1], tmp_path / g09.settings.organ_id / "files", axis_url,
                     g09.settings.organ_id)
    assert _run_and_kill(_child("receive", *receiver_args), "acknowledged", 4) == 4
    assert _run_and_kill(_child("receive", *receiver_args), "processed", 3) == 3
    assert _child("receive", *receiver_args).wait(timeout=120) == 0

    with h41.sessions() as session:
        states = session.scalars(select(OutboxMessage.state)).all()
        assert states == ["sent"] * BATCH
    with g09.sessions() as session:
        subjects = sorted(session.scalars(select(IncomingDocument.subject)).all())
        assert subjects == sorted(f"Công việc số {i}" for i in range(BATCH))
        assert set(session.scalars(select(InboxMessage.state))) == {"processed"}
        # each arrival answered 01 exactly once
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == BATCH
    assert core.received(g09.settings.organ_id) == ()
    # the axis holds each document once: a re-send after the kill kept its message id
    assert len(core.sent(h41.settings.organ_id)) == BATCH


def test_a_full_disk_while_processing_stops_the_round_and_the_next_one_takes_it(
        hub, peer, small_disk):
    """The receiver's disk fills up between collecting an envelope and storing its files: the
    round stops with the storage error and the envelope waits (not failed); once there is room
    the next round makes it an incoming document, once."""
    from documents.adapters.storage import LocalStore
    from documents.domain.errors import StorageUnavailable

    issue_and_send(hub, add_users(hub))
    exchange.deliver_due(hub)
    peer.store = LocalStore(small_disk / "files")
    assert exchange.collect(peer) == 1  # the envelope itself is kept
    filler = small_disk / "other-data"
    with open(filler, "wb", buffering=0) as out, pytest.raises(OSError):
        while out.write(b"\0" * 4096):  # up to the last block
            pass
    with pytest.raises(StorageUnavailable, match="No space left on device"):
        exchange.process_stored(peer)
    with peer.sessions() as session:
        assert session.scalars(select(InboxMessage.state)).all() == ["stored"]
        assert session.scalar(select(func.count()).select_from(IncomingDocument)) == 0

    filler.unlink()
    assert exchange.process_stored(peer).documents == 1
    with peer.sessions() as session:
        assert session.scalars(select(InboxMessage.state)).all() == ["processed"]
        assert session.scalar(select(func.count()).select_from(IncomingDocument)) == 1
