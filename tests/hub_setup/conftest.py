"""A working hub folder for the setup tests: ``edochub init`` run in-process, then filled in
with the development PKI's keys, its TSA and a reference axis on loopback."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from edochub.cli import main
from tests.hub_setup.support import (
    ADMIN_PASSWORD,
    H41,
    P12_PASSWORD,
    P12_PASSWORD_ENV,
    HubFolder,
    fill_in,
    reference_axis,
)

HUB_VARIABLES = ("EDOCHUB_CONFIG", "DATABASE_URL", "EDOCHUB_DATA_DIR", "EDOCHUB_ORGAN_ID",
                 "EDOCHUB_TOKEN_KEY", "EDOCHUB_TOKEN_KEY_FILE", "EDOCHUB_AUDIT_KEY",
                 "EDOCHUB_AUDIT_KEY_FILE", "EDOCHUB_TRUST",
                 "EDOCHUB_TSA_URL", "EDOCHUB_AXIS_URL", "EDOCHUB_AXIS_SECRET",
                 "EDOCHUB_ORG_KEY", "EDOCHUB_FILE_STORE", "EDOCHUB_ADMIN_PASSWORD")


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No hub variable from the outside, and a current folder of this test's own."""
    for name in HUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.fixture()
def axis(tmp_path: Path) -> Iterator[tuple[str, object]]:
    with reference_axis(tmp_path / "axis") as running:
        yield running


@pytest.fixture()
def working_hub(clean_env, tmp_path: Path, pki_services, axis) -> HubFolder:
    """H41's hub as README's section leaves it: every ``edochub check`` item passes."""
    axis_url, core = axis
    code, name, abbreviation = H41
    axis_secret = secrets.token_urlsafe(16)
    core.add_agency(code, name, axis_secret)
    clean_env.setenv("H41_AXIS_SECRET", axis_secret)
    clean_env.setenv(P12_PASSWORD_ENV, P12_PASSWORD)
    clean_env.setenv("EDOCHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
    hub = HubFolder(tmp_path / "h41")
    assert main(["init", str(hub.directory), "--code", code, "--name", name,
                 "--abbreviation", abbreviation]) == 0
    clean_env.delenv("EDOCHUB_ADMIN_PASSWORD")
    fill_in(hub, pki_services, "org-h41", "leader-an", axis_url, "H41_AXIS_SECRET")
    return hub
