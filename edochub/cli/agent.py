"""``edochub sign-agent``: run the local signing agent on a leader's PC (see
signing.agent.service)."""

from __future__ import annotations

import argparse
import os

DEFAULT_PORT = 8765


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sign-agent",
        help="sign on this PC with a token (PKCS#11) for the hub's pages (split signing)",
        description="Listen on 127.0.0.1 and sign the hub's split-signing requests with the "
                    "token's key. Only the hub's page (--hub-origin) may use it; the PIN is "
                    "read from the environment. Options default to EDOCHUB_* variables.",
    )
    env = os.environ.get
    parser.add_argument("--hub-origin", default=env("EDOCHUB_HUB_ORIGIN"),
                        help="the hub's origin, e.g. https://edoc.example.gov.vn "
                             "(EDOCHUB_HUB_ORIGIN)")
    parser.add_argument("--port", type=int, default=int(env("EDOCHUB_AGENT_PORT",
                                                            DEFAULT_PORT)),
                        help=f"port on 127.0.0.1 ({DEFAULT_PORT})")
    parser.add_argument("--tsa", default=env("EDOCHUB_TSA_URL"),
                        help="RFC 3161 time-stamping service: makes B-T signatures")
    key = parser.add_argument_group("key (one of --pkcs11-* or --p12)")
    key.add_argument("--pkcs11-module", default=env("EDOCHUB_PKCS11_MODULE"),
                     help="PKCS#11 module (.so) of the token (EDOCHUB_PKCS11_MODULE)")
    key.add_argument("--pkcs11-token", default=env("EDOCHUB_PKCS11_TOKEN"),
                     help="token label (EDOCHUB_PKCS11_TOKEN)")
    key.add_argument("--pkcs11-key", default=env("EDOCHUB_PKCS11_KEY"),
                     help="key and certificate label (EDOCHUB_PKCS11_KEY)")
    key.add_argument("--pkcs11-pin-env", default=None,
                     help="environment variable holding the PIN (default EDOCHUB_PKCS11_PIN)")
    key.add_argument("--p12", default=None, help="PKCS#12 file instead of a token")
    key.add_argument("--p12-password-env", default=None,
                     help="environment variable holding the PKCS#12 password")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import uvicorn

    from edochub.cli.common import key_source  # the same key options as `edochub sign`
    from signing.agent import create_agent_app
    from signing.errors import SigningError
    from signing.pades import open_key

    if not args.hub_origin:
        raise SigningError("give the hub's origin: --hub-origin or EDOCHUB_HUB_ORIGIN")
    args.p12 = Path(args.p12) if args.p12 else None
    with open_key(key_source(args)) as key:
        print(f"edochub sign-agent: {key.subject} on http://127.0.0.1:{args.port} "
              f"for {args.hub_origin}", flush=True)
        uvicorn.run(create_agent_app(key, args.hub_origin, args.tsa), host="127.0.0.1",
                    port=args.port, log_level="warning")
    return 0
