"""The ``edochub`` console command.

Each package contributes its own sub-commands through ``register(subparsers)`` in its
``cli`` module. Handlers import heavy libraries lazily so that ``edochub --help`` stays fast.
A handler returns the exit code; a domain error becomes one line on stderr and exit 2
(or the error's own ``exit_code``), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from axis.errors import AxisError
from documents.domain import RegisterError
from signing.errors import Missing, SigningError

#: Modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "edochub.cli.devpki",
    "edochub.cli.sign",
    "edochub.cli.verify",
    "edochub.cli.decree30",
    "edochub.cli.edxml",
    "edochub.cli.axis",
    "edochub.cli.demo",
    "edochub.cli.trust",
    "edochub.cli.archive",
    "edochub.cli.setup",
    "edochub.cli.register",
    "edochub.cli.agent",
)

USER_ERRORS = (SigningError, AxisError, RegisterError)

#: What the command line tells a user to give when the library says what is missing.
OPTION_HINTS = {
    Missing.NUMBER_BOX: "give the number box with --number-box",
    Missing.DATE_BOX: "give the date box with --date-box",
    Missing.SIGNER_NAME_OR_BOX: "give --signer-name or --box",
    Missing.BOX: "give --box",
    Missing.TRUST_ROOT: "give the root with --trust",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edochub",
        description="Sign, exchange and register Vietnamese administrative documents.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except USER_ERRORS as exc:
        missing = getattr(exc, "missing", None)
        hint = OPTION_HINTS.get(missing) if missing is not None else None
        print(f"edochub: {exc}" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except FileNotFoundError as exc:
        print(f"edochub: file not found: {exc.filename}", file=sys.stderr)
        return 2
    except PermissionError as exc:
        print(f"edochub: permission denied: {exc.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("edochub: interrupted", file=sys.stderr)
        return 130
