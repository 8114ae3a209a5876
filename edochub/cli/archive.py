"""Sub-commands for archivists (lưu trữ): ``augment`` (validation data and document
time-stamps) and ``preserve`` (renew archive time-stamps that are due). ``verify`` and ``trust``
have modules of their own.

Heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from decree30 import vietnam_time
from edochub.cli.common import quiet_libraries
from edochub.cli.trust import add_trust_options, trust_paths
from signing.errors import DEFAULT_SERVICE_TIMEOUT, SigningError


def register(subparsers: argparse._SubParsersAction) -> None:
    augment = subparsers.add_parser(
        "augment", help="add validation data (B-LT) and a document time-stamp (B-LTA) to "
                        "signed PDFs, in place")
    augment.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                         help="signed PDF files or folders")
    augment.add_argument("--to", dest="level", choices=("B-LT", "B-LTA"), required=True)
    augment.add_argument("--tsa", metavar="URL", help="time-stamping service (for B-LTA)")
    augment.add_argument("--service-timeout", type=float, default=DEFAULT_SERVICE_TIMEOUT,
                         metavar="SECONDS", help="time limit of each request to the "
                         f"time-stamping service (default {DEFAULT_SERVICE_TIMEOUT:g})")
    add_trust_options(augment)
    augment.set_defaults(handler=_augment)

    preserve = subparsers.add_parser(
        "preserve", help="renew the archive time-stamp of every file whose latest time-stamp "
                         "certificate expires soon")
    preserve.add_argument("directory", type=Path, metavar="DIR")
    preserve.add_argument("--margin-days", type=int, default=365, metavar="N",
                          help="renew when the certificate expires within N days (365)")
    preserve.add_argument("--tsa", metavar="URL", required=True,
                          help="time-stamping service for the new time-stamps")
    preserve.add_argument("--dry-run", action="store_true", help="only list what is due")
    add_trust_options(preserve)
    preserve.set_defaults(handler=_preserve)


def _preservation_settings(args: argparse.Namespace):
    from signing.validation import ValidationSettings

    trust, timestamp_trust = trust_paths(args)
    return ValidationSettings.from_paths(trust, timestamp_trust)


def _augment(args: argparse.Namespace) -> int:
    from signing.pades import write_atomically
    from signing.validation import PadesLevel, expand_paths, preservation

    quiet_libraries()
    level = PadesLevel(args.level)
    settings = _preservation_settings(args)
    failures = 0
    files = expand_paths(args.paths)
    if not files:
        raise SigningError("no PDF file found in the given paths")
    for path in files:
        try:
            data = path.read_bytes()
            write_atomically(
                path, preservation.augment(data, level, settings, args.tsa,
                                           args.service_timeout))
        except (SigningError, OSError) as exc:
            failures += 1
            print(f"edochub: {path}: {exc}", file=sys.stderr)
            continue
        print(f"{path}: extended to {level.value}")
    return 2 if failures else 0


def _preserve(args: argparse.Namespace) -> int:
    from signing.pades import write_atomically
    from signing.validation import expand_paths, preservation

    quiet_libraries()
    if not args.directory.is_dir():
        raise SigningError(f"not a directory: {args.directory}")
    settings = _preservation_settings(args)
    now, margin = datetime.now(UTC), timedelta(days=args.margin_days)
    failures = renewed = 0
    for path in expand_paths([args.directory]):
        try:
            data = path.read_bytes()
            due = preservation.due_for_renewal(data, now, margin)
            if due is None:
                continue
            if not args.dry_run:
                write_atomically(
                    path, preservation.renew(data, settings, args.tsa))
        except (SigningError, OSError) as exc:
            failures += 1
            print(f"edochub: {path}: {exc}", file=sys.stderr)
            continue
        renewed += 1
        verb = "due" if args.dry_run else "renewed"
        print(f"{verb}: {path} (latest {due.kind} time-stamp by {due.tsa}, certificate "
              f"expires {vietnam_time.human(due.tsa_not_after)})")
    print(f"{renewed} file(s) {'due' if args.dry_run else 'renewed'}", file=sys.stderr)
    return 2 if failures else 0
