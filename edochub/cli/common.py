"""What several commands share: the key and level options, argument types, the way results
are printed, and reading and writing the user's files.

Heavy imports (pyHanko, cryptography) happen inside the functions.
"""

from __future__ import annotations

import argparse
import logging
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from signing.errors import SigningError

if TYPE_CHECKING:
    from signing.pades import KeySource, SignatureOptions
    from signing.stamping import Rect
    from signing.validation import FileResult

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


REVOCATION_MODES = ("require", "soft", "offline")


def add_signing_options(parser: argparse.ArgumentParser) -> None:
    key = parser.add_argument_group("key (one of --p12 or --pkcs11-*)")
    key.add_argument("--p12", type=Path, metavar="PATH", help="PKCS#12 file")
    key.add_argument("--p12-password-env", metavar="NAME",
                     help="environment variable holding the PKCS#12 password")
    key.add_argument("--pkcs11-module", metavar="PATH", help="PKCS#11 module (.so)")
    key.add_argument("--pkcs11-token", metavar="LABEL", help="token label")
    key.add_argument("--pkcs11-key", metavar="LABEL", help="key (and certificate) label")
    key.add_argument("--pkcs11-pin-env", metavar="NAME", default=None,
                     help="environment variable holding the PIN (default EDOCHUB_PKCS11_PIN)")
    parser.add_argument("--level", choices=LEVELS, default="B-B", help="PAdES level (B-B)")
    parser.add_argument("--tsa", metavar="URL", help="RFC 3161 time-stamping service URL")
    parser.add_argument("--trust", type=Path, action="append", default=[], metavar="PEM_OR_DIR",
                        help="extra trust anchors for the checks made while signing "
                             "(e.g. the TSA's root for B-LT/B-LTA); repeatable")


def iso_moment(text: str) -> datetime:
    """argparse type for ``--at``/``--until``: an ISO 8601 date-time with a time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    if moment.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no time zone; add one, e.g. +07:00 or Z")
    return moment


def key_source(args: argparse.Namespace) -> KeySource:
    from signing.pades import DEFAULT_PKCS11_PIN_ENV, Pkcs11Source, Pkcs12Source

    pkcs11_args = (args.pkcs11_module, args.pkcs11_token, args.pkcs11_key)
    if args.p12 is not None:
        if any(pkcs11_args):
            raise SigningError("give either --p12 or --pkcs11-*, not both")
        return Pkcs12Source(args.p12, args.p12_password_env)
    if all(pkcs11_args):
        return Pkcs11Source(*pkcs11_args, pin_env=args.pkcs11_pin_env or DEFAULT_PKCS11_PIN_ENV)
    if any(pkcs11_args):
        raise SigningError("PKCS#11 signing needs --pkcs11-module, --pkcs11-token and "
                           "--pkcs11-key")
    raise SigningError("no key: give --p12 PATH or --pkcs11-module/--pkcs11-token/--pkcs11-key")


def signature_options(args: argparse.Namespace, field: str | None = None) -> SignatureOptions:
    from signing.pades import SignatureOptions
    from signing.validation import PadesLevel, load_certificates

    return SignatureOptions(level=PadesLevel(args.level), tsa_url=args.tsa, field_name=field,
                            trust_roots=load_certificates(args.trust))


def quiet_libraries() -> None:
    """Silence pyHanko's loggers; every signing/validation sub-command calls this first."""
    # pyHanko logs warnings (with tracebacks) about what it then reports in its results
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def describe_result(result: FileResult) -> str:
    """The human-readable lines ``verify`` prints for one file's validation result."""
    if result.error is not None:
        return f"{result.path}: unusable: {result.error}"
    if not result.signatures:
        return f"{result.path}: no signature"
    lines = [f"{result.path}:"]
    for sig in result.signatures:
        signer = sig.signer.common_name if sig.signer else "unknown signer"
        if sig.role is not None:
            signer += f" ({sig.role.value})"
        verdict = sig.indication.value + (f"/{sig.sub_indication.value}"
                                          if sig.sub_indication else "")
        details = [f"level {sig.level.value}" if sig.level else None,
                   f"signed {sig.signing_time.isoformat()}" if sig.signing_time else None,
                   f"time-stamp {sig.timestamp_time.isoformat()}" if sig.timestamp_time
                   else None,
                   f"changes after: {sig.modification_level.value}"
                   if sig.modification_level else None]
        lines.append(f"  {sig.field}: {verdict} - {signer}; "
                     + ", ".join(d for d in details if d))
        lines.extend(f"    ! {problem}" for problem in sig.problems)
    return "\n".join(lines)


def parse_box(text: str) -> tuple[int, Rect]:
    from signing.stamping import PlacementError, parse_box

    try:
        return parse_box(text)
    except PlacementError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"file not found: {path}") from None
    except OSError as exc:
        raise SigningError(f"cannot read {path}: {exc.strerror}") from None


def refuse_overwrite(source: Path, target: Path) -> None:
    if source.resolve() == target.resolve():
        raise SigningError("the output must not overwrite the input")
