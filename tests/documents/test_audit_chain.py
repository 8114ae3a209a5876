"""The audit log's chain is keyed and anchored (issue 13, item 7). An attacker who can write a
copy of the database edits an entry and recomputes the chain as plain SHA-256 (the old scheme):
``edochub audit verify`` fails. Even with the key, a rewrite of what an RFC 3161 anchor covers is
seen. The key itself is never in the database."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import sqlite3

# pyHanko's CMS attributes registered before this module's in-process TSA names any: asn1crypto
# caches its attribute names at first use, and later signing needs ``commitment_type`` in it
import pyhanko.sign.ades.cades_asn1  # noqa: F401
import pytest

KEY = "an-audit-key-for-this-test-only"


def _rechain(database, digest) -> None:  # noqa: ANN001
    """Recompute every entry's hash and the head, as an attacker would, with ``digest``
    (prev_hash, canonical body → hex)."""
    from sqlalchemy import select

    from documents.adapters import db
    from documents.adapters.models import AuditEntry, AuditHead

    engine = db.make_engine(f"sqlite:///{database}")
    with db.transaction(db.session_factory(engine)) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        for entry in entries:  # prev_hash is unique: out of the way first
            entry.prev_hash = f"tmp-{entry.id}"
        session.flush()
        previous = "0" * 64
        for entry in entries:
            body = json.dumps({"id": entry.id, "at": entry.at.isoformat(timespec="microseconds"),
                               "actor": entry.actor, "action": entry.action,
                               "entity": entry.entity, "entity_id": entry.entity_id,
                               "document_hash": entry.document_hash, "details": entry.details},
                              sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            entry.prev_hash, entry.entry_hash = previous, digest(previous, body)
            previous = entry.entry_hash
        session.get(AuditHead, 1).last_hash = previous
    engine.dispose()


def _plain(previous: str, body: str) -> str:
    return hashlib.sha256(f"{previous}\n{body}".encode()).hexdigest()


def _keyed(previous: str, body: str) -> str:
    return hmac.new(KEY.encode(), f"{previous}\n{body}".encode(), hashlib.sha256).hexdigest()


@pytest.fixture()
def anchored_log(cli, pki_services, tmp_path):
    database = tmp_path / "register.db"
    env = {"DATABASE_URL": f"sqlite:///{database}", "NEW_PASSWORD": "mat-khau-rat-dai",
           "EDOCHUB_AUDIT_KEY": KEY, "EDOCHUB_TRUST": str(pki_services.cert("pub-root"))}
    for name in ("an", "binh"):
        added = cli("users", "add", name, "--full-name", name.title(), "--role", "clerk",
                    "--password-env", "NEW_PASSWORD", env=env)
        assert added.returncode == 0, added.stderr
    anchored = cli("audit", "anchor", "--tsa", pki_services.tsa_url, env=env)
    assert anchored.returncode == 0, anchored.stderr
    assert anchored.stdout.startswith("audit log anchored: entry 2 time-stamped by ")
    added = cli("users", "add", "chi", "--full-name", "Chi", "--role", "clerk",
                "--password-env", "NEW_PASSWORD", env=env)
    assert added.returncode == 0, added.stderr
    return database, env


def test_verify_checks_the_keyed_chain_and_the_anchor(cli, anchored_log):
    database, env = anchored_log
    intact = cli("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert intact.stdout.startswith("audit log intact: 4 entries; last anchored at entry 2 by "
                                    "a time-stamp of ")
    assert KEY.encode() not in database.read_bytes()
    wrong_key = cli("audit", "verify", env={**env, "EDOCHUB_AUDIT_KEY": "another-key"})
    assert wrong_key.returncode == 1
    assert "entry 1 was changed after it was written (or the audit key is not this log's)" \
        in wrong_key.stdout


@pytest.mark.parametrize("rechain", [_plain, _keyed], ids=["plain-sha256", "with-the-key"])
def test_an_edited_copy_with_a_recomputed_chain_fails_verification(cli, anchored_log,
                                                                  tmp_path, rechain):
    database, env = anchored_log
    copy = tmp_path / "copy.db"
    shutil.copy(database, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("update audit_log set actor = 'mallory' where id = 1")
    _rechain(copy, rechain)
    forged = cli("audit", "verify", env={**env, "DATABASE_URL": f"sqlite:///{copy}"})
    assert forged.returncode == 1
    if rechain is _plain:
        assert "BROKEN: entry 1 was changed after it was written" in forged.stdout
    else:  # whoever holds the key still cannot move what the time-stamp covers
        assert forged.stdout.splitlines()[0] == (
            "BROKEN: entry 2 is not the entry time-stamped by anchor 3: the log was rewritten "
            "up to it")
    assert cli("audit", "verify", env=env).returncode == 0  # the original is untouched


def test_anchor_with_an_untrusted_time_stamp_is_reported(cli, anchored_log, dev_pki):
    database, env = anchored_log
    wrong_root = cli("audit", "verify", "--tsa-trust", str(dev_pki.cert("gov-root")), env=env)
    assert wrong_root.returncode == 1
    assert wrong_root.stdout.splitlines()[0] == (
        "BROKEN: anchor 3: the time-stamp's signature is not valid or not from a trusted "
        "time-stamping authority")
