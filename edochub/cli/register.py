"""Sub-commands of the register: ``db upgrade``, ``users add``, ``audit verify``, ``audit
anchor``, ``serve``."""

from __future__ import annotations

import argparse
import os


def register(subparsers: argparse._SubParsersAction) -> None:
    database = subparsers.add_parser("db", help="the register's database (DATABASE_URL)")
    db_actions = database.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_actions.add_parser("upgrade", help="create or upgrade the schema (Alembic)").set_defaults(
        handler=_db_upgrade)

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
    add.set_defaults(handler=_users_add)

    audit = subparsers.add_parser("audit", help="the register's keyed, hash-chained audit log "
                                                "(key: EDOCHUB_AUDIT_KEY or _FILE)")
    audit_actions = audit.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = audit_actions.add_parser("verify", help="check that no entry was changed or "
                                                     "removed, and every anchor")
    verify.add_argument("--tsa-trust", action="append", default=[], metavar="PEM",
                        help="root(s) of the time-stamping authority (default: EDOCHUB_TRUST)")
    verify.set_defaults(handler=_audit_verify)
    anchor = audit_actions.add_parser("anchor", help="time-stamp the log's head (RFC 3161); "
                                                     "run it periodically")
    anchor.add_argument("--tsa", default=os.environ.get("EDOCHUB_TSA_URL"), metavar="URL",
                        help="time-stamping authority (default: EDOCHUB_TSA_URL)")
    anchor.set_defaults(handler=_audit_anchor)

    serve = subparsers.add_parser("serve", help="run one agency's hub: HTTP API and the "
                                                "exchange worker (configuration from EDOCHUB_*)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--worker-interval", type=float, default=5.0,
                       help="seconds between exchange rounds with the axis")
    serve.set_defaults(handler=_serve)


def _db_upgrade(args: argparse.Namespace) -> int:
    from documents.adapters import db
    from documents.services import HubSettings

    url = os.environ.get("DATABASE_URL") or HubSettings.from_env().database_url
    db.migrate(db.make_engine(url))
    print(f"schema is up to date in {db.make_engine(url).url.render_as_string()}")
    return 0


def _open_sessions():  # noqa: ANN202
    from documents.adapters import db
    from documents.domain import ConfigurationError
    from documents.services import secret

    url = os.environ.get("DATABASE_URL")
    if not url:
        raise ConfigurationError("DATABASE_URL is not set")
    engine = db.make_engine(url)
    db.migrate(engine)
    return db.session_factory(engine, audit_key=secret("AUDIT_KEY"))


def _users_add(args: argparse.Namespace) -> int:
    from documents.adapters import transaction
    from documents.domain import ConfigurationError
    from documents.services import users

    password = os.environ.get(args.password_env)
    if not password:
        raise ConfigurationError(f"environment variable {args.password_env} is empty")
    with transaction(_open_sessions()) as session:
        user = users.create_user(session, "cli", args.username, args.full_name, args.role,
                                 password, args.position)
        print(f"user {user.username} ({user.role}) added")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from documents.services import audit
    from signing.timestamps import check_timestamp
    from signing.validation import load_certificates

    named = args.tsa_trust or [p for p in os.environ.get("EDOCHUB_TRUST", "").split(":") if p]
    roots = load_certificates([Path(p) for p in named]) if named else ()

    def check(token: bytes, digest: bytes):  # noqa: ANN202 - the attested datetime
        if not roots:
            raise ValueError("no time-stamping authority roots given (--tsa-trust)")
        return check_timestamp(token, digest, roots)

    with _open_sessions()() as session:
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

    if not args.tsa:
        raise ConfigurationError("name the time-stamping authority: --tsa URL or "
                                 "EDOCHUB_TSA_URL")
    entry = audit.anchor(_open_sessions(), lambda digest: request_timestamp(args.tsa, digest),
                         args.tsa)
    if entry is None:
        print("nothing new to anchor (the log is empty or its head is an anchor)")
    else:
        print(f"audit log anchored: entry {entry.entity_id} time-stamped by {args.tsa} "
              f"(anchor entry {entry.id})")
    return 0


def _anchor_periodically(hub, tsa: str, seconds: float) -> None:  # noqa: ANN001 - Hub
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
    import uvicorn

    from documents.http import create_app
    from documents.services import Worker, secret
    from edochub import bootstrap as runtime

    hub = runtime.hub_from_env()
    if os.environ.get("EDOCHUB_ADMIN_PASSWORD") or os.environ.get("EDOCHUB_ADMIN_PASSWORD_FILE"):
        runtime.ensure_admin(hub, secret("ADMIN_PASSWORD"))
    worker = Worker(hub, args.worker_interval).start() if hub.axis else None
    if os.environ.get("EDOCHUB_TSA_URL"):
        _anchor_periodically(hub, os.environ["EDOCHUB_TSA_URL"],
                             60 * float(os.environ.get("EDOCHUB_AUDIT_ANCHOR_MINUTES", "60")))
    print(f"edochub hub of {hub.settings.organ_id} on http://{args.host}:{args.port} "
          f"(OpenAPI schema at /openapi.json)", flush=True)
    try:
        uvicorn.run(create_app(hub), host=args.host, port=args.port, log_level="warning")
    finally:
        if worker:
            worker.stop()
        if hub.signer is not None:
            hub.signer.close()
    return 0
