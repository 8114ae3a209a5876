"""The register's commands, run as a user runs them: db upgrade, users add, audit verify."""

from __future__ import annotations

from sqlalchemy import text

from documents import db


def test_audit_verify_detects_a_changed_and_a_removed_entry(cli, database_url):
    env = {"DATABASE_URL": database_url, "NEW_PASSWORD": "mat-khau-rat-dai"}
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


def test_missing_configuration_is_one_line(cli):
    answer = cli("audit", "verify", env={"DATABASE_URL": ""})
    assert answer.returncode == 2
    assert answer.stderr.strip() == "edochub: DATABASE_URL is not set"
    weak = cli("users", "add", "x", "--full-name", "X", "--role", "clerk", "--password-env",
               "UNSET_VARIABLE_FOR_TEST", env={"DATABASE_URL": "sqlite:///nowhere.db"})
    assert weak.returncode == 2 and "UNSET_VARIABLE_FOR_TEST is empty" in weak.stderr
