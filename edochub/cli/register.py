"""Sub-commands of the register: ``db upgrade``, ``users add``, ``audit verify``, ``audit
anchor``, ``serve``.

Each reads the hub's configuration (:mod:`edochub.config`, ``--config``) the same way.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from edochub.cli.config_option import add_config_option, load_config

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session, sessionmaker

    from documents.services import Hub

from edochub.cli.common import json_logs


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    database = subparsers.add_parser("db", help="the register's database")
    db_actions = database.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = db_actions.add_parser("upgrade", help="create or upgrade the schema (Alembic)")
    add_config_option(upgrade)
    upgrade.set_defaults(handler=_db_upgrade)

    people = subparsers.add_parser("users", help="user accounts of the register")
    user_actions = people.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = user_actions.add_parser("add", help="add a user (password from an environment "
                                              "variable, never the command line)")
    add.add_argument("username")
    add.add_argument("--full-name", required=True)
    add.add_argument("--role", required=True,
                     choices=("specialist", "leader", "clerk", "archivist", "admin"))
    add.add_argument("--position", default="")
    add.add_argument("--password-env", required=True,
                     help="name of the environment variable holding the password")
    add_config_option(add)
    add.set_defaults(handler=_users_add)

    audit = subparsers.add_parser("audit", help="the register's keyed, hash-chained audit log "
                                                "(key: the audit_key secret)")
    audit_actions = audit.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = audit_actions.add_parser("verify", help="check that no entry was changed or "
                                                     "removed, and every anchor")
    verify.add_argument("--tsa-trust", action="append", default=[], metavar="PEM",
                        help="root(s) of the time-stamping authority (default: the trust "
                             "anchors of the configuration)")
    add_config_option(verify)
    verify.set_defaults(handler=_audit_verify)
    anchor = audit_actions.add_parser("anchor", help="time-stamp the log's head (RFC 3161); "
                                                     "run it periodically")
    anchor.add_argument("--tsa", default=None, metavar="URL",
                        help="time-stamping authority (default: [tsa] url of the "
                             "configuration)")
    add_config_option(anchor)
    anchor.set_defaults(handler=_audit_anchor)

    serve = subparsers.add_parser("serve", help="run one agency's hub: HTTP API and the "
                                                "exchange worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--worker-interval", type=float, default=5.0,
                       help="seconds between exchange rounds with the axis")
    add_config_option(serve)
    serve.set_defaults(handler=_serve)


def _db_upgrade(args: argparse.Namespace) -> int:
    from edochub import bootstrap

    engine = bootstrap.open_engine(load_config(args))
    print(f"schema is up to date in {engine.url.render_as_string()}")
    engine.dispose()
    return 0


@contextmanager
def _open_sessions(args: argparse.Namespace) -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured database for one command; the engine is closed after it
    (so SQLite's write-ahead log is folded back, as when the process ends)."""
    from documents.adapters import db
    from edochub import bootstrap

    config = load_config(args)
    engine = bootstrap.open_engine(config)
    try:
        yield db.session_factory(engine, audit_key=config.secrets["audit_key"].resolve())
    finally:
        engine.dispose()


def _users_add(args: argparse.Namespace) -> int:
    from documents.adapters import transaction
    from documents.domain import ConfigurationError
    from documents.services import users

    password = os.environ.get(args.password_env)
    if not password:
        raise ConfigurationError(f"environment variable {args.password_env} is empty: put "
                                 "the new user's password in it")
    with _open_sessions(args) as sessions, transaction(sessions) as session:
        user = users.create_user(session, "cli", args.username, args.full_name, args.role,
                                 password, args.position)
        print(f"user {user.username} ({user.role}) added")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from documents.services import audit
    from signing.timestamps import check_timestamp
    from signing.validation import load_certificates

    named = [Path(p) for p in args.tsa_trust] or list(load_config(args)["trust.anchors"] or [])
    roots = load_certificates(named) if named else ()

    def check(token: bytes, digest: bytes) -> datetime:
        if not roots:
            raise ValueError("no time-stamping authority roots given (--tsa-trust)")
        return check_timestamp(token, digest, roots)

    with _open_sessions(args) as sessions, sessions() as session:
        report = audit.verify(session, check)
    for problem in report.problems:
        print(f"BROKEN: {problem}")
    if report.bottom_line:
        anchored = (f"; last anchored at entry {report.anchors[-1][0]} by a time-stamp of "
                    f"{report.anchors[-1][1].isoformat(timespec='seconds')}"
                    if report.anchors else "; not anchored by any time-stamp yet")
        print(f"audit log intact: {report.entries} entries{anchored}")
        return 0
    print(f"audit log BROKEN: {len(report.problems)} problem(s) in {report.entries} entries")
    return 1


def _audit_anchor(args: argparse.Namespace) -> int:
    from documents.domain import ConfigurationError
    from documents.services import audit
    from signing.timestamps import request_timestamp

    tsa = args.tsa or load_config(args)["tsa.url"]
    if not tsa:
        raise ConfigurationError("name the time-stamping authority: --tsa URL, or [tsa] url "
                                 "in the configuration (EDOCHUB_TSA_URL)")
    with _open_sessions(args) as sessions:
        entry = audit.anchor(sessions, lambda digest: request_timestamp(tsa, digest), tsa)
    if entry is None:
        print("nothing new to anchor (the log is empty or its head is an anchor)")
    else:
        print(f"audit log anchored: entry {entry.entity_id} time-stamped by {tsa} "
              f"(anchor entry {entry.id})")
    return 0


def _anchor_periodically(hub: Hub, tsa: str, seconds: float) -> None:
    """Anchor the audit log's head every ``seconds`` while the hub runs (a daemon thread); a
    TSA that does not answer is reported and tried again next time."""
    import sys
    import threading

    from documents.services import audit
    from signing.errors import SigningError
    from signing.timestamps import request_timestamp

    def run() -> None:
        while True:
            try:
                audit.anchor(hub.sessions, lambda digest: request_timestamp(tsa, digest), tsa)
            except SigningError as exc:
                print(f"edochub: audit anchor: {exc}", file=sys.stderr, flush=True)
            threading.Event().wait(seconds)

    threading.Thread(target=run, name="audit-anchor", daemon=True).start()


def _serve(args: argparse.Namespace) -> int:
    json_logs()
    import uvicorn

    from documents.http import create_app
    from documents.services import Worker
    from edochub import bootstrap

    config = load_config(args)
    hub = bootstrap.hub_from_config(config)
    admin_password = config.secrets["admin_password"]
    if admin_password.given:
        bootstrap.ensure_admin(hub.sessions, admin_password.resolve())
    worker = Worker(hub, args.worker_interval).start() if hub.axis else None
    if config["tsa.url"]:
        _anchor_periodically(hub, config["tsa.url"],
                             60 * float(os.environ.get("EDOCHUB_AUDIT_ANCHOR_MINUTES", "60")))
    print(f"edochub hub of {hub.settings.organ_id} on http://{args.host}:{args.port} "
          f"(OpenAPI schema at /openapi.json)", flush=True)
    bootstrap.settle_heap()
    try:
        uvicorn.run(create_app(hub), host=args.host, port=args.port, log_level="warning")
    finally:
        if worker:
            worker.stop()
        if hub.sealer is not None:
            hub.sealer.close()
        if hub.signer is not None:
            hub.signer.close()
    return 0
