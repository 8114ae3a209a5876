"""Decree 30 commands: ``prepare``, ``issue`` and ``specimens``, and the Decree 30 options of
``edochub sign`` (``--profile``, ``--box``, split signing with ``--prepare``/``--complete``/
``--embed``).

``sign`` itself belongs to :mod:`edochub.cli.signing`; this module adds its options to that parser
and
takes over only when one of them is used (it must be registered after ``edochub.cli.signing``).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path

from signing.errors import SigningError

PROFILES = ("leader", "organization", "attachment", "copy")
COPY_FORMS = ("SAO Y", "SAO LỤC", "TRÍCH SAO")


def register(subparsers: argparse._SubParsersAction) -> None:
    from edochub.cli import signing as signing_cli

    _extend_sign(subparsers.choices["sign"])

    prepare = subparsers.add_parser(
        "prepare", help="add the number and place/date fields to a draft before the leader signs")
    prepare.add_argument("input", type=Path, metavar="IN", help="draft PDF")
    prepare.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    prepare.add_argument("--number-box", type=_box, metavar="PAGE,X1,Y1,X2,Y2",
                         help="where the number goes (default: after \"Số:\" on page 1)")
    prepare.add_argument("--date-box", type=_box, metavar="PAGE,X1,Y1,X2,Y2",
                         help="where the place/date line goes (default: on the "
                              "\"ngày ... tháng ... năm\" line of page 1)")
    prepare.set_defaults(handler=_prepare)

    issue = subparsers.add_parser(
        "issue", help="write number and date and apply the organization's signature (seal)")
    issue.add_argument("input", type=Path, metavar="IN", help="PDF signed by the leader")
    issue.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    signing_cli.add_signing_options(issue, revocation=False)
    issue.add_argument("--seal", type=Path, required=True, metavar="SEAL.png",
                       help="the organization's seal: red, transparent PNG at real size")
    issue.add_argument("--number", type=int, required=True, help="document number (số)")
    issue.add_argument("--notation", required=True, help="notation (ký hiệu), e.g. QĐ-UBND")
    issue.add_argument("--place", required=True, help="place name (địa danh), e.g. \"Hà Nội\"")
    issue.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="issuing date (default: today, Vietnam time)")
    issue.add_argument("--revocation", choices=("require", "soft", "offline"),
                       default="require",
                       help="revocation checks on the leader's signature (and, require or "
                            "not, on the organization's certificate before signing)")
    issue.set_defaults(handler=_issue)

    specimens = subparsers.add_parser(
        "specimens", help="write the specimen draft, signature and seal (MẪU / SPECIMEN)")
    specimens.add_argument("directory", type=Path, metavar="DIR")
    specimens.set_defaults(handler=_specimens)


def _extend_sign(sign: argparse.ArgumentParser) -> None:
    group = sign.add_argument_group("Decree 30 (Nghị định 30/2020)")
    group.add_argument("--profile", choices=PROFILES, default=None,
                       help="appearance and role of the signature")
    group.add_argument("--image", type=Path, metavar="PNG",
                       help="leader: handwritten signature; organization: the seal")
    group.add_argument("--signer-name", metavar="NAME",
                       help="leader: printed full name to place the signature by "
                            "(default: the certificate's common name)")
    group.add_argument("--number-notation", metavar="TEXT",
                       help="attachment: the main document's number and notation")
    group.add_argument("--copy-form", choices=COPY_FORMS, help="copy: form of copy")
    group.add_argument("--organization", metavar="NAME",
                       help="organization name (default: the certificate's organization)")
    group.add_argument("--box", type=_box, metavar="PAGE,X1,Y1,X2,Y2",
                       help="explicit place: page from 1, points from the bottom-left of the "
                            "page as displayed")
    split = sign.add_argument_group("split signing (the key is on the signer's own machine)")
    steps = split.add_mutually_exclusive_group()
    steps.add_argument("--prepare", action="store_true",
                       help="hub: write the prepared PDF (OUT) and the data to be signed "
                            "(--request, default OUT.request.json)")
    steps.add_argument("--complete", action="store_true",
                       help="signer: IN is the request, OUT the signature (CMS, DER)")
    steps.add_argument("--embed", type=Path, metavar="SIGNATURE",
                       help="hub: IN is the prepared PDF; embed SIGNATURE, extend it to "
                            "--level B-LT/B-LTA if asked (a B-T signature, --tsa for "
                            "B-LTA), and validate")
    split.add_argument("--cert", type=Path, metavar="PEM",
                       help="--prepare: the signer's certificate, then its issuers")
    split.add_argument("--request", type=Path, metavar="JSON",
                       help="the signing request (default: prepared PDF + .request.json)")
    one_shot = sign.get_default("handler")
    sign.set_defaults(handler=lambda args: _sign(args, one_shot))


def _sign(args: argparse.Namespace, one_shot) -> int:
    if args.prepare:
        return _split_prepare(args)
    if args.complete:
        return _split_complete(args)
    if args.embed is not None:
        return _split_embed(args)
    if args.profile is None:
        if any((args.image, args.signer_name, args.number_notation, args.copy_form,
                args.organization, args.box)):
            raise SigningError("Decree 30 options need --profile")
        return one_shot(args)
    return _sign_profile(args)


def _sign_profile(args: argparse.Namespace) -> int:
    from edochub.cli import signing as signing_cli
    from signing.pades.keys import open_key
    from signing.pades.signer import read_pdf, write_atomically
    from signing.stamping.role_signing import async_sign_profile

    signing_cli.quiet_libraries()
    _refuse_overwrite(args.input, args.output)
    source, options = signing_cli.key_source(args), signing_cli.signature_options(args)
    profile = _profile(args)
    pdf = read_pdf(args.input)

    async def run() -> bytes:
        from signing.validation.results import SignatureRole

        with open_key(source) as key:
            if profile.role is SignatureRole.ORGANIZATION:
                await _require_leader(pdf, args, key)
            return await async_sign_profile(key, options, profile, pdf)

    write_atomically(args.output, asyncio.run(run()))
    print(f"signed {args.input} -> {args.output} ({args.profile}, {args.level})")
    return 0


async def _require_leader(pdf: bytes, args: argparse.Namespace, key) -> None:
    """The organization signs only what the leader has validly signed; trust: --trust plus
    the root that comes with the organization's key."""
    from signing.stamping.issuance import async_require_leader_signature
    from signing.validation.validator import ValidationSettings, load_certificates

    roots = tuple(c for c in (key.certificate, *key.chain) if c.self_signed != "no")
    settings = ValidationSettings(trust_roots=(*roots, *load_certificates(args.trust)))
    await async_require_leader_signature(pdf, settings)


def _profile(args: argparse.Namespace):
    from signing.stamping.appearance import CopyForm
    from signing.stamping.role_signing import Profile
    from signing.validation.results import SignatureRole

    image = None if args.image is None else _read(args.image)
    return Profile(
        role=SignatureRole(args.profile), image_png=image, signer_name=args.signer_name,
        number_notation=args.number_notation,
        copy_form=None if args.copy_form is None else CopyForm(args.copy_form),
        organization=args.organization, field_name=args.field, box=args.box,
    )


def _split_prepare(args: argparse.Namespace) -> int:
    from edochub.cli import signing as signing_cli
    from signing.pades import split
    from signing.pades.signer import read_pdf, write_atomically
    from signing.validation.validator import load_certificates

    signing_cli.quiet_libraries()
    _refuse_overwrite(args.input, args.output)
    if args.cert is None:
        raise SigningError("--prepare needs the signer's certificate (--cert PEM)")
    certificate, *chain = load_certificates([args.cert])
    profile = None if args.profile is None else _profile(args)
    pdf = read_pdf(args.input)
    prepared, request = asyncio.run(split.async_prepare(
        pdf, certificate, tuple(chain), signing_cli.signature_options(args), profile))
    request_path = args.request or _default_request(args.output)
    write_atomically(args.output, prepared)
    write_atomically(request_path, request.to_json().encode())
    print(f"prepared {args.output}; data to be signed in {request_path}")
    return 0


def _split_complete(args: argparse.Namespace) -> int:
    from edochub.cli import signing as signing_cli
    from signing.crypto_rules import RsaPadding
    from signing.pades import split
    from signing.pades.keys import open_key
    from signing.pades.signer import write_atomically

    signing_cli.quiet_libraries()
    request = split.SigningRequest.from_json(_read(args.input))

    async def run() -> bytes:
        with open_key(signing_cli.key_source(args)) as key:
            return await split.async_complete(request, key, args.tsa,
                                              RsaPadding(args.rsa_padding),
                                              args.service_timeout)

    write_atomically(args.output, asyncio.run(run()))
    print(f"signature written to {args.output}")
    return 0


def _split_embed(args: argparse.Namespace) -> int:
    from edochub.cli import signing as signing_cli
    from signing.pades import split
    from signing.pades.signer import read_pdf, write_atomically
    from signing.validation.preservation import EXTENDABLE, augment
    from signing.validation.results import PadesLevel
    from signing.validation.validator import ValidationSettings, Validator

    signing_cli.quiet_libraries()
    _refuse_overwrite(args.input, args.output)
    request = split.SigningRequest.from_json(_read(args.request or _default_request(args.input)))
    signed = split.embed(read_pdf(args.input), request, _read(args.embed))
    settings = ValidationSettings.from_paths(args.trust)
    level = PadesLevel(args.level)
    if level in EXTENDABLE:
        # the signer's machine made B-B/B-T; validation data and the document time-stamp
        # are the hub's part, done as for any signed file
        signed = augment(signed, level, settings, args.tsa)

    async def validate():
        async with Validator(settings) as validator:
            return await validator.async_validate_bytes(signed, name=str(args.output))

    result = asyncio.run(validate())
    write_atomically(args.output, signed)
    newest = result.signatures[-1] if result.signatures else None
    verdict = "no signature found" if newest is None else newest.indication.value
    if newest is not None and newest.level is not None:
        verdict += f", level {newest.level.value}"
    print(f"embedded the signature -> {args.output}; validation: {verdict}")
    return 0 if newest is not None and newest.bottom_line else 1


def _prepare(args: argparse.Namespace) -> int:
    from signing.pades.signer import read_pdf, write_atomically
    from signing.stamping.issuance import prepare

    _refuse_overwrite(args.input, args.output)
    write_atomically(args.output, prepare(read_pdf(args.input), args.number_box, args.date_box))
    print(f"prepared {args.output}: number and place/date fields added")
    return 0


def _issue(args: argparse.Namespace) -> int:
    from edochub.cli import signing as signing_cli
    from signing.pades.keys import open_key
    from signing.pades.signer import read_pdf, write_atomically
    from signing.stamping.issuance import Issuance, async_issue, today_in_vietnam
    from signing.validation.validator import ValidationSettings

    signing_cli.quiet_libraries()
    _refuse_overwrite(args.input, args.output)
    issuance = Issuance(seal_png=_read(args.seal), number=args.number, notation=args.notation,
                        place=args.place, day=args.date or today_in_vietnam())
    settings = ValidationSettings.from_paths(args.trust, revocation=args.revocation)
    source, options = signing_cli.key_source(args), signing_cli.signature_options(args)
    pdf = read_pdf(args.input)

    async def run() -> bytes:
        with open_key(source) as key:
            return await async_issue(pdf, key, options, settings, issuance)

    write_atomically(args.output, asyncio.run(run()))
    print(f"issued {issuance.number_notation}, {issuance.date_line} -> {args.output}")
    return 0


def _specimens(args: argparse.Namespace) -> int:
    from signing.stamping.specimens import write_specimens

    for name, path in write_specimens(args.directory).items():
        print(f"{name}: {path}")
    return 0


def _box(text: str):
    from signing.stamping.placement import PlacementError, parse_box

    try:
        return parse_box(text)
    except PlacementError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"file not found: {path}") from None
    except OSError as exc:
        raise SigningError(f"cannot read {path}: {exc.strerror}") from None


def _default_request(pdf: Path) -> Path:
    return pdf.with_name(pdf.name + ".request.json")


def _refuse_overwrite(source: Path, target: Path) -> None:
    if source.resolve() == target.resolve():
        raise SigningError("the output must not overwrite the input")
