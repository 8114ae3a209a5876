"""``edochub trust add|list|remove``: the trust store ``verify``, ``augment`` and ``preserve``
use when no ``--trust`` is given."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from decree30 import vietnam_time

PURPOSE_CHOICES = ("signatures", "timestamps", "both")


def register(subparsers: argparse._SubParsersAction) -> None:
    trust = subparsers.add_parser(
        "trust", help="manage the trust store used by verify when no --trust is given")
    trust.add_argument("--trust-dir", type=Path, default=None, metavar="DIR",
                       help="trust store folder (default: $EDOCHUB_TRUST_DIR or "
                            "~/.local/share/edochub/trust)")
    actions = trust.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="trust the certificates in files or folders")
    add.add_argument("paths", type=Path, nargs="+", metavar="PEM_OR_DIR")
    add.add_argument("--for", dest="purpose", choices=PURPOSE_CHOICES, default="signatures",
                     help="anchor for signatures (default), time-stamps, or both")
    add.set_defaults(handler=_trust_add)
    listing = actions.add_parser("list", help="list trusted certificates")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_trust_list)
    remove = actions.add_parser("remove", help="stop trusting a certificate")
    remove.add_argument("fingerprint", metavar="SHA256_PREFIX",
                        help="the certificate's SHA-256 fingerprint (at least 8 hex digits)")
    remove.add_argument("--for", dest="purpose", choices=PURPOSE_CHOICES, default="both")
    remove.set_defaults(handler=_trust_remove)


def add_trust_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trust", type=Path, action="append", default=[], metavar="PEM_OR_DIR",
                        help="trust anchors (default: the trust store); repeatable")
    parser.add_argument("--timestamp-trust", type=Path, action="append", default=None,
                        metavar="PEM_OR_DIR", help="separate trust anchors for time-stamps")


def trust_paths(args: argparse.Namespace) -> tuple[list[Path], list[Path] | None]:
    """--trust/--timestamp-trust when given, else the trust store's folders."""
    if args.trust:
        return args.trust, args.timestamp_trust
    from signing.validation import TrustStore

    signatures, timestamps = TrustStore(getattr(args, "trust_dir", None)).anchor_paths()
    return signatures, args.timestamp_trust or timestamps


def _purposes(choice: str):
    from signing.validation import Purpose

    return list(Purpose) if choice == "both" else [Purpose(choice)]


def _trust_add(args: argparse.Namespace) -> int:
    from signing.validation import TrustStore

    for cert in TrustStore(args.trust_dir).add(args.paths, _purposes(args.purpose)):
        print(f"trusted for {cert.purpose.value}: {cert.fingerprint[:16]}  {cert.subject}")
    return 0


def _trust_list(args: argparse.Namespace) -> int:
    from signing.validation import TrustStore

    certs = TrustStore(args.trust_dir).list()
    if args.json:
        print(json.dumps([{"purpose": c.purpose.value, "fingerprint": c.fingerprint,
                           "subject": c.subject, "not_after": c.not_after.isoformat()}
                          for c in certs], ensure_ascii=False, indent=2))
    else:
        for c in certs:
            print(f"{c.purpose.value:10}  {c.fingerprint[:16]}  "
                  f"{vietnam_time.in_vietnam(c.not_after):%Y-%m-%d}  "
                  f"{c.subject}")
    return 0


def _trust_remove(args: argparse.Namespace) -> int:
    from signing.validation import TrustStore

    for cert in TrustStore(args.trust_dir).remove(args.fingerprint, _purposes(args.purpose)):
        print(f"removed from {cert.purpose.value}: {cert.fingerprint[:16]}  {cert.subject}")
    return 0
