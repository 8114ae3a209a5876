"""``edochub verify``: validate every signature in PDF files, folders and ZIP archives, with
batches in worker processes, CSV/JSON summaries, per-file reports and a look-ahead (``--until``).

Heavy imports happen inside the handler.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from decree30 import vietnam_time
from edochub.cli.common import REVOCATION_MODES, describe_result, iso_moment, quiet_libraries
from edochub.cli.trust import trust_paths
from signing.errors import SigningError


def register(subparsers: argparse._SubParsersAction) -> None:
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


def _verify(args: argparse.Namespace) -> int:
    from signing.validation import (
        BatchSettings,
        combined_exit_code,
        verify_batch,
        write_csv,
        write_json,
    )

    quiet_libraries()
    if args.until is not None and args.at is not None:
        raise SigningError("give either --at (past) or --until (look-ahead), not both")
    if args.workers < 1:
        raise SigningError("--workers must be at least 1")
    trust, timestamp_trust = trust_paths(args)
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
                print(f"  valid on {vietnam_time.human(args.until)} with its own data: "
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
