"""Two reference axis instances (two ``edochub axis serve`` processes) that share nothing but one
PostgreSQL database and one S3 bucket: any instance answers any request, and one killed in the
middle of an upload or of a delivery loses nothing and doubles nothing.

The object store is moto's S3 server on loopback, standing in for a real S3-compatible service
(MinIO, Ceph, AWS S3): the axis talks to it over HTTP with boto3 exactly as it would to those.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree
from sqlalchemy import select

from axis.errors import AxisUnavailable, InvalidRequest
from axis.protocol.vxp_signing import hash_file_hex, signed_headers
from axis.server.app import ServerConfig, open_core
from axis.server.core import AxisCore, Settings
from axis.server.models import Delivery, Message
from axis.transports.base import AxisClient
from axis.transports.local import LocalTransport
from tests.axis.axis_harness import (
    AxisServer,
    Credentials,
    addressed,
    client_for,
    create_postgres_database,
    drop_postgres_database,
    wait_until,
    zeep_client,
)
from tests.helpers.net import free_port

BUCKET = "edochub-axis"
PREFIX = "envelopes/"


@pytest.fixture(scope="module")
def object_store() -> Iterator[str]:
    """moto's S3 server on a loopback port (a stand-in for a real S3 service); its URL."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as env:
        # moto accepts any credentials; these are not secrets. The axis processes inherit them.
        env.setenv("AWS_ACCESS_KEY_ID", "test")
        env.setenv("AWS_SECRET_ACCESS_KEY", "test")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        yield endpoint
    server.stop()


@dataclass
class Instances:
    a: AxisServer
    b: AxisServer
    endpoint: str

    def stored_doc_ids(self) -> set[str]:
        """The doc ids of every envelope in the bucket."""
        import boto3

        pages = boto3.client("s3", endpoint_url=self.endpoint).get_paginator(
            "list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX)
        return {item["Key"][len(PREFIX):].removesuffix(".edxml")
                for page in pages for item in page.get("Contents", ())}

    def committed_doc_ids(self) -> set[str]:
        with self.a.core().sessions() as session:
            return set(session.scalars(select(Message.doc_id)))

    def assert_one_envelope_per_message(self) -> None:
        assert self.stored_doc_ids() == self.committed_doc_ids()
        for server in (self.a, self.b):  # shared nothing on local disk
            assert not (server.data_dir / "messages").exists()


@pytest.fixture(scope="module")
def instances(object_store: str, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Instances]:
    """Two axis processes started together (they migrate the fresh database one by one)."""
    db_url = create_postgres_database()
    servers = [AxisServer(tmp_path_factory.mktemp(f"axis-{name}"), db_url,
                          store=f"s3://{BUCKET}/{PREFIX}", s3_endpoint_url=object_store)
               for name in "ab"]
    for server in servers:
        server.launch()
    try:
        for server in servers:
            server.wait_ready()
        yield Instances(*servers, object_store)
    finally:
        for server in servers:
            server.stop()
        drop_postgres_database(db_url)


def _agencies(instances: Instances) -> tuple[Credentials, Credentials]:
    return instances.a.add_agency(), instances.b.add_agency()


@pytest.mark.parametrize("protocol", ["soap", "http"])
def test_a_send_through_one_instance_is_received_through_the_other(
        instances: Instances, protocol: str, tmp_path: Path) -> None:
    sender, receiver = _agencies(instances)
    document = addressed("edoc_new.edxml", sender, receiver, tmp_path)
    with client_for(instances.a, sender, protocol) as client:
        receipt = client.send(document)
    with client_for(instances.b, receiver, protocol) as client:
        assert [m.doc_id for m in client.received()] == [receipt.doc_id]
        client.fetch(receipt.doc_id, tmp_path / "got.edxml")
        client.acknowledge(receipt.doc_id)
    assert (tmp_path / "got.edxml").read_bytes() == document.read_bytes()
    with client_for(instances.a, receiver, protocol) as client:
        assert client.received() == ()
    with client_for(instances.b, sender, protocol) as client:
        (sent,) = client.sent()
    assert [(r.recipient, r.state) for r in sent.recipients] == [(receiver.code, "done")]
    assert receipt.doc_id in instances.stored_doc_ids()
    instances.assert_one_envelope_per_message()
    for server in (instances.a, instances.b):
        ready = httpx.get(f"{server.base_url}/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["storage"] == "ok"


def _send_headers(sender: Credentials, data: bytes, message_id: str) -> dict[str, str]:
    return signed_headers({
        "from": sender.code, "systemid": sender.code, "servicetype": "eDoc",
        "hash-file": hash_file_hex(hashlib.sha256(data).digest()), "messageid": message_id,
        "timestamp": "x", "Content-Type": "application/octet-stream"}, sender.secret)


def _restart_after_its_lease(server: AxisServer, leftovers: set[Path]) -> None:
    """Age a killed instance's leftovers past the upload lease, restart it, and wait for the
    purge it runs at start to remove them."""
    past_the_lease = time.time() - 2 * Settings().upload_lease.total_seconds()
    for path in leftovers:
        os.utime(path, (past_the_lease, past_the_lease))
    server.start()
    wait_until(lambda: not any(path.exists() for path in leftovers))


def test_an_instance_killed_mid_upload_loses_nothing_and_the_retry_lands_once(
        instances: Instances, tmp_path: Path) -> None:
    a, b = instances.a, instances.b
    sender, receiver = _agencies(instances)
    document = addressed("edoc_new.edxml", sender, receiver, tmp_path)
    data = document.read_bytes()
    staging = a.data_dir / "staging"
    before = set(staging.glob("incoming-*.part"))

    def slow_body() -> Iterator[bytes]:
        yield data[:1024]
        wait_until(lambda: set(staging.glob("incoming-*.part")) - before)  # A is receiving
        a.kill()
        yield data[1024:]

    with pytest.raises(httpx.TransportError):
        httpx.post(f"{a.base_url}/vxp/sendEdoc", content=slow_body(),
                   headers=_send_headers(sender, data, "killed-upload"), timeout=30)
    half_received = set(staging.glob("incoming-*.part")) - before
    assert len(half_received) == 1  # SIGKILL: nothing ran to clean it

    with client_for(b, receiver, "http") as client:
        assert client.received() == ()  # nothing half-stored is ever offered
    with client_for(b, sender, "http") as client:
        assert client.sent() == ()
        receipt = client.send(document, message_id="killed-upload")  # the sender's retry
    assert not receipt.duplicate

    _restart_after_its_lease(a, half_received)
    with client_for(a, receiver, "http") as client:
        assert [m.doc_id for m in client.received()] == [receipt.doc_id]
        client.fetch(receipt.doc_id, tmp_path / "got.edxml")
        client.acknowledge(receipt.doc_id)
    assert (tmp_path / "got.edxml").read_bytes() == data
    with client_for(b, sender, "http") as client:
        (sent,) = client.sent()
    assert [(r.recipient, r.state) for r in sent.recipients] == [(receiver.code, "done")]
    instances.assert_one_envelope_per_message()


def test_an_instance_killed_mid_delivery_then_the_retry_delivers_once(
        instances: Instances, tmp_path: Path) -> None:
    a, b = instances.a, instances.b
    sender, receiver = _agencies(instances)
    big = tmp_path / "big.edxml"  # larger than the sockets' buffers: A is cut mid-stream
    big.write_bytes(addressed("edoc_new.edxml", sender, receiver, tmp_path).read_bytes()
                    + b" " * (24 << 20))
    with client_for(b, sender, "http") as client:
        receipt = client.send(big)

    headers = signed_headers({"docid": receipt.doc_id, "systemid": receiver.code,
                              "timestamp": "x", "Content-Type": "application/json"},
                             receiver.secret)
    with httpx.stream("POST", f"{a.base_url}/vxp/getEdoc", headers=headers,
                      timeout=30) as response:
        assert response.status_code == 200
        chunks = response.iter_bytes()
        received = len(next(chunks))
        a.kill()
        with pytest.raises(httpx.TransportError):
            for chunk in chunks:
                received += len(chunk)
    assert received < len(big.read_bytes())  # the answer was cut off, so never acknowledged

    with client_for(b, receiver, "http") as client:  # the receiver's retry, through B
        assert [m.doc_id for m in client.received()] == [receipt.doc_id]
        client.fetch(receipt.doc_id, tmp_path / "got.edxml")
        client.acknowledge(receipt.doc_id)
    assert (tmp_path / "got.edxml").read_bytes() == big.read_bytes()

    a.start()
    with client_for(a, receiver, "http") as client:
        assert client.received() == ()  # delivered once: not offered again anywhere
    with client_for(a, sender, "http") as client:
        (sent,) = client.sent()
    assert [(r.recipient, r.state) for r in sent.recipients] == [(receiver.code, "done")]
    instances.assert_one_envelope_per_message()


def _at_once(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` in threads released together; each result or the exception it raised."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_send_through_both_instances_at_once_is_stored_once(
        instances: Instances, tmp_path: Path) -> None:
    sender, receiver = _agencies(instances)
    document = addressed("status_processing_05.edxml", sender, receiver, tmp_path)

    def send_through(server: AxisServer) -> Callable[[], object]:
        def send() -> object:
            with client_for(server, sender, "http") as client:
                return client.send(document, message_id="both-at-once")
        return send

    first, second = _at_once(send_through(instances.a), send_through(instances.b))
    assert first.doc_id == second.doc_id
    assert sorted([first.duplicate, second.duplicate]) == [False, True]
    with client_for(instances.b, receiver, "http") as client:
        assert [m.doc_id for m in client.received()] == [first.doc_id]
    instances.assert_one_envelope_per_message()  # the loser's upload was removed


def test_acknowledgements_through_both_instances_at_once_take_one_state(
        instances: Instances, tmp_path: Path) -> None:
    sender, receiver = _agencies(instances)
    with client_for(instances.a, sender, "http") as client:
        receipts = [client.send(addressed("edoc_revocation.edxml", sender, receiver, tmp_path))
                    for _ in range(8)]

    def acknowledge_through(server: AxisServer, doc_id: str, state: str
                            ) -> Callable[[], object]:
        def acknowledge() -> object:
            with client_for(server, receiver, "http", attempts=1) as client:
                client.acknowledge(doc_id, state)
            return state
        return acknowledge

    for receipt in receipts:  # done through A and fail through B, released together
        results = _at_once(acknowledge_through(instances.a, receipt.doc_id, "done"),
                           acknowledge_through(instances.b, receipt.doc_id, "fail"))
        won = [r for r in results if isinstance(r, str)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], InvalidRequest) and "already acknowledged" in str(lost[0])
        with client_for(instances.b, sender, "http") as client:
            (sent,) = [s for s in client.sent() if s.doc_id == receipt.doc_id]
        assert [r.state for r in sent.recipients] == won


def test_a_soap_nonce_used_on_one_instance_is_refused_on_the_other(
        instances: Instances) -> None:
    agency = instances.a.add_agency()
    service = zeep_client(instances.a, agency)
    captured = etree.tostring(service.create_message(service.service, "ListAgencies"))
    answers = [httpx.post(f"{server.base_url}/soap", content=captured,
                          headers={"Content-Type": "text/xml; charset=utf-8"})
               for server in (instances.a, instances.b)]
    assert answers[0].status_code == 200
    assert answers[1].status_code == 500
    assert etree.fromstring(answers[1].content).findtext(".//faultcode") == \
        "axis:REPLAYED_REQUEST"


@pytest.fixture()
def in_process(instances: Instances) -> Iterator[Callable[[Path, Settings], AxisCore]]:
    """Axis cores in this process on the instances' database and bucket (closed after)."""
    cores: list[AxisCore] = []

    def core(data_dir: Path, settings: Settings) -> AxisCore:
        cores.append(open_core(ServerConfig(
            data_dir=data_dir, db_url=instances.a.db_url, store=f"s3://{BUCKET}/{PREFIX}",
            s3_endpoint_url=instances.endpoint, settings=settings)))
        return cores[-1]

    yield core
    for opened in cores:
        opened.sessions.kw["bind"].dispose()


def test_two_instances_purging_at_once_each_claim_their_own_messages(
        instances: Instances, in_process, tmp_path: Path) -> None:
    settings = Settings(retention=timedelta(0))
    one, other = in_process(tmp_path / "one", settings), in_process(tmp_path / "other", settings)
    sender, receiver = _agencies(instances)
    province = AxisClient(LocalTransport(one, sender.code))
    ministry = AxisClient(LocalTransport(other, receiver.code))
    sent = [province.send(addressed("status_inbox_01.edxml", sender, receiver, tmp_path),
                          message_id=f"purge-{i}") for i in range(30)]
    for receipt in sent:
        ministry.acknowledge(receipt.doc_id, "done")
    with one.sessions() as session:  # these, and what earlier tests saw acknowledged
        acknowledged = set(session.scalars(select(Message.doc_id).where(
            Message.doc_id.not_in(select(Delivery.doc_id).where(Delivery.state == "pending")))))
    assert {r.doc_id for r in sent} <= acknowledged

    purged = _at_once(lambda: one.purge(batch=4), lambda: other.purge(batch=4))
    assert not [p for p in purged if isinstance(p, Exception)], purged
    assert sum(purged) == len(acknowledged)  # each claimed by one of them, none twice
    assert not acknowledged & instances.committed_doc_ids()
    instances.assert_one_envelope_per_message()


def test_a_purge_removes_only_leftovers_older_than_the_lease(
        instances: Instances, in_process, tmp_path: Path) -> None:
    import boto3

    core = in_process(tmp_path, Settings())
    s3 = boto3.client("s3", endpoint_url=instances.endpoint)
    orphan = f"{PREFIX}00000000-0000-4000-8000-000000000000.edxml"  # stored, row never made
    s3.put_object(Bucket=BUCKET, Key=orphan, Body=b"<edXML")
    half_received = core.store.stage()  # an upload under way
    half_received.write(b"<edXML")

    core.purge()
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=orphan)["KeyCount"] == 1
    assert half_received.path.exists()  # both may still be another server's work

    core.settings = Settings(upload_lease=timedelta(0))
    core.purge()
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=orphan)["KeyCount"] == 0
    assert not half_received.path.exists()
    instances.assert_one_envelope_per_message()


def test_a_failed_upload_removes_its_own_staging_file(instances: Instances,
                                                      tmp_path: Path) -> None:
    sender, receiver = _agencies(instances)
    data = addressed("edoc_new.edxml", sender, receiver, tmp_path).read_bytes()
    staging = instances.b.data_dir / "staging"
    wrong = _send_headers(sender, data + b"tampered", "bad-hash")
    answer = httpx.post(f"{instances.b.base_url}/vxp/sendEdoc", content=data, headers=wrong)
    assert answer.json()["ErrorCode"] == "HASH_MISMATCH"
    assert list(staging.glob("incoming-*.part")) == []


def test_a_sender_hanging_up_mid_upload_leaves_no_staging_file(instances: Instances,
                                                               tmp_path: Path) -> None:
    sender, receiver = _agencies(instances)
    data = addressed("edoc_new.edxml", sender, receiver, tmp_path).read_bytes()
    staging = instances.b.data_dir / "staging"

    class HangUp(Exception):
        pass

    def body() -> Iterator[bytes]:
        yield data[:1024]
        wait_until(lambda: any(staging.glob("incoming-*.part")))
        raise HangUp  # the client stops mid-body and closes its connection

    with pytest.raises(HangUp):
        httpx.post(f"{instances.b.base_url}/vxp/sendEdoc", content=body(),
                   headers=_send_headers(sender, data, "hung-up"), timeout=30)
    wait_until(lambda: not any(staging.glob("incoming-*.part")))  # the upload cleaned it


def test_an_unusable_store_is_one_clear_line(tmp_path: Path, capsys) -> None:
    from edochub.cli import main

    data_dir = tmp_path / "axis"
    for spec, message in (("ftp://host/x", "unsupported message store 'ftp://host/x'"),
                          ("s3:///prefix", "no bucket in message store 's3:///prefix'")):
        assert main(["axis", "serve", "--data-dir", str(data_dir), "--store", spec]) == 2
        assert capsys.readouterr().err.strip().startswith(f"edochub: {message}")
    assert not data_dir.exists()


def test_an_object_store_that_is_down_answers_503_and_the_retry_lands_once(
        object_store: str, tmp_path: Path) -> None:
    """The bucket gone mid-service: the send is refused in one line as worth retrying (503,
    AXIS_UNAVAILABLE), nothing is committed, readiness says why; once the store is back the
    sender's retry with the same message id is stored once and delivered."""
    import boto3

    # moto keeps one set of buckets per process, whichever of its servers is asked
    bucket, db_url = f"edochub-outage-{uuid.uuid4().hex[:8]}", create_postgres_database()
    s3 = boto3.client("s3", endpoint_url=object_store)
    s3.create_bucket(Bucket=bucket)
    server = AxisServer(tmp_path / "axis", db_url, store=f"s3://{bucket}/{PREFIX}",
                        s3_endpoint_url=object_store)
    try:
        server.start()
        sender, receiver = server.add_agency(), server.add_agency()
        document = addressed("edoc_new.edxml", sender, receiver, tmp_path)
        data = document.read_bytes()
        s3.delete_bucket(Bucket=bucket)

        answer = httpx.post(f"{server.base_url}/vxp/sendEdoc", content=data,
                            headers=_send_headers(sender, data, "during-outage"), timeout=30)
        assert answer.status_code == 503
        said = answer.json()
        assert said["status"] == "FAIL" and said["ErrorCode"] == "AXIS_UNAVAILABLE"
        assert "message store refused" in said["ErrorDesc"] and "NoSuchBucket" in said["ErrorDesc"]
        assert "\n" not in said["ErrorDesc"] and "Traceback" not in answer.text
        with server.core().sessions() as session:
            assert session.scalars(select(Message)).all() == []  # nothing committed
        ready = httpx.get(f"{server.base_url}/readyz")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"] == "ok"
        assert checks["storage"].startswith("AxisUnavailable: message store")
        with client_for(server, sender, "http", attempts=1) as client, \
                pytest.raises(AxisUnavailable, match="HTTP 503: message store refused"):
            client.send(document, message_id="during-outage")  # our client: the server's words

        s3.create_bucket(Bucket=bucket)
        with client_for(server, sender, "http") as client:
            receipt = client.send(document, message_id="during-outage")
        assert not receipt.duplicate
        with client_for(server, receiver, "http") as client:
            assert [m.doc_id for m in client.received()] == [receipt.doc_id]
            client.fetch(receipt.doc_id, tmp_path / "got.edxml")
        assert (tmp_path / "got.edxml").read_bytes() == data
    finally:
        server.stop()
        drop_postgres_database(db_url)
