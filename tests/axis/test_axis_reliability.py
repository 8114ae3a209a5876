"""Nothing lost, nothing doubled: a crash between send and receive, an answer lost on the way
back, finite retries, size limits, retention, and the in-process transport."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from axis.errors import AxisUnavailable, MessageNotFound, MessageTooLarge
from axis.protocol.vxp_signing import hash_file_hex, signed_headers
from axis.server.core import Settings
from axis.transports.base import AxisClient, Retrying
from axis.transports.local import LocalTransport
from tests.axis.axis_harness import (
    AxisServer,
    Credentials,
    addressed,
    client_for,
    create_postgres_database,
    drop_postgres_database,
    samples,
    wait_until,
)
from tests.helpers.net import free_port

PROTOCOLS = ["soap", "http"]


@pytest.fixture(params=["sqlite", "postgresql"])
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AxisServer]:
    """A reference axis of this test alone (it gets killed), on a fresh database."""
    db_url = create_postgres_database() if request.param == "postgresql" else None
    server = AxisServer(tmp_path / "axis", db_url)
    server.data_dir.mkdir()
    yield server.start()
    server.stop()
    if db_url:
        drop_postgres_database(db_url)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_killing_the_server_between_send_and_receive_loses_nothing(
        own_server: AxisServer, protocol: str, tmp_path: Path) -> None:
    sender, receiver = own_server.add_agency(), own_server.add_agency()
    document = addressed("edoc_revocation.edxml", sender, receiver, tmp_path)
    with client_for(own_server, sender, protocol) as client:
        receipt = client.send(document)

    own_server.kill()  # SIGKILL right after the answer: no graceful shutdown
    messages = own_server.data_dir / "messages"
    crashed, live = messages / "incoming-crashed.part", messages / "incoming-live.part"
    for half_received in (crashed, live):  # as a crash in the middle of an upload leaves it
        half_received.write_bytes(b"<edXML")
    past_the_lease = time.time() - 2 * Settings().upload_lease.total_seconds()
    os.utime(crashed, (past_the_lease, past_the_lease))
    own_server.start()
    wait_until(lambda: not crashed.exists())  # the purge run at start took it
    assert live.exists()  # may be another server's upload still under way: not a start's

    with client_for(own_server, receiver, protocol) as client:
        (waiting,) = client.received()
        assert waiting.doc_id == receipt.doc_id
        client.fetch(waiting.doc_id, tmp_path / "got.edxml")
        client.acknowledge(waiting.doc_id)
    assert (tmp_path / "got.edxml").read_bytes() == document.read_bytes()


class AnswerLosingProxy:
    """A TCP relay to the axis that lets the first request through but drops its answer and
    hangs up, as a network failure after the server committed would."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port, self.port, self.lost = upstream_port, free_port(), 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
        if self.lost == 0:
            self.lost += 1
            upstream.recv(1)  # the server has handled the request and begun its answer
            for end in (client, upstream):
                with contextlib.suppress(OSError):  # the other pump may have closed it
                    end.shutdown(socket.SHUT_RDWR)  # wakes the other pump, sends FIN
                end.close()
            return
        _pump(upstream, client)

    def close(self) -> None:
        self._listener.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(1 << 16):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_resend_after_a_lost_answer_is_delivered_once(axis_server: AxisServer,
                                                      protocol: str, tmp_path: Path) -> None:
    sender, receiver = axis_server.add_agency(), axis_server.add_agency()
    status = addressed("status_processing_05.edxml", sender, receiver, tmp_path)
    proxy = AnswerLosingProxy(axis_server.port)
    try:
        from axis.transports import connect

        with connect(f"http://127.0.0.1:{proxy.port}", protocol, sender.code, sender.secret,
                     attempts=3, backoff=0.05) as client:
            receipt = client.send(status)
    finally:
        proxy.close()
    assert proxy.lost == 1
    assert receipt.duplicate  # the retry found the first attempt already stored
    with client_for(axis_server, receiver, protocol) as client:
        assert [m.doc_id for m in client.received()] == [receipt.doc_id]
    with client_for(axis_server, sender, protocol) as client:
        assert len(client.sent()) == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_retries_are_finite_with_backoff(protocol: str) -> None:
    from axis.transports.soap import SoapTransport
    from axis.transports.vxp import VxpTransport

    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    transport = (SoapTransport if protocol == "soap" else VxpTransport)(
        nowhere, "000.00.00.H41", "secret", timeout=2)
    delays: list[float] = []
    client = AxisClient(Retrying(transport, attempts=4, backoff=0.1, sleep=delays.append))
    with pytest.raises(AxisUnavailable, match="unreachable"):
        client.send(samples() / "status_inbox_01.edxml", "status", ("000.00.00.G09",))
    assert delays == [0.1, 0.2, 0.4]


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AxisServer]:
    server = AxisServer(tmp_path_factory.mktemp("small-axis"),
                        extra_args=("--max-message-mb", "1", "--soap-max-mb", "1"))
    yield server.start()
    server.stop()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_size_limit_is_answered_with_a_clear_error(small_server: AxisServer, protocol: str,
                                                   tmp_path: Path) -> None:
    sender, receiver = small_server.add_agency(), small_server.add_agency()
    big = tmp_path / "big.edxml"
    big.write_bytes(addressed("edoc_new.edxml", sender, receiver, tmp_path).read_bytes()
                    + b" " * (3 << 20))
    with client_for(small_server, sender, protocol, attempts=1) as client, \
            pytest.raises(MessageTooLarge, match="larger than the limit"):
        client.send(big, "edoc", (receiver.code,))
    with client_for(small_server, receiver, protocol) as client:
        assert client.received() == ()
    assert list((small_server.data_dir / "messages").iterdir()) == []


def test_multipart_size_limit_is_enforced_while_streaming(small_server: AxisServer,
                                                         tmp_path: Path) -> None:
    sender, receiver = small_server.add_agency(), small_server.add_agency()
    data = addressed("edoc_new.edxml", sender, receiver, tmp_path).read_bytes() + b" " * (3 << 20)
    url = f"{small_server.base_url}/vxp/sendEdoc"
    form = httpx.Request("POST", url, files={"file_doc": ("big.edxml", data)})
    body, content_type = form.read(), form.headers["Content-Type"]
    headers = signed_headers({
        "from": sender.code, "systemid": sender.code, "servicetype": "eDoc",
        "hash-file": hash_file_hex(hashlib.sha256(data).digest()), "timestamp": "x",
        "Content-Type": content_type}, sender.secret)
    # Sent chunked, without Content-Length: only the check while streaming can stop it.
    pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
    answer = httpx.post(url, content=pieces, headers=headers)
    assert answer.status_code == 413
    assert answer.json()["ErrorCode"] == "MESSAGE_TOO_LARGE"
    assert list((small_server.data_dir / "messages").iterdir()) == []


def test_in_process_transport_and_retention(tmp_path: Path) -> None:
    """The local transport runs the same core (for code that needs a transport in tests);
    acknowledged messages go after the retention time, pending ones stay."""
    core = LocalTransport.in_memory_core(tmp_path / "store",
                                         settings=Settings(retention=timedelta(days=1)))
    h41, g09 = Credentials("000.00.00.H41", "s1", ""), Credentials("000.00.00.G09", "s2", "")
    core.add_agency(h41.code, "Ủy ban nhân dân tỉnh Mẫu", h41.secret)
    core.add_agency(g09.code, "Bộ Mẫu", g09.secret)
    province = AxisClient(LocalTransport(core, h41.code))
    ministry = AxisClient(LocalTransport(core, g09.code))
    document = addressed("edoc_new.edxml", h41, g09, tmp_path)
    kept = province.send(document)
    gone = province.send(addressed("status_inbox_01.edxml", h41, g09, tmp_path))
    ministry.fetch(gone.doc_id, tmp_path / "status.edxml")
    ministry.acknowledge(gone.doc_id, "done")

    assert core.purge() == 0  # acknowledged, but within the day of retention
    core.settings = Settings(retention=timedelta(0))
    assert core.purge() == 1
    assert [m.doc_id for m in province.sent()] == [kept.doc_id]
    with pytest.raises(MessageNotFound):
        ministry.fetch(gone.doc_id, tmp_path / "again.edxml")
    assert not core.store.path(gone.doc_id).exists()
    ministry.fetch(kept.doc_id, tmp_path / "doc.edxml")
    assert (tmp_path / "doc.edxml").read_bytes() == document.read_bytes()


def test_agency_add_and_agencies_commands(tmp_path: Path, cli) -> None:
    server = AxisServer(tmp_path / "axis")
    server.data_dir.mkdir()
    env = {"H41_SECRET": "province-secret"}
    missing = cli("axis", "agency", "add", "000.00.00.H41", "--name", "Ủy ban nhân dân tỉnh Mẫu",
                  "--secret-env", "NOT_SET_ANYWHERE", *server.storage_args())
    assert missing.returncode == 2
    assert missing.stderr.strip() == ("edochub: environment variable NOT_SET_ANYWHERE "
                                      "(the agency secret) is not set")
    for code, name, parent in (("000.00.00.H41", "Ủy ban nhân dân tỉnh Mẫu", []),
                               ("000.01.00.H41", "Sở Nội vụ", ["--parent", "000.00.00.H41"])):
        added = cli("axis", "agency", "add", code, "--name", name, "--secret-env", "H41_SECRET",
                    *parent, *server.storage_args(), env=env)
        assert added.returncode == 0, added.stderr
    server.start()
    try:
        for protocol in PROTOCOLS:
            listed = cli("axis", "agencies", "--axis", server.base_url, "--protocol", protocol,
                         "--as", "000.00.00.H41", "--secret-env", "H41_SECRET", env=env)
            assert listed.returncode == 0, listed.stderr
            assert listed.stdout.splitlines() == [
                "000.00.00.H41\tỦy ban nhân dân tỉnh Mẫu",
                "000.01.00.H41\tSở Nội vụ (under 000.00.00.H41)"]
    finally:
        server.stop()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_full_disk_is_refused_as_worth_retrying_and_keeps_nothing(
        protocol: str, tmp_path: Path, small_disk: Path) -> None:
    """The axis's message folder on a disk that fills up: the send is refused in one line as
    AXIS_UNAVAILABLE (HTTP 503 / a SOAP fault), no half file or message is left, and once
    there is room the sender's retry with the same message id is taken once."""
    server = AxisServer(tmp_path / "axis", store=str(small_disk / "messages")).start()
    try:
        sender, receiver = server.add_agency(), server.add_agency()
        document = addressed("edoc_new.edxml", sender, receiver, tmp_path)
        filler = small_disk / "other-data"
        with open(filler, "wb", buffering=0) as out, contextlib.suppress(OSError):
            while out.write(b"\0" * 4096):  # up to the last block
                pass
        with client_for(server, sender, protocol, attempts=1) as client, \
                pytest.raises(AxisUnavailable, match="could not receive the message: "
                                                     "No space left on device"):
            client.send(document, message_id="disk-full")
        if protocol == "http":  # the status a plain client sees
            data = document.read_bytes()
            answer = httpx.post(f"{server.base_url}/vxp/sendEdoc", content=data,
                                headers=signed_headers({
                                    "from": sender.code, "systemid": sender.code,
                                    "servicetype": "eDoc", "messageid": "disk-full",
                                    "hash-file": hash_file_hex(hashlib.sha256(data).digest()),
                                    "timestamp": "x",
                                    "Content-Type": "application/octet-stream"}, sender.secret))
            assert answer.status_code == 503 and answer.json()["ErrorCode"] == "AXIS_UNAVAILABLE"
        assert list((small_disk / "messages").iterdir()) == []  # no half-received file
        with client_for(server, receiver, protocol) as client:
            assert client.received() == ()

        filler.unlink()
        with client_for(server, sender, protocol) as client:
            receipt = client.send(document, message_id="disk-full")
        assert not receipt.duplicate
        with client_for(server, receiver, protocol) as client:
            assert [m.doc_id for m in client.received()] == [receipt.doc_id]
    finally:
        server.stop()
