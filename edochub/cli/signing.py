"""Sub-commands of the signing package: ``dev-pki``, ``sign``, ``sign-batch`` and ``verify``.

Heavy imports (pyHanko, cryptography) happen inside the handlers.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from signing.crypto_rules import SIGNING_DIGESTS, RsaPadding
from signing.errors import SigningError
from signing.pades.signer import DEFAULT_SERVICE_TIMEOUT, REVOCATION_CHECKS

if TYPE_CHECKING:
    from signing.pades.signer import SignatureOptions
    from signing.validation.results import FileResult

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
REVOCATION_MODES = ("require", "soft", "offline")


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_dev_pki(subparsers)

    sign = subparsers.add_parser("sign", help="sign one PDF (PAdES)")
    sign.add_argument("input", type=Path, metavar="IN", help="PDF to sign")
    sign.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                      help="where to write the signed PDF")
    add_signing_options(sign)
    sign.add_argument("--field", default=None, metavar="NAME",
                      help="signature field to fill or create")
    sign.set_defaults(handler=_sign)

    batch = subparsers.add_parser("sign-batch", help="sign every PDF under a folder")
    batch.add_argument("input_dir", type=Path, metavar="INDIR")
    batch.add_argument("output_dir", type=Path, metavar="OUTDIR")
    add_signing_options(batch)
    batch.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes (default 1)")
    batch.set_defaults(handler=_sign_batch)

    verify = subparsers.add_parser("verify", help="validate every signature in PDF files")
    verify.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                        help="PDF files, folders (searched recursively) or ZIP archives")
    verify.add_argument("--json", action="store_true", help="print one JSON document")
    verify.add_argument("--trust", type=Path, action="append", default=[], metavar="PEM_OR_DIR",
                        help="trust anchor certificate(s): a file or a folder; repeatable "
                             "(default: the trust store, see `edochub trust`)")
    verify.add_argument("--timestamp-trust", type=Path, action="append", default=None,
                        metavar="PEM_OR_DIR",
                        help="separate trust anchors for time-stamps (default: --trust)")
    verify.add_argument("--revocation", choices=REVOCATION_MODES, default="require",
                        help="require fresh OCSP/CRL, soft (tolerate unreachable services), "
                             "or offline (embedded data only); default require")
    verify.add_argument("--at", type=iso_moment, default=None, metavar="ISO8601",
                        help="validate as of this past moment, e.g. 2026-01-01T00:00:00+07:00")
    # the handler, and the options for batches (ZIP archives, workers, summaries), reports,
    # the trust store and the look-ahead, come from edochub/cli/archive.py (issue 4)
    from edochub.cli.archive import extend_verify

    extend_verify(verify)


def _register_dev_pki(subparsers: argparse._SubParsersAction) -> None:
    dev_pki = subparsers.add_parser(
        "dev-pki", help="build or serve the development PKI (never for production)"
    )
    actions = dev_pki.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="generate keys and issue every certificate")
    build.add_argument("--dir", type=Path, default=None, help="output folder")
    build.add_argument(
        "--url-prefix",
        default=None,
        help="base URL of the OCSP/CRL/TSA services written into the certificates",
    )
    build.set_defaults(handler=_dev_pki_build)
    serve = actions.add_parser("serve", help="serve OCSP, CRLs and RFC 3161 time stamps")
    serve.add_argument("--dir", type=Path, default=None, help="folder of a built PKI")
    serve.set_defaults(handler=_dev_pki_serve)


def add_signing_options(parser: argparse.ArgumentParser, revocation: bool = True) -> None:
    """Key, level, time-stamping, algorithm and service options; ``revocation=False`` for
    a command with a ``--revocation`` of its own (``issue``)."""
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


def key_source(args: argparse.Namespace):
    from signing.pades.keys import DEFAULT_PKCS11_PIN_ENV, Pkcs11Source, Pkcs12Source

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
    from signing.pades.signer import SignatureOptions
    from signing.validation.results import PadesLevel
    from signing.validation.validator import load_certificates

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


def _sign(args: argparse.Namespace) -> int:
    from signing.pades.keys import open_key
    from signing.pades.signer import PadesSigner

    quiet_libraries()
    source, options = key_source(args), signature_options(args, args.field)
    if args.input.resolve() == args.output.resolve():
        raise SigningError("the output must not overwrite the input")
    with open_key(source) as key:
        PadesSigner(key, options).sign_file(args.input, args.output)
    print(f"signed {args.input} -> {args.output} ({args.level})")
    return 0


def _sign_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from signing.pades.batch import plan, sign_batch

    quiet_libraries()
    source, options = key_source(args), signature_options(args)
    total = len(plan(args.input_dir, args.output_dir))
    failures = 0
    with tqdm(total=total, unit="file", desc="signing", file=sys.stderr) as bar:
        def on_done(outcome) -> None:
            nonlocal failures
            if outcome.error is not None:
                failures += 1
                bar.write(f"edochub: {outcome.source}: {outcome.error}", file=sys.stderr)
            bar.update(1)

        sign_batch(args.input_dir, args.output_dir, source, options,
                   workers=max(1, args.workers), on_done=on_done)
    print(f"signed {total - failures} of {total} files into {args.output_dir}"
          + (f"; {failures} failed" if failures else ""))
    return 1 if failures else 0


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


def _dev_pki_build(args: argparse.Namespace) -> int:
    from signing import devpki

    pki = devpki.build(
        args.dir or devpki.DEFAULT_BUILD_DIR, args.url_prefix or devpki.DEFAULT_URL_PREFIX
    )
    print(f"development PKI (DEV-ONLY) built in {pki.directory}; services at {pki.url_prefix}")
    return 0


def _dev_pki_serve(args: argparse.Namespace) -> int:
    from signing import devpki

    pki = devpki.DevPki.load(args.dir or devpki.DEFAULT_BUILD_DIR)
    print(f"serving the development PKI at {pki.url_prefix} (Ctrl-C stops)", flush=True)
    devpki.serve_forever(pki)
    return 0
