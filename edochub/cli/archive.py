"""Sub-commands for archivists (lưu trữ): ``trust``, ``augment``, ``preserve``, and the batch,
report, trust-store and look-ahead side of ``verify`` (whose parser lives in
:mod:`edochub.cli.signing` and is extended here by :func:`extend_verify`).

Heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edochub.cli.signing import describe_result, iso_moment, quiet_libraries
from signing.errors import SigningError
from signing.pades.signer import DEFAULT_SERVICE_TIMEOUT

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
    _add_trust_options(augment)
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
    _add_trust_options(preserve)
    preserve.set_defaults(handler=_preserve)


def extend_verify(verify: argparse.ArgumentParser) -> None:
    """Give ``edochub verify`` batches (folders, ZIP archives, worker processes, CSV/JSON
    summaries), reports, the trust store default and the look-ahead."""
    verify.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes (default 1)")
    verify.add_argument("--summary-csv", type=Path, default=None, metavar="FILE",
                        help="write a CSV summary, one line per file")
    verify.add_argument("--summary-json", type=Path, default=None, metavar="FILE",
                        help="write a JSON summary with counts and every result")
    verify.add_argument("--report", type=Path, default=None, metavar="DIR",
                        help="write per file the JSON result, the ETSI TS 119 102-2 XML report "
                             "and an HTML and PDF report into DIR, next to summary.json/.csv")
    verify.add_argument("--report-lang", choices=("vi", "en"), default="vi",
                        help="language of the reports (vi): HTML/PDF, and the findings in the XML")
    verify.add_argument("--until", type=iso_moment, default=None, metavar="ISO8601",
                        help="look ahead: will the files, valid now, still validate at this "
                             "moment with only the data they hold? (exit 3 when not)")
    verify.set_defaults(handler=_verify)


def _add_trust_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trust", type=Path, action="append", default=[], metavar="PEM_OR_DIR",
                        help="trust anchors (default: the trust store); repeatable")
    parser.add_argument("--timestamp-trust", type=Path, action="append", default=None,
                        metavar="PEM_OR_DIR", help="separate trust anchors for time-stamps")


def _trust_paths(args: argparse.Namespace) -> tuple[list[Path], list[Path] | None]:
    """--trust/--timestamp-trust when given, else the trust store's folders."""
    if args.trust:
        return args.trust, args.timestamp_trust
    from signing.validation.trust_store import TrustStore

    signatures, timestamps = TrustStore(getattr(args, "trust_dir", None)).anchor_paths()
    return signatures, args.timestamp_trust or timestamps


# --- verify -------------------------------------------------------------------------------

def _verify(args: argparse.Namespace) -> int:
    from signing.validation.batch import BatchSettings, verify_batch, write_csv, write_json
    from signing.validation.results import combined_exit_code

    quiet_libraries()
    if args.until is not None and args.at is not None:
        raise SigningError("give either --at (past) or --until (look-ahead), not both")
    if args.workers < 1:
        raise SigningError("--workers must be at least 1")
    trust, timestamp_trust = _trust_paths(args)
    settings = BatchSettings(
        trust=tuple(trust),
        timestamp_trust=None if timestamp_trust is None else tuple(timestamp_trust),
        revocation=args.revocation, at=args.at,
    )
    settings.validation_settings()  # bad anchors: one error line before any work starts
    validated_at = datetime.now(UTC)
    with _progress_bar() as progress:
        results = verify_batch(args.paths, settings, workers=args.workers, progress=progress)
    if not results:
        raise SigningError("no PDF file found in the given paths")
    for result in results:
        if result.error is not None:
            print(f"edochub: {result.path}: {result.error}", file=sys.stderr)
    if args.summary_csv is not None:
        write_csv(results, args.summary_csv)
    if args.summary_json is not None:
        write_json(results, args.summary_json)
    if args.report is not None:
        _write_reports(results, args.report, args.report_lang, args.at or validated_at)
        write_json(results, args.report / "summary.json")
        write_csv(results, args.report / "summary.csv")
    outlooks = None if args.until is None else [_outlook(r, args.until) for r in results]
    if args.json:
        files = [r.to_json() for r in results]
        for entry, outlook in zip(files, outlooks or (), strict=False):
            entry["outlook"] = outlook
        print(json.dumps({"files": files}, ensure_ascii=False, indent=2))
    else:
        for index, result in enumerate(results):
            print(describe_result(result))
            if outlooks is not None:
                answer = outlooks[index]
                print(f"  valid on {args.until:%Y-%m-%d} with its own data: "
                      f"{'yes' if answer['will_validate'] else 'NO'} - {answer['reason']}")
    code = combined_exit_code(results)
    if code == 0 and outlooks is not None and not all(o["will_validate"] for o in outlooks):
        return 3  # valid now, but not assured at --until: preservation is needed
    return code


def _outlook(result, until: datetime) -> dict:
    """The look-ahead answer for one validated file."""
    from signing.validation import preservation

    if not result.bottom_line:
        return {"until": until.isoformat(), "will_validate": False, "holds_until": None,
                "reason": "it does not validate now"}
    document = _document_bytes(result.path)
    outlook = preservation.outlook(document or b"", [s.level for s in result.signatures])
    return {
        "until": until.isoformat(),
        "will_validate": outlook.covers(until),
        "holds_until": None if outlook.holds_until is None else outlook.holds_until.isoformat(),
        "reason": outlook.reason,
    }


def _write_reports(results: list, directory: Path, language: str, validated_at: datetime,
                   ) -> None:
    from signing.reports import report_stem, write_reports

    seen: dict[str, int] = {}
    for result in results:
        # ZIP members and files in different folders may share a name: number repeats
        stem = report_stem(result.path)
        seen[stem] = seen.get(stem, 0) + 1
        name = stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"
        write_reports(result, directory, language=language, validated_at=validated_at,
                      stem=name, document=_document_bytes(result.path))


def _document_bytes(path: str) -> bytes | None:
    if "!" in path and not Path(path).exists():
        archive, member = path.split("!", 1)
        import zipfile

        try:
            with zipfile.ZipFile(archive) as bundle:
                return bundle.read(member)
        except (OSError, KeyError, zipfile.BadZipFile):
            return None
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


@contextmanager
def _progress_bar() -> Iterator[Callable[[object], None]]:
    """A tqdm progress bar on stderr when it is a terminal (silent otherwise); yields the
    per-file callback."""
    from tqdm import tqdm

    with tqdm(unit="file", desc="verify", file=sys.stderr, disable=None) as bar:
        yield lambda _result: bar.update(1)


# --- trust --------------------------------------------------------------------------------

def _purposes(choice: str):
    from signing.validation.trust_store import Purpose

    return list(Purpose) if choice == "both" else [Purpose(choice)]


def _trust_add(args: argparse.Namespace) -> int:
    from signing.validation.trust_store import TrustStore

    for cert in TrustStore(args.trust_dir).add(args.paths, _purposes(args.purpose)):
        print(f"trusted for {cert.purpose.value}: {cert.fingerprint[:16]}  {cert.subject}")
    return 0


def _trust_list(args: argparse.Namespace) -> int:
    from signing.validation.trust_store import TrustStore

    certs = TrustStore(args.trust_dir).list()
    if args.json:
        print(json.dumps([{"purpose": c.purpose.value, "fingerprint": c.fingerprint,
                           "subject": c.subject, "not_after": c.not_after.isoformat()}
                          for c in certs], ensure_ascii=False, indent=2))
    else:
        for c in certs:
            print(f"{c.purpose.value:10}  {c.fingerprint[:16]}  {c.not_after:%Y-%m-%d}  "
                  f"{c.subject}")
    return 0


def _trust_remove(args: argparse.Namespace) -> int:
    from signing.validation.trust_store import TrustStore

    for cert in TrustStore(args.trust_dir).remove(args.fingerprint, _purposes(args.purpose)):
        print(f"removed from {cert.purpose.value}: {cert.fingerprint[:16]}  {cert.subject}")
    return 0


# --- long-term preservation ---------------------------------------------------------------

def _preservation_settings(args: argparse.Namespace):
    from signing.validation.validator import ValidationSettings

    trust, timestamp_trust = _trust_paths(args)
    return ValidationSettings.from_paths(trust, timestamp_trust)


def _augment(args: argparse.Namespace) -> int:
    from signing.pades.signer import write_atomically
    from signing.validation import preservation
    from signing.validation.results import PadesLevel
    from signing.validation.validator import expand_paths

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
    from signing.pades.signer import write_atomically
    from signing.validation import preservation
    from signing.validation.validator import expand_paths

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
              f"expires {due.tsa_not_after:%Y-%m-%d})")
    print(f"{renewed} file(s) {'due' if args.dry_run else 'renewed'}", file=sys.stderr)
    return 2 if failures else 0
