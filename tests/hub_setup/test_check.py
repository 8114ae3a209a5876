"""``edochub check``: all ✓ on a working hub; each thing broken alone gives its one ✗ line and
exit 1."""

from __future__ import annotations

import json

import pytest

from edochub.cli import main
from tests.hub_setup.support import (
    dead_url,
    encrypted_p12,
    expired_seal_p12,
    set_settings,
)


def check(hub, capsys: pytest.CaptureFixture, *options: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["check", "--config", str(hub.config), *options])
    return code, capsys.readouterr().out.splitlines()


def failed(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✗")]


def test_all_pass_on_a_working_hub(working_hub, capsys):
    code, lines = check(working_hub, capsys)
    assert code == 0, lines
    assert all(line.startswith("✓ ") for line in lines), lines
    names = [line[2:].partition(":")[0] for line in lines]
    for expected in ("agency", "database", "storage", "seal key", "leader key leader",
                     "trust anchors", "seal key certificate", "leader key leader certificate",
                     "seal identity", "time-stamping", "clock", "axis"):
        assert expected in names, (expected, lines)
    assert "names 000.00.00.H41" in lines[names.index("seal identity")]

    code, lines = check(working_hub, capsys, "--json")
    report = json.loads("\n".join(lines))
    assert code == 0 and report["ok"] is True
    assert {item["name"] for item in report["items"]} >= {"database", "axis", "clock"}


def test_wrong_pkcs12_password(working_hub, capsys, pki_services):
    # the seal's file protected by another password than the one the configuration names
    encrypted_p12(pki_services.p12("org-h41"), working_hub.directory / "keys" / "seal.p12",
                  password="another-password")
    code, lines = check(working_hub, capsys)
    assert code == 1
    [line] = failed(lines)
    assert line.startswith("✗ seal key: ") and "wrong password" in line
    assert "[keys] password_env" in line


def test_expired_seal_certificate(working_hub, capsys, pki_services):
    expired_seal_p12(pki_services, working_hub.directory / "keys" / "seal.p12")
    code, lines = check(working_hub, capsys)
    assert code == 1
    [line] = failed(lines)
    assert line.startswith("✗ seal key certificate: ") and "expired on 01/01/2023" in line


def test_seal_certificate_of_another_agency(working_hub, capsys, pki_services):
    encrypted_p12(pki_services.p12("org-g09"), working_hub.directory / "keys" / "seal.p12")
    code, lines = check(working_hub, capsys)
    assert code == 1
    [line] = failed(lines)
    assert line.startswith("✗ seal identity: ")
    assert "names 000.00.00.G09, not 000.00.00.H41" in line


def test_tsa_stopped(working_hub, capsys):
    set_settings(working_hub.config, {"tsa": {"url": dead_url()}})
    code, lines = check(working_hub, capsys)
    assert code == 1
    [line] = failed(lines)
    assert line.startswith("✗ time-stamping: ") and "gave no time-stamp" in line
    assert not any(line.startswith("✓ clock") for line in lines)  # nothing to compare with


def test_wrong_axis_secret(working_hub, capsys, monkeypatch):
    monkeypatch.setenv("H41_AXIS_SECRET", "not-the-secret")
    code, lines = check(working_hub, capsys)
    assert code == 1
    [line] = failed(lines)
    assert line.startswith("✗ axis: ") and "refused 000.00.00.H41" in line


def test_database_not_migrated(working_hub, capsys):
    empty = working_hub.directory / "data" / "empty.db"
    set_settings(working_hub.config, {"storage": {"database_url": f"sqlite:///{empty}"}})
    code, lines = check(working_hub, capsys)
    assert code == 1
    [line] = failed(lines)
    assert line.startswith("✗ database: ") and "is not migrated (empty)" in line
    assert f"edochub db upgrade --config {working_hub.config}" in line


def test_token_present_and_missing(working_hub, capsys, softhsm_token):
    set_settings(working_hub.config, {"sign_agent": {
        "pkcs11_module": softhsm_token.module, "pkcs11_token": softhsm_token.token_label,
        "pkcs11_key": "leader-an", "pin_env": softhsm_token.pin_env}})
    code, lines = check(working_hub, capsys)
    assert code == 0, lines
    assert any(line.startswith("✓ sign-agent token: ") for line in lines)

    set_settings(working_hub.config, {"sign_agent": {"pkcs11_token": "no-such-token"}})
    code, lines = check(working_hub, capsys)
    assert code == 1
    [line] = failed(lines)
    assert line.startswith("✗ sign-agent token: ") and "no PKCS#11 token labelled" in line


def test_remote_signing_accounts_answer_or_not(working_hub, capsys, csc_server):
    """Each leader's remote-signing account: its service (certomancer-csc-dummy on loopback)
    gives the credential's certificate without a PIN; an unknown credential or a service
    nobody answers at is its own ✗ line."""
    from tests.remote_services import credential

    accounts = {"leader": {"csc_url": csc_server.url, "credential": credential("leader-an")}}
    set_settings(working_hub.config, {"keys": {"leader_remote": accounts}})
    code, lines = check(working_hub, capsys)
    assert code == 0, lines
    [line] = [line for line in lines if line.startswith("✓ remote signing leader: ")]
    assert "Nguyễn Văn An" in line, line

    accounts["leader"]["credential"] = credential("no-such-official")
    accounts["deputy"] = {"csc_url": dead_url(), "credential": credential("leader-binh")}
    set_settings(working_hub.config, {"keys": {"leader_remote": accounts}})
    code, lines = check(working_hub, capsys)
    assert code == 1
    unknown, unreachable = failed(lines)
    assert unknown.startswith("✗ remote signing leader: ") and \
        "has no credential 'edochub-dev/no-such-official'" in unknown, unknown
    assert unreachable.startswith("✗ remote signing deputy: cannot reach the remote-signing "
                                  "service"), unreachable
    assert "leader_remote" in unreachable, unreachable
