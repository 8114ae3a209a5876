"""``edochub edxml parse|build|extract``: read, write and unpack edXML envelopes."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from axis.errors import EdxmlError, MalformedEdxmlError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("edxml", help="read, write and unpack edXML envelopes",
                                   description="edXML envelopes (QCVN 102:2016) of the axis.")
    commands = parser.add_subparsers(dest="edxml_command", required=True, metavar="ACTION")

    parse = commands.add_parser("parse", help="read an envelope and show its header")
    parse.add_argument("file", type=Path, metavar="FILE")
    parse.add_argument("--json", action="store_true", help="print the message as JSON")
    parse.add_argument("--strict", action="store_true",
                       help="refuse the message on any flaw instead of warning (an untrusted"
                       " or invalid signature included)")
    parse.add_argument("--trust", type=Path, action="append", default=[],
                       metavar="PEM_OR_DIR", help="trust anchor certificate(s) for the envelope"
                       " signature; without any, a signature is at best 'untrusted'")
    parse.add_argument("--revocation", choices=("require", "soft", "offline"), default="soft",
                       help="revocation check of the signer's certificate (default: soft)")
    parse.set_defaults(handler=_parse)

    build = commands.add_parser("build", help="write an envelope from a JSON description")
    build.add_argument("spec", type=Path, metavar="SPEC.json",
                       help="the shape `edochub edxml parse --json` prints")
    build.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.edxml")
    build.add_argument("--attach", type=Path, action="append", default=[], metavar="FILE",
                       help="attachment content, in the order of SPEC's attachments")
    build.add_argument("--sign-key", type=Path, metavar="KEY.pem",
                       help="sign the envelope with this organization key (PEM)")
    build.add_argument("--sign-cert", type=Path, metavar="CERT.pem",
                       help="the organization certificate matching --sign-key (PEM),"
                       " optionally followed by its issuing CA certificates")
    build.set_defaults(handler=_build)

    extract = commands.add_parser("extract", help="save the attachments to files")
    extract.add_argument("file", type=Path, metavar="FILE")
    extract.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    extract.add_argument("--no-unzip", action="store_true",
                         help="keep zipped attachments packed")
    extract.set_defaults(handler=_extract)


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _parse(args: argparse.Namespace) -> int:
    from axis import edxml
    from axis.edxml import to_json

    trust = (edxml.EnvelopeTrust.from_paths(args.trust, args.revocation) if args.trust
             else None)
    message = edxml.parse(args.file, strict=args.strict, trust=trust)
    if args.json:
        print(json.dumps(to_json(message), ensure_ascii=False, indent=2))
        return 0
    print(f"kind: {message.kind}")
    print(f"from: {message.sender.organ_id} {message.sender.organ_name or ''}".rstrip())
    if isinstance(message, edxml.StatusMessage):
        print(f"status: {message.status_code.value} {message.description or ''}".rstrip())
        print(f"response for: {message.response_for.document_id}")
    else:
        for recipient in message.to:
            print(f"to: {recipient.organ_id} {recipient.organ_name or ''}".rstrip())
        print(f"document id: {message.document_id}")
        print(f"subject: {message.subject}")
        if message.business is not None:
            print(f"business: {message.business.doc_type.name.lower()}")
        for a in message.attachments:
            print(f"attachment: {a.content_id} {a.name} ({a.content_type}, {a.size} bytes)")
    print(f"signature: {message.signature}")
    _warn(message.warnings)
    return 0


def _build(args: argparse.Namespace) -> int:
    from axis import edxml
    from axis.edxml import from_json

    try:
        spec = json.loads(args.spec.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedEdxmlError(f"{args.spec} is not JSON: {exc}") from None
    message = from_json(spec, args.attach)
    if isinstance(message, edxml.DocumentMessage):
        for attachment in message.attachments:
            _check_content(attachment)
    if (args.sign_key is None) != (args.sign_cert is None):
        raise EdxmlError("--sign-key and --sign-cert go together")
    signer = (edxml.EnvelopeSigner.from_files(args.sign_key, args.sign_cert)
              if args.sign_key else None)
    partial = args.output.with_name(args.output.name + ".part")
    try:
        edxml.write(message, partial, signer=signer)
        partial.replace(args.output)
    finally:
        partial.unlink(missing_ok=True)
    print(args.output)
    return 0


def _check_content(attachment) -> None:
    """The file given for an attachment must be the content SPEC describes, if it does."""
    import hashlib

    if not attachment.path.is_file():
        return  # the writer names the missing file
    if attachment.size is not None and attachment.path.stat().st_size != attachment.size:
        raise EdxmlError(f"{attachment.path} has {attachment.path.stat().st_size} bytes,"
                         f" SPEC says {attachment.size} for {attachment.content_id}")
    if attachment.sha256 is not None:
        digest = hashlib.sha256()
        with attachment.path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != attachment.sha256.lower():
            raise EdxmlError(f"{attachment.path} does not match the sha256 SPEC gives for"
                             f" {attachment.content_id}")


def _extract(args: argparse.Namespace) -> int:
    from axis import edxml
    from axis.edxml import is_zip, unique_path

    message = edxml.parse(args.file, attachments_dir=args.output)
    written = [a.path for a in getattr(message, "attachments", ())]
    folders = []
    try:
        for path in list(written):
            if args.no_unzip or not is_zip(path):
                continue
            folders.append(unique_path(args.output, path.name + ".unzipped"))
            written += edxml.unzip_safely(path, folders[-1], label=path.name)
    except BaseException:  # a refused zip leaves nothing of this run behind
        for path in written:
            path.unlink(missing_ok=True)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    _warn(message.warnings)
    for path in written:
        print(path)
    return 0
