"""The tests' way of running ``edochub`` (tests/helpers/cli.py): in this process it answers as
the command does in a process of its own (exit code, stdout, stderr), applies ``env`` and
``cwd`` for the call only, and leaves logging as it found it."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from tests.helpers.cli import run_cli, run_cli_process
from tests.pdf_samples import simple_pdf


@pytest.mark.parametrize("args", [
    ("--help",),
    ("no-such-command",),
    ("sign", "in.pdf"),
    ("audit", "verify"),
])
def test_in_process_answers_as_the_process_does(args, tmp_path):
    env = {"DATABASE_URL": ""}
    inside = run_cli(*args, env=env, cwd=tmp_path)
    outside = run_cli_process(*args, env=env, cwd=tmp_path)
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        outside.returncode, outside.stdout, outside.stderr)


def test_env_and_cwd_apply_for_the_call_only(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///kept.db")
    monkeypatch.delenv("NEW_PASSWORD", raising=False)
    before = os.getcwd()
    added = run_cli("users", "add", "an", "--full-name", "An", "--role", "clerk",
                    "--password-env", "NEW_PASSWORD", cwd=tmp_path,
                    env={"DATABASE_URL": "sqlite:///relative.db",
                         "NEW_PASSWORD": "mat-khau-rat-dai",
                         "EDOCHUB_AUDIT_KEY": "an-audit-key-for-this-test-only"})
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "relative.db").exists()  # relative to cwd, from env
    assert os.environ["DATABASE_URL"] == "sqlite:///kept.db"
    assert "NEW_PASSWORD" not in os.environ
    assert os.getcwd() == before


def test_logger_levels_set_by_a_command_do_not_outlive_it(tmp_path):
    pyhanko = logging.getLogger("pyhanko")  # verify silences it (quiet_libraries)
    level = pyhanko.level
    pyhanko.setLevel(logging.INFO)
    try:
        done = run_cli("verify", tmp_path / "missing.pdf", "--trust", tmp_path / "missing.pem")
        assert done.returncode == 2
        assert pyhanko.level == logging.INFO
    finally:
        pyhanko.setLevel(level)


def test_runs_where_an_event_loop_is_running(dev_pki, tmp_path):
    """As in the browser tests (Playwright's loop runs in the main thread): the command's own
    ``asyncio.run`` still works."""
    (tmp_path / "plain.pdf").write_bytes(simple_pdf("no signature"))
    args = ("verify", tmp_path / "plain.pdf", *(arg for root in dev_pki.trust_roots
                                                for arg in ("--trust", root)))

    async def inside_a_loop():
        return run_cli(*args)

    done = asyncio.run(inside_a_loop())
    assert (done.returncode, done.stderr) == (4, "")
    assert done.stdout.strip() == f"{tmp_path / 'plain.pdf'}: no signature"
