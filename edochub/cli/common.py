"""What several commands share: the key and level options, argument types, the way results
are printed, and reading and writing the user's files.

Heavy imports (pyHanko, cryptography) happen inside the functions.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from decree30 import vietnam_time
from signing.errors import DEFAULT_SERVICE_TIMEOUT, SigningError
from signing.pades import REVOCATION_CHECKS, SIGNING_DIGESTS, RsaPadding

if TYPE_CHECKING:
    from signing.pades import Authorisation, KeySource, SignatureOptions
    from signing.stamping import Rect
    from signing.validation import FileResult

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


REVOCATION_MODES = ("require", "soft", "offline")


def add_signing_options(parser: argparse.ArgumentParser, revocation: bool = True) -> None:
    """Key, level, time-stamping, algorithm and service options; ``revocation=False`` for
    a command with a ``--revocation`` of its own (``issue``)."""
    key = parser.add_argument_group("key (one of --p12, --pkcs11-* or --csc-*)")
    key.add_argument("--p12", type=Path, metavar="PATH", help="PKCS#12 file")
    key.add_argument("--p12-password-env", metavar="NAME",
                     help="environment variable holding the PKCS#12 password")
    key.add_argument("--pkcs11-module", metavar="PATH", help="PKCS#11 module (.so)")
    key.add_argument("--pkcs11-token", metavar="LABEL", help="token label")
    key.add_argument("--pkcs11-key", metavar="LABEL", help="key (and certificate) label")
    key.add_argument("--pkcs11-pin-env", metavar="NAME", default=None,
                     help="environment variable holding the PIN (default EDOCHUB_PKCS11_PIN)")
    remote = parser.add_argument_group("remote signing (CSC API v1; instead of --p12/--pkcs11-*)")
    remote.add_argument("--csc-url", metavar="URL",
                        help="the remote-signing service (the part before /csc/v1/)")
    remote.add_argument("--csc-credential", metavar="ID", help="the signer's credential id")
    remote.add_argument("--csc-auth-env", metavar="NAME",
                        help="environment variable holding the PIN or one-time code that "
                             "authorises the credential (default: none asked)")
    remote.add_argument("--csc-token-env", metavar="NAME",
                        help="environment variable holding the service's OAuth2 access token, "
                             "if it asks for one (sent as Authorization: Bearer)")
    parser.add_argument("--level", choices=LEVELS, default="B-B", help="PAdES level (B-B)")
    parser.add_argument("--tsa", metavar="URL", help="RFC 3161 time-stamping service URL")
    parser.add_argument("--trust", type=Path, action="append", default=[], metavar="PEM_OR_DIR",
                        help="extra trust anchors for the checks made while signing "
                             "(e.g. the TSA's root for B-LT/B-LTA); repeatable")
    parser.add_argument("--rsa-padding", choices=[p.value for p in RsaPadding],
                        default=RsaPadding.PSS.value,
                        help="RSA signatures: pss (RSASSA-PSS, the default) or pkcs1v15 for a "
                             "relying party that still needs PKCS#1 v1.5")
    parser.add_argument("--digest", default="sha256", metavar="NAME",
                        help=f"message digest: {', '.join(SIGNING_DIGESTS)} (default sha256)")
    if revocation:
        parser.add_argument("--revocation", choices=REVOCATION_CHECKS, default="require",
                            help="the signer's revocation status before signing: require it "
                                 "(default) or soft: sign, saying so, when it cannot be "
                                 "fetched")
    parser.add_argument("--service-timeout", type=float, default=DEFAULT_SERVICE_TIMEOUT,
                        metavar="SECONDS",
                        help="time limit of each request to a TSA, OCSP or CRL service "
                             f"(default {DEFAULT_SERVICE_TIMEOUT:g})")


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
    from signing.pades import DEFAULT_PKCS11_PIN_ENV, CscSource, Pkcs11Source, Pkcs12Source

    pkcs11_args = (args.pkcs11_module, args.pkcs11_token, args.pkcs11_key)
    csc_args = (getattr(args, "csc_url", None), getattr(args, "csc_credential", None))
    if any(csc_args):
        if args.p12 is not None or any(pkcs11_args):
            raise SigningError("give one key: --p12, --pkcs11-* or --csc-*")
        if not all(csc_args):
            raise SigningError("remote signing needs --csc-url and --csc-credential")
        return CscSource(str(args.csc_url), str(args.csc_credential))
    if args.p12 is not None:
        if any(pkcs11_args):
            raise SigningError("give either --p12 or --pkcs11-*, not both")
        return Pkcs12Source(args.p12, args.p12_password_env)
    if all(pkcs11_args):
        return Pkcs11Source(*pkcs11_args, pin_env=args.pkcs11_pin_env or DEFAULT_PKCS11_PIN_ENV)
    if any(pkcs11_args):
        raise SigningError("PKCS#11 signing needs --pkcs11-module, --pkcs11-token and "
                           "--pkcs11-key")
    raise SigningError("no key: give --p12 PATH, --pkcs11-module/--pkcs11-token/--pkcs11-key "
                       "or --csc-url/--csc-credential")


def remote_authorisation(args: argparse.Namespace) -> Authorisation:
    """The PIN or one-time code for a remote-signing credential and the service's access
    token, from the environment variables ``--csc-auth-env`` and ``--csc-token-env`` name
    (never from the command line)."""
    from signing.pades import Authorisation

    return Authorisation(pin=_from_env(getattr(args, "csc_auth_env", None),
                                       "the remote-signing PIN"),
                         bearer_token=_from_env(getattr(args, "csc_token_env", None),
                                                "the remote-signing access token"))


def _from_env(name: str | None, what: str) -> str | None:
    import os

    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise SigningError(f"environment variable {name} ({what}) is not set")
    return value


def signature_options(args: argparse.Namespace, field: str | None = None) -> SignatureOptions:
    from signing.pades import SignatureOptions
    from signing.validation import PadesLevel, load_certificates

    if args.digest not in SIGNING_DIGESTS and args.digest not in ("sha1", "md5"):
        raise SigningError(f"unknown digest {args.digest!r}: use one of "
                           + ", ".join(SIGNING_DIGESTS))
    # issue's --revocation (require|soft|offline) is about the leader's signature; for the
    # organization's own certificate anything but require is soft
    revocation = "require" if args.revocation == "require" else "soft"
    return SignatureOptions(level=PadesLevel(args.level), tsa_url=args.tsa, field_name=field,
                            trust_roots=load_certificates(args.trust),
                            rsa_padding=RsaPadding(args.rsa_padding), digest_algorithm=args.digest,
                            revocation=revocation, service_timeout=args.service_timeout)


def quiet_libraries() -> None:
    """Silence pyHanko's loggers; every signing/validation sub-command calls this first."""
    # pyHanko logs warnings (with tracebacks) about what it then reports in its results
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # signing notices (a token without RSASSA-PSS, a revocation status tolerated as unknown)
    notices = logging.getLogger("edochub.notices")
    if not any(isinstance(h, _NoticeHandler) for h in notices.handlers):
        notices.addHandler(_NoticeHandler())
        notices.propagate = False


class _NoticeHandler(logging.Handler):
    """``edochub: MESSAGE`` on the current stderr, one line per notice."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"edochub: {record.getMessage()}", file=sys.stderr)


def describe_result(result: FileResult) -> str:
    """The human-readable lines ``verify`` prints for one file's validation result."""
    if result.error is not None:
        return f"{result.path}: unusable: {result.error}"
    if not result.signatures:
        return f"{result.path}: no signature"
    lines = [f"{result.path}:"]
    for sig in result.signatures:
        signer = (sig.signer.common_name if sig.signer else None) or "unknown signer"
        if sig.role is not None:
            signer += f" ({sig.role.value})"
        verdict = sig.indication.value + (f"/{sig.sub_indication.value}"
                                          if sig.sub_indication else "")
        details = [f"level {sig.level.value}" if sig.level else None,
                   f"signed {vietnam_time.iso(sig.signing_time)}" if sig.signing_time else None,
                   f"time-stamp {vietnam_time.iso(sig.timestamp_time)}" if sig.timestamp_time
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


class _CurrentStderr(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when a record comes, not as it was when the handler was
    made: whoever runs the command in-process (tests, an embedding) may swap and close it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # under the handler's lock (Handler.handle)
        super().emit(record)


def json_logs() -> None:
    """Servers log one JSON object per line on stderr (``edochub.*`` at INFO: one access line
    per request with its request id), for the operators' log collector."""
    from axis.protocol import JsonLogFormatter

    handler = _CurrentStderr()
    handler.setFormatter(JsonLogFormatter())
    logger = logging.getLogger("edochub")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
