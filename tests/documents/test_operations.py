"""Operations (issue 17): ``/healthz``, ``/readyz`` and ``/metrics`` on the hub and the axis,
and one request id from the hub's request to the axis's log line.

The readiness test runs a PostgreSQL cluster of its own (Debian's ``initdb``/``pg_ctl`` on a
free loopback port, as the ``postgres`` user) so that it can stop that server without
touching the one the other tests use.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edochub.demo import running
from tests.helpers.net import free_port

PG_BIN = next(Path("/usr/lib/postgresql").glob("*/bin"), None)


def _as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                   capture_output=True, timeout=120)


@pytest.fixture()
def private_postgres() -> Iterator[tuple[str, Path]]:
    """``(url, data dir)`` of a PostgreSQL server started for this test alone (in a folder the
    ``postgres`` user can reach: pytest's own temporary folders are private to root)."""
    assert PG_BIN is not None, "PostgreSQL server binaries (Debian postgresql) are missing"
    home = Path(tempfile.mkdtemp(prefix="edochub-pg-"))
    shutil.chown(home, "postgres", "postgres")
    data = home / "data"
    port = free_port()
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data.parent}"
    log = str(home / "server.log")  # not our pipe: the server would hold it open
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w",
                 "start")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    try:
        yield url, data
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",
                        str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def _clerk(world, code: str) -> httpx.Client:
    client = httpx.Client(base_url=world.urls[code], timeout=60)
    token = client.post("/auth/token", data={"username": "clerk",
                                              "password": world.passwords[code]["clerk"]})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def test_probes_metrics_and_a_request_id_from_hub_to_axis(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="edochub.access")
    with running(tmp_path / "world") as world:
        hub = httpx.Client(base_url=world.urls["000.00.00.H41"], timeout=60)
        assert hub.get("/healthz").json() == {"status": "alive"}
        ready = hub.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"ready": True, "checks": {"database": "ok", "storage": "ok",
                                                          "axis": "ok"}}
        axis = httpx.Client(base_url=world.axis_url, timeout=60)
        assert axis.get("/healthz").status_code == 200
        assert axis.get("/readyz").json()["ready"] is True

        clerk = _clerk(world, "000.00.00.H41")
        answer = clerk.post("/exchange/run", headers={"X-Request-ID": "trace-4f2a"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Request-ID"] == "trace-4f2a"
        def logged() -> set[tuple[str, str]]:
            return {(r.fields["service"], r.fields["route"]) for r in caplog.records
                    if getattr(r, "fields", {}).get("request_id") == "trace-4f2a"}

        # each server logs once its answer has gone out: give the lines a moment
        for _ in range(50):
            seen = logged()
            if ("hub:000.00.00.H41", "/exchange/run") in seen and \
                    any(service == "axis" for service, _ in seen):
                break
            time.sleep(0.1)
        assert ("hub:000.00.00.H41", "/exchange/run") in seen
        assert any(service == "axis" for service, _ in seen), seen  # the same id at the axis

        # an id that is not a short printable token is replaced, not logged as given
        odd = hub.get("/healthz", headers={"X-Request-ID": "x" * 300})
        assert odd.headers["X-Request-ID"] != "x" * 300

        metrics = hub.get("/metrics").text
        assert 'edochub_http_requests_total{method="POST",route="/exchange/run",' \
               'service="hub:000.00.00.H41",status="200"}' in metrics
        assert 'edochub_queue_depth{agency="000.00.00.H41",queue="outbox"}' in metrics
        assert "edochub_http_request_seconds_bucket" in axis.get("/metrics").text


def test_readiness_follows_the_database(tmp_path, private_postgres):
    url, data = private_postgres

    def database_url(code: str, home: Path) -> str:
        return url if code == "000.00.00.H41" else f"sqlite:///{home / 'edochub.db'}"

    with running(tmp_path / "world", database_url) as world:
        hub = httpx.Client(base_url=world.urls["000.00.00.H41"], timeout=60)
        assert hub.get("/readyz").status_code == 200
        clerk = _clerk(world, "000.00.00.H41")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        down = hub.get("/readyz")
        assert down.status_code == 503
        assert down.json()["ready"] is False
        assert down.json()["checks"]["database"] != "ok"
        assert down.json()["checks"]["storage"] == "ok"
        assert hub.get("/healthz").status_code == 200  # alive, though not ready
        # every kind of request that needs the database: one line, 503, no host or port named
        for answer in (clerk.get("/outgoing"),  # a route's own dependency
                       clerk.post("/exchange/run", json={}),  # the gate, before any body
                       hub.post("/auth/token", data={"username": "clerk", "password": "x"})):
            assert answer.status_code == 503, answer.text
            detail = answer.json()["detail"]
            assert detail.startswith("the database is unavailable"), detail
            assert "127.0.0.1" not in detail and "\n" not in detail
        port = url.rsplit(":", 1)[1].split("/")[0]
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o",
                     f"-p {port} -c listen_addresses=127.0.0.1 -k {data.parent}",
                     "-l", str(data.parent / "server.log"), "-w", "start")
        assert hub.get("/readyz").status_code == 200



def test_a_worker_round_carries_one_request_id_to_every_axis_call(tmp_path, caplog):
    """A background round (no request to take an id from) makes one of its own; its calls to
    the axis carry it, those made from its helper threads (fetch, acknowledge) included."""
    from documents.services import Worker
    from edochub.demo import RECEIVER, SENDER
    from tests.axis.axis_harness import Credentials, addressed

    caplog.set_level(logging.INFO, logger="edochub.access")
    caplog.set_level(logging.INFO, logger="documents.services.exchange")
    with running(tmp_path / "world") as world:
        sender = world.hubs[SENDER]
        for number in range(3):  # three real SDK envelopes waiting for the receiver
            envelope = addressed("edoc_new.edxml", Credentials(SENDER, "", ""),
                                 Credentials(RECEIVER, "", ""), tmp_path)
            sender.axis.send(envelope.read_bytes(), "edoc", f"round-{number}")
        Worker(world.hubs[RECEIVER]).run_once()

        (done,) = [r for r in caplog.records if r.getMessage() == "exchange round"]
        round_id = done.fields["request_id"]
        assert done.fields["collected"] == 3

        def at_the_axis() -> list[str]:
            return [r.fields["route"] for r in caplog.records
                    if getattr(r, "fields", {}).get("service") == "axis"
                    and r.fields.get("request_id") == round_id]

        for _ in range(50):  # the axis logs once its answer has gone out
            if at_the_axis().count("/vxp/updateStatus") == 3:
                break
            time.sleep(0.1)
        routes = at_the_axis()
        assert routes.count("/vxp/getReceivedEdocList") >= 1
        assert routes.count("/vxp/getEdoc") == 3 and routes.count("/vxp/updateStatus") == 3
