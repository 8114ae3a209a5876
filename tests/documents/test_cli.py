"""The register's commands, run as a user runs them: db upgrade, users add, audit verify."""

from __future__ import annotations

from sqlalchemy import text

from documents.adapters import db


def test_audit_verify_detects_a_changed_and_a_removed_entry(cli, database_url):
    env = {"DATABASE_URL": database_url, "NEW_PASSWORD": "mat-khau-rat-dai",
           "EDOCHUB_AUDIT_KEY": "an-audit-key-for-this-test-only"}
    assert cli("db", "upgrade", env=env).returncode == 0
    for name in ("an", "binh", "chi"):
        added = cli("users", "add", name, "--full-name", name.title(), "--role", "clerk",
                    "--password-env", "NEW_PASSWORD", env=env)
        assert added.returncode == 0, added.stderr
    duplicate = cli("users", "add", "an", "--full-name", "An", "--role", "clerk",
                    "--password-env", "NEW_PASSWORD", env=env)
    assert duplicate.returncode == 2
    assert duplicate.stderr.strip() == "edochub: user 'an' already exists"

    intact = cli("audit", "verify", env=env)
    assert intact.returncode == 0 and "intact: 3 entries" in intact.stdout

    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("update audit_log set actor = 'mallory' where id = 1"))
    changed = cli("audit", "verify", env=env)
    assert changed.returncode == 1
    assert "entry 1 was changed after it was written" in changed.stdout

    with engine.begin() as connection:
        connection.execute(text("delete from audit_log where id = 2"))
    removed = cli("audit", "verify", env=env)
    assert removed.returncode == 1 and "entries 2..2 are missing" in removed.stdout
    engine.dispose()


def test_missing_password_is_one_line(cli):
    """(The first-run errors of every command: tests/hub_setup/test_first_run.py.)"""
    weak = cli("users", "add", "x", "--full-name", "X", "--role", "clerk", "--password-env",
               "UNSET_VARIABLE_FOR_TEST", env={"DATABASE_URL": "sqlite:///nowhere.db"})
    assert weak.returncode == 2 and "UNSET_VARIABLE_FOR_TEST is empty" in weak.stderr


def test_serve_runs_one_hub_with_its_first_administrator(tmp_path):
    import os
    import subprocess
    import sys
    import time

    import httpx
    import pytest

    from tests.helpers.net import free_port

    port = free_port()
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "admin").write_text("mat-khau-quan-tri\n")
    env = {**os.environ, "EDOCHUB_ORGAN_ID": "000.00.00.H41", "EDOCHUB_DATA_DIR": str(tmp_path),
           "EDOCHUB_TOKEN_KEY": "a-token-key-for-this-test-only",
           "EDOCHUB_AUDIT_KEY": "an-audit-key-for-this-test-only",
           "EDOCHUB_ADMIN_PASSWORD_FILE": str(secrets_dir / "admin")}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "edochub", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read()
                if time.monotonic() > deadline:  # a wait's limit, not a speed check
                    pytest.fail("edochub serve did not start")
                time.sleep(0.2)
        assert httpx.get(f"{base}/users/me").status_code == 401
        token = httpx.post(f"{base}/auth/token", data={"username": "admin",
                                                       "password": "mat-khau-quan-tri"})
        assert token.status_code == 200, token.text
        me = httpx.get(f"{base}/users/me",
                       headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert me.json()["role"] == "admin"
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (tmp_path / "edochub.db").exists()
