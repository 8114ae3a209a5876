"""``edochub sign`` and ``edochub sign-batch``: one PDF or a folder, with a PKCS#12 file or a
PKCS#11 token (``sign`` also with a remote-signing service, CSC API v1: ``--csc-*``); plain
PAdES, a Decree 30 role (``--profile``: leader, organization, attachment, copy), or split
signing where the key is on the signer's own machine (``--prepare``, ``--complete``,
``--embed``).

Heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from edochub.cli.common import (
    add_signing_options,
    key_source,
    parse_box,
    quiet_libraries,
    read_file,
    refuse_overwrite,
    remote_authorisation,
    signature_options,
)
from signing.errors import SigningError

PROFILES = ("leader", "organization", "attachment", "copy")


COPY_FORMS = ("SAO Y", "SAO LỤC", "TRÍCH SAO")


def register(subparsers: argparse._SubParsersAction) -> None:
    sign = subparsers.add_parser("sign", help="sign one PDF (PAdES)")
    sign.add_argument("input", type=Path, metavar="IN", help="PDF to sign")
    sign.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                      help="where to write the signed PDF")
    add_signing_options(sign)
    sign.add_argument("--field", default=None, metavar="NAME",
                      help="signature field to fill or create")
    _add_decree30_options(sign)
    _add_split_options(sign)
    sign.set_defaults(handler=_sign)

    batch = subparsers.add_parser("sign-batch", help="sign every PDF under a folder")
    batch.add_argument("input_dir", type=Path, metavar="INDIR")
    batch.add_argument("output_dir", type=Path, metavar="OUTDIR")
    add_signing_options(batch)
    batch.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes (default 1)")
    batch.set_defaults(handler=_sign_batch)


def _add_decree30_options(sign: argparse.ArgumentParser) -> None:
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
    group.add_argument("--box", type=parse_box, metavar="PAGE,X1,Y1,X2,Y2",
                       help="explicit place: page from 1, points from the bottom-left of the "
                            "page as displayed")


def _add_split_options(sign: argparse.ArgumentParser) -> None:
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


def _sign(args: argparse.Namespace) -> int:
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
        return _sign_plain(args)
    return _sign_profile(args)


def _sign_plain(args: argparse.Namespace) -> int:
    from signing.pades import PadesSigner, async_open_key

    quiet_libraries()
    source, options = key_source(args), signature_options(args, args.field)
    if args.input.resolve() == args.output.resolve():
        raise SigningError("the output must not overwrite the input")
    authorisation = remote_authorisation(args)

    async def run() -> None:
        async with async_open_key(source, authorisation) as key:
            signer = PadesSigner(key, options)
            try:
                await signer.async_sign_file(args.input, args.output)
            finally:
                await signer.aclose()

    asyncio.run(run())
    print(f"signed {args.input} -> {args.output} ({args.level})")
    return 0


def _sign_profile(args: argparse.Namespace) -> int:
    from signing.pades import async_open_key, read_pdf, write_atomically
    from signing.stamping import async_sign_profile

    quiet_libraries()
    refuse_overwrite(args.input, args.output)
    source, options = key_source(args), signature_options(args)
    authorisation = remote_authorisation(args)
    profile = _profile(args)
    pdf = read_pdf(args.input)

    async def run() -> bytes:
        from signing.validation import SignatureRole

        async with async_open_key(source, authorisation) as key:
            if profile.role is SignatureRole.ORGANIZATION:
                await _require_leader(pdf, args, key)
            return await async_sign_profile(key, options, profile, pdf)

    write_atomically(args.output, asyncio.run(run()))
    print(f"signed {args.input} -> {args.output} ({args.profile}, {args.level})")
    return 0


async def _require_leader(pdf: bytes, args: argparse.Namespace, key) -> None:
    """The organization signs only what the leader has validly signed; trust: --trust plus
    the root that comes with the organization's key."""
    from signing.stamping import async_require_leader_signature
    from signing.validation import ValidationSettings, load_certificates

    roots = tuple(c for c in (key.certificate, *key.chain) if c.self_signed != "no")
    settings = ValidationSettings(trust_roots=(*roots, *load_certificates(args.trust)))
    await async_require_leader_signature(pdf, settings)


def _profile(args: argparse.Namespace):
    from signing.stamping import CopyForm, Profile
    from signing.validation import SignatureRole

    image = None if args.image is None else read_file(args.image)
    return Profile(
        role=SignatureRole(args.profile), image_png=image, signer_name=args.signer_name,
        number_notation=args.number_notation,
        copy_form=None if args.copy_form is None else CopyForm(args.copy_form),
        organization=args.organization, field_name=args.field, box=args.box,
    )


def _split_prepare(args: argparse.Namespace) -> int:
    from signing.pades import read_pdf, write_atomically
    from signing.stamping import split
    from signing.validation import load_certificates

    quiet_libraries()
    refuse_overwrite(args.input, args.output)
    if args.cert is None:
        raise SigningError("--prepare needs the signer's certificate (--cert PEM)")
    certificate, *chain = load_certificates([args.cert])
    profile = None if args.profile is None else _profile(args)
    pdf = read_pdf(args.input)
    prepared, request = asyncio.run(split.async_prepare(
        pdf, certificate, tuple(chain), signature_options(args), profile))
    request_path = args.request or _default_request(args.output)
    write_atomically(args.output, prepared)
    write_atomically(request_path, request.to_json().encode())
    print(f"prepared {args.output}; data to be signed in {request_path}")
    return 0


def _split_complete(args: argparse.Namespace) -> int:
    from signing.pades import RsaPadding, async_open_key, write_atomically
    from signing.stamping import split

    quiet_libraries()
    request = split.SigningRequest.from_json(read_file(args.input))
    source, authorisation = key_source(args), remote_authorisation(args)

    async def run() -> bytes:
        async with async_open_key(source, authorisation) as key:
            return await split.async_complete(request, key, args.tsa,
                                              RsaPadding(args.rsa_padding),
                                              args.service_timeout)

    write_atomically(args.output, asyncio.run(run()))
    print(f"signature written to {args.output}")
    return 0


def _split_embed(args: argparse.Namespace) -> int:
    from signing.pades import read_pdf, write_atomically
    from signing.stamping import split
    from signing.validation import EXTENDABLE, PadesLevel, ValidationSettings, Validator, augment

    quiet_libraries()
    refuse_overwrite(args.input, args.output)
    request_path = args.request or _default_request(args.input)
    request = split.SigningRequest.from_json(read_file(request_path))
    signed = split.embed(read_pdf(args.input), request, read_file(args.embed))
    settings = ValidationSettings.from_paths(args.trust)
    level = PadesLevel(args.level)
    if level in EXTENDABLE:
        # the signer's machine made B-B/B-T; validation data and the document time-stamp
        # are the hub's part, done as for any signed file
        signed = augment(signed, level, settings, args.tsa, args.service_timeout)

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


def _default_request(pdf: Path) -> Path:
    return pdf.with_name(pdf.name + ".request.json")


def _sign_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from signing.pades import CscSource, plan, sign_batch

    quiet_libraries()
    source, options = key_source(args), signature_options(args)
    if isinstance(source, CscSource):
        raise SigningError("sign-batch signs with a local key; remote signing (--csc-*) "
                           "authorises each document: use `edochub sign`")
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
