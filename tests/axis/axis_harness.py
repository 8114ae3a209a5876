"""A real reference axis for tests: ``edochub axis serve`` in a child process on a free loopback
port, over SQLite or a throwaway PostgreSQL database, and agencies registered on it."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from axis import edxml
from axis.server import new_kek
from axis.server.core import AxisCore
from tests.helpers.net import free_port

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: the key that encrypts agency secrets at rest, one per test session (child servers inherit it)
os.environ.setdefault("EDOCHUB_AXIS_KEK", new_kek())


_numbers = itertools.count(random.randrange(1000))


def fresh_code(level1: str = "H41") -> str:
    """A four-level agency code no other agency of this test session has."""
    number = next(_numbers)
    return f"{number % 1000:03d}.{number // 1000 % 100:02d}.{random.randrange(100):02d}.{level1}"


@dataclass(frozen=True)
class Credentials:
    code: str
    secret: str
    secret_env: str

    def cli_args(self, server: AxisServer, protocol: str) -> list[str]:
        return ["--axis", server.base_url, "--protocol", protocol, "--as", self.code,
                "--secret-env", self.secret_env]


@dataclass
class AxisServer:
    data_dir: Path
    db_url: str | None = None
    extra_args: tuple[str, ...] = ()
    #: ``s3://bucket/prefix`` to keep envelopes in an object store (at ``s3_endpoint_url``).
    store: str | None = None
    s3_endpoint_url: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    _core: AxisCore | None = field(default=None, init=False, repr=False)
    _log: Path | None = field(default=None, init=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def storage_args(self) -> list[str]:
        return ["--data-dir", str(self.data_dir), *(["--db", self.db_url] if self.db_url else [])]

    def store_args(self) -> list[str]:
        return [*(["--store", self.store] if self.store else []),
                *(["--s3-endpoint-url", self.s3_endpoint_url] if self.s3_endpoint_url else [])]

    def start(self) -> AxisServer:
        return self.launch().wait_ready()

    def launch(self) -> AxisServer:
        """Start the process without waiting for it (see ``wait_ready``)."""
        self._log = self.data_dir.with_suffix(".log")
        with open(self._log, "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "edochub", "axis", "serve", "--port", str(self.port),
                 *self.storage_args(), *self.store_args(), *self.extra_args],
                stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self) -> AxisServer:
        assert self.process is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"axis server exited: see {self._log}")
            try:
                httpx.get(f"{self.base_url}/soap?wsdl", timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("axis server did not start within 30 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self._core is not None:
            self._core.sessions.kw["bind"].dispose()
            self._core = None

    def add_agency(self, name: str = "Cơ quan thử nghiệm", parent: str | None = None, *,
                   operator: bool = False, level1: str = "H41") -> Credentials:
        """A fresh agency with a random secret, registered through ``edochub axis agency add``'s
        own code path (the core on the server's database)."""
        agency = Credentials(code=fresh_code(level1),
                            secret=uuid.uuid4().hex, secret_env=f"AXIS_SECRET_{uuid.uuid4().hex}")
        os.environ[agency.secret_env] = agency.secret
        self.core().add_agency(agency.code, name, agency.secret, parent, operator=operator)
        return agency

    def core(self) -> AxisCore:
        """The server's core opened on its database from the test process (one pool)."""
        if self._core is None:
            from axis.server import ServerConfig, Settings, kek_from_env, open_core

            self._core = open_core(ServerConfig(data_dir=self.data_dir, db_url=self.db_url,
                                                store=self.store,
                                                s3_endpoint_url=self.s3_endpoint_url,
                                                settings=Settings(secrets_key=kek_from_env())))
        return self._core


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Poll ``condition`` until it holds (a wait for another process, not a timing check)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds} s: {condition}")
        time.sleep(0.05)


def samples() -> Path:
    """The conformance samples (imported late: ``tests/axis/conftest.py`` imports this module)."""
    from tests.helpers.edxml import find_samples

    return find_samples()


def addressed(sample: str, sender: Credentials, recipients: list[Credentials] | Credentials,
              directory: Path) -> Path:
    """A copy of a real sample envelope whose ``From`` is ``sender`` and whose recipients (To,
    or a status's ResponseFor agency) are ``recipients``; every other byte is the sample's."""
    recipients = recipients if isinstance(recipients, list) else [recipients]
    original = samples() / sample
    routing = edxml.peek_routing(original)
    mapping = {routing.sender: sender.code} | {
        code: recipients[min(i, len(recipients) - 1)].code
        for i, code in enumerate(routing.recipients)}
    data = original.read_bytes()
    for old, new in mapping.items():
        data = data.replace(f">{old}<".encode(), f">{new}<".encode())
    target = directory / f"{uuid.uuid4().hex[:8]}-{sample}"
    target.write_bytes(data)
    return target


def create_postgres_database() -> str:
    """A throwaway PostgreSQL database; returns its SQLAlchemy URL."""
    import psycopg

    name = f"edochub_axis_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def axis_server(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[AxisServer]:
    """A running reference axis over SQLite, then over a throwaway PostgreSQL database."""
    db_url = create_postgres_database() if request.param == "postgresql" else None
    server = AxisServer(tmp_path_factory.mktemp(f"axis-{request.param}"), db_url).start()
    yield server
    server.stop()
    if db_url:
        drop_postgres_database(db_url)


def zeep_client(server: AxisServer, agency: Credentials, **token: object):
    """A plain zeep client generated from the WSDL the server publishes (shares no code with
    the project), signing with a WS-Security UsernameToken digest."""
    import zeep
    from zeep.wsse.username import UsernameToken

    return zeep.Client(f"{server.base_url}/soap?wsdl",
                       wsse=UsernameToken(agency.code, agency.secret, use_digest=True, **token))


def client_for(server: AxisServer, agency: Credentials, protocol: str, **options: object):
    from axis.transports import connect

    return connect(server.base_url, protocol, agency.code, agency.secret, **options)
