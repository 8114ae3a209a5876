"""Decree 30 commands: ``prepare`` (number and date fields on a draft before the leader signs),
``issue`` (the clerk writes number and date and applies the seal) and ``specimens``. Signing in a
Decree 30 role is ``edochub sign --profile`` (:mod:`edochub.cli.sign`).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from edochub.cli.common import (
    REVOCATION_MODES,
    add_signing_options,
    key_source,
    parse_box,
    parse_date,
    quiet_libraries,
    read_file,
    refuse_overwrite,
    remote_authorisation,
    signature_options,
)


def register(subparsers: argparse._SubParsersAction) -> None:

    prepare = subparsers.add_parser(
        "prepare", help="add the number and place/date fields to a draft before the leader signs")
    prepare.add_argument("input", type=Path, metavar="IN", help="draft PDF")
    prepare.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    prepare.add_argument("--number-box", type=parse_box, metavar="PAGE,X1,Y1,X2,Y2",
                         help="where the number goes (default: after \"Số:\" on page 1)")
    prepare.add_argument("--date-box", type=parse_box, metavar="PAGE,X1,Y1,X2,Y2",
                         help="where the place/date line goes (default: on the "
                              "\"ngày ... tháng ... năm\" line of page 1)")
    prepare.set_defaults(handler=_prepare)

    issue = subparsers.add_parser(
        "issue", help="write number and date and apply the organization's signature (seal)")
    issue.add_argument("input", type=Path, metavar="IN", help="PDF signed by the leader")
    issue.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    add_signing_options(issue, revocation=False)
    issue.add_argument("--seal", type=Path, required=True, metavar="SEAL.png",
                       help="the organization's seal: red, transparent PNG at real size")
    issue.add_argument("--number", type=int, required=True, help="document number (số)")
    issue.add_argument("--notation", required=True, help="notation (ký hiệu), e.g. QĐ-UBND")
    issue.add_argument("--place", required=True, help="place name (địa danh), e.g. \"Hà Nội\"")
    issue.add_argument("--date", type=parse_date, default=None, metavar="YYYY-MM-DD",
                       help="issuing date (default: today, Vietnam time)")
    issue.add_argument("--revocation", choices=REVOCATION_MODES,
                       default="require",
                       help="revocation checks on the leader's signature (and, require or "
                            "not, on the organization's certificate before signing)")
    issue.set_defaults(handler=_issue)

    specimens = subparsers.add_parser(
        "specimens", help="write the specimen draft, signature and seal (MẪU / SPECIMEN)")
    specimens.add_argument("directory", type=Path, metavar="DIR")
    specimens.set_defaults(handler=_specimens)


def _prepare(args: argparse.Namespace) -> int:
    from signing.pades import read_pdf, write_atomically
    from signing.stamping import prepare

    refuse_overwrite(args.input, args.output)
    write_atomically(args.output, prepare(read_pdf(args.input), args.number_box, args.date_box))
    print(f"prepared {args.output}: number and place/date fields added")
    return 0


def _issue(args: argparse.Namespace) -> int:
    from decree30 import vietnam_time
    from signing.pades import async_open_key, read_pdf, write_atomically
    from signing.stamping import Issuance, async_issue
    from signing.validation import ValidationSettings

    quiet_libraries()
    refuse_overwrite(args.input, args.output)
    issuance = Issuance(seal_png=read_file(args.seal), number=args.number, notation=args.notation,
                        place=args.place, day=args.date or vietnam_time.today())
    settings = ValidationSettings.from_paths(args.trust, revocation=args.revocation)
    source, options = key_source(args), signature_options(args)
    authorisation = remote_authorisation(args)
    pdf = read_pdf(args.input)

    async def run() -> bytes:
        async with async_open_key(source, authorisation) as key:
            return await async_issue(pdf, key, options, settings, issuance)

    write_atomically(args.output, asyncio.run(run()))
    print(f"issued {issuance.number_notation}, {issuance.date_line} -> {args.output}")
    return 0


def _specimens(args: argparse.Namespace) -> int:
    from signing.stamping import write_specimens

    for name, path in write_specimens(args.directory).items():
        print(f"{name}: {path}")
    return 0
