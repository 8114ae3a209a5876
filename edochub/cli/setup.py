"""Setting up an agency's hub: ``edochub init DIR`` and ``edochub check``."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from edochub.cli.config_option import add_config_option, load_config

ADMIN_PASSWORD_ENV = "EDOCHUB_ADMIN_PASSWORD"  # noqa: S105 - a variable name


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = subparsers.add_parser(
        "init", help="set up a new agency's hub in a folder: configuration, data folder, "
                     "database, first administrator",
        description="Writes DIR/edochub.toml (commented; every setting), DIR/data (0700), a "
                    "token signing key in DIR/secrets, migrates the database and creates the "
                    "first administrator (password from EDOCHUB_ADMIN_PASSWORD, else asked "
                    "without echo). On a folder that already holds a hub it changes nothing.")
    init.add_argument("directory", metavar="DIR", type=Path)
    init.add_argument("--code", help="the agency's code (mã định danh), e.g. 000.00.00.H41")
    init.add_argument("--name", help="the agency's full name")
    init.add_argument("--abbreviation", help="its abbreviation in notations, e.g. UBND")
    init.add_argument("--place", default="Hà Nội", help="địa danh of the date line (Hà Nội)")
    init.add_argument("--admin", default="admin", help="the first administrator's user name")
    init.set_defaults(handler=_init)

    check = subparsers.add_parser(
        "check", help="check that the configuration works: database, storage, keys, "
                      "certificates, TSA, clock, axis (exit 0 only when all pass)")
    check.add_argument("--json", action="store_true", help="print JSON (for monitoring)")
    add_config_option(check)
    check.set_defaults(handler=_check)


def _ask(value: str | None, question: str, option: str) -> str:
    from documents.domain import ConfigurationError

    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigurationError(f"{question} is not given: give {option}")
    answer = input(f"{question}: ").strip()
    if not answer:
        raise ConfigurationError(f"{question} is needed: give {option}")
    return answer


def _admin_password() -> str:
    import getpass

    from documents.domain import ConfigurationError

    if os.environ.get(ADMIN_PASSWORD_ENV):
        return os.environ[ADMIN_PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise ConfigurationError(f"the first administrator's password is not given: set "
                                 f"{ADMIN_PASSWORD_ENV} (or run init in a terminal)")
    password = getpass.getpass("first administrator's password: ")
    if getpass.getpass("again: ") != password:
        raise ConfigurationError("the two passwords differ: run init again")
    return password


def _init(args: argparse.Namespace) -> int:
    from edochub import config

    directory: Path = args.directory
    config_file = directory / config.DEFAULT_FILE
    if config_file.exists():
        print(f"{directory} already holds a hub ({config_file}): nothing changed")
        return 0
    code = _ask(args.code, "agency code (mã định danh)", "--code")
    name = _ask(args.name, "agency name", "--name")
    abbreviation = _ask(args.abbreviation, "abbreviation in notations (e.g. UBND)",
                        "--abbreviation")
    password = _admin_password()
    created = [] if directory.exists() else [directory]
    try:
        _write_hub(directory, created, code, name, abbreviation, args.place)
        _first_database(config_file, args.admin, password)
    except BaseException:
        for path in reversed(created):  # leave the folder as it was
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        raise
    print(f"hub of {code} set up in {directory}: configuration {config_file}, data folder "
          f"{directory / 'data'} (private), administrator {args.admin!r}")
    print(f"next: set [keys], [trust], [tsa] and [axis] in {config_file}, then "
          f"`edochub check --config {config_file}`")
    return 0


def _write_hub(directory: Path, created: list[Path], code: str, name: str, abbreviation: str,
               place: str) -> None:
    from edochub.config_file import render

    directory.mkdir(parents=True, exist_ok=True)
    for folder in ("data", "secrets"):
        path = directory / folder
        path.mkdir(mode=0o700)
        created.append(path)
        path.chmod(0o700)  # whatever the umask
    for key_file in ("token-key", "audit-key"):
        descriptor = os.open(directory / "secrets" / key_file,
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
    config_file = directory / "edochub.toml"
    created.append(config_file)
    config_file.write_text(render(
        {("agency", "code"): code, ("agency", "name"): name,
         ("agency", "abbreviation"): abbreviation, ("agency", "place"): place,
         ("storage", "data_dir"): "data"},
        {"token_key_file": "secrets/token-key", "audit_key_file": "secrets/audit-key"}),
        encoding="utf-8")


def _first_database(config_file: Path, admin: str, password: str) -> None:
    from documents.adapters import db
    from edochub import bootstrap, config

    loaded = config.load(config_file)
    engine = bootstrap.open_engine(loaded)
    try:
        bootstrap.ensure_admin(db.session_factory(
            engine, audit_key=loaded.secrets["audit_key"].resolve()), password, admin)
    finally:
        engine.dispose()


def _check(args: argparse.Namespace) -> int:
    from edochub import check

    items = check.run(load_config(args))
    code = check.exit_code(items)
    if args.json:
        print(json.dumps({"ok": code == 0, "items": [item.as_json() for item in items]},
                         ensure_ascii=False, indent=2))
    else:
        for item in items:
            print(item.line())
    return code
