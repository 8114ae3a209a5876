"""``edochub dev-pki build|serve``: the development PKI (never for production)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
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
