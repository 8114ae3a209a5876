"""Shared fixtures: the development PKI with its services on loopback, a SoftHSM2 token, a
throwaway PostgreSQL database (a fresh schema per use), and the ``edochub`` command
(:mod:`tests.helpers.cli`).

Everything here is real: certomancer issues the certificates and answers OCSP, CRL and time-stamp
requests over HTTP; SoftHSM2 is a real PKCS#11 module.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from signing import devpki
from tests.helpers.cli import CliResult, run_cli


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps its event loop running in the main
    thread for the whole session, so code calling ``asyncio.run`` there would fail after it."""
    items.sort(key=lambda item: Path(str(item.path)).parent.name == "web")


SOFTHSM_MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)


@pytest.fixture(scope="session")
def pki_listener() -> Iterator[socket.socket]:
    """The development PKI's port, listening from the moment it is chosen: chosen free at the
    session's start but bound only when a test first needs the services, it could be taken
    meanwhile by another test's server (which would then answer the PKI's requests)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory,
            pki_listener: socket.socket) -> devpki.DevPki:
    """A freshly built development PKI whose service URLs point at its own loopback port."""
    directory = tmp_path_factory.mktemp("dev-pki")
    return devpki.build(directory, f"http://127.0.0.1:{pki_listener.getsockname()[1]}")


@pytest.fixture(scope="session")
def pki_services(dev_pki: devpki.DevPki,
                 pki_listener: socket.socket) -> Iterator[devpki.DevPki]:
    """The PKI's OCSP, CRL and TSA endpoints, served for the whole test session."""
    with devpki.serving(dev_pki, pki_listener):
        yield dev_pki


@dataclass(frozen=True)
class CscServer:
    url: str
    #: credential id -> the PIN that authorises it
    pins: dict[str, str]


@pytest.fixture(scope="session")
def csc_server(pki_services: devpki.DevPki) -> Iterator[CscServer]:
    """``certomancer-csc-dummy`` (CSC API v1) over the development PKI, on loopback, for the
    whole session; the leaders' and the organization's credentials need their PINs
    (see ``tests/remote_services.py``)."""
    from tests.remote_services import credential, csc_service

    pins = {credential("leader-an"): "pin-an-2468", credential("leader-binh"): "pin-binh-8642",
            credential("org-h41"): "pin-h41-1357"}
    with csc_service(pki_services, pins) as url:
        yield CscServer(url, pins)


@dataclass(frozen=True)
class SoftHsmToken:
    module: str
    token_label: str
    pin_env: str
    pin: str
    conf: Path

    def key_args(self, key_label: str) -> list[str]:
        """The ``edochub sign`` arguments that select ``key_label`` on this token."""
        return ["--pkcs11-module", self.module, "--pkcs11-token", self.token_label,
                "--pkcs11-key", key_label, "--pkcs11-pin-env", self.pin_env]


def softhsm_module() -> str:
    for candidate in SOFTHSM_MODULE_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("SoftHSM2 is not installed: run `make test`, which installs softhsm2")


@pytest.fixture(scope="session")
def softhsm_token(dev_pki: devpki.DevPki,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    """A SoftHSM2 token standing in for a leader's USB token, holding ``leader-an``,
    ``leader-binh`` (ECDSA) and ``org-h41`` keys with their certificates (labels as in the PKI)."""
    from certomancer.integrations.alchemist import (
        Alchemist,
        DefaultAlchemistBackend,
        open_pkcs11_session,
    )
    from certomancer.registry import CertLabel

    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token = SoftHsmToken(module=softhsm_module(), token_label="edochub-test-token",
                         pin_env="EDOCHUB_TEST_TOKEN_PIN", pin="123456", conf=conf)
    os.environ[token.pin_env] = token.pin
    subprocess.run(
        [shutil.which("softhsm2-util") or "softhsm2-util", "--init-token", "--free",
         "--label", token.token_label, "--so-pin", "654321", "--pin", token.pin],
        check=True, capture_output=True,
    )
    arch = devpki.load_architecture(dev_pki.directory, dev_pki.url_prefix)
    with open_pkcs11_session(token.module, token_label=token.token_label,
                             pin=token.pin) as session:
        Alchemist(DefaultAlchemistBackend(session), arch).store_key_bundles(
            {CertLabel("leader-an"), CertLabel("leader-binh"), CertLabel("org-h41")}
        )
    yield token
    if old_conf is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old_conf


@pytest.fixture()
def cli():
    """``cli("verify", path)`` runs the real command in this process; ``process=True`` starts
    a child process instead (see :mod:`tests.helpers.cli`)."""
    def _run(*args: str | os.PathLike, env: dict[str, str] | None = None,
             cwd: Path | None = None, process: bool = False) -> CliResult:
        return run_cli(*args, env=env, cwd=cwd, process=process)
    return _run


# --- PostgreSQL (127.0.0.1:5432, user postgres) -----------------------------------------

@pytest.fixture()
def validators_opened(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every ``signing.validation.Validator`` opened during the test, in order (to see which
    calls reuse a kept validator and which open a new one)."""
    from signing.validation import Validator

    made: list[object] = []
    real = Validator.__aenter__

    async def counted(self: Validator) -> Validator:
        made.append(self)
        return await real(self)

    monkeypatch.setattr(Validator, "__aenter__", counted)
    return made


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, dropped afterwards; each test
    takes a fresh schema in it (:func:`tests.helpers.postgres.fresh_pg_schema`)."""
    import psycopg

    name = f"edochub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        # Each hub migrates with CREATE INDEX CONCURRENTLY, which waits for every older
        # transaction in this database, whatever its schema: a transaction a failed test left
        # open (a request thread still running after its server stopped) would hang the rest
        # of the session. Such a leftover is ended after a minute instead.
        conn.execute(f'ALTER DATABASE "{name}" SET idle_in_transaction_session_timeout = '
                     "'60s'")
    yield name
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture()
def small_disk(tmp_path):
    """A 1 MiB tmpfs: a real file system that fills up. Mounting needs root, as the suite runs
    (CI and README's command); elsewhere the test fails saying so rather than pass unrun."""
    import subprocess

    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs (run as root): {mounted.stderr}"
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)
