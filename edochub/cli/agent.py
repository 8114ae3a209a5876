"""``edochub sign-agent``: run the local signing agent on a leader's PC (see
signing.agent.service). Options not given come from the configuration's ``[sign_agent]``
section (or its ``EDOCHUB_*`` variables), read as every command reads it."""

from __future__ import annotations

import argparse

from edochub.cli.config_option import add_config_option, load_config


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sign-agent",
        help="sign on this PC with a token (PKCS#11) for the hub's pages (split signing)",
        description="Listen on 127.0.0.1 and sign the hub's split-signing requests with the "
                    "token's key, each only after you check the document and confirm on the "
                    "agent's own page (with the token's PIN). Only the hub's page "
                    "(--hub-origin) may send requests. Options default to the configuration's "
                    "[sign_agent] section and its EDOCHUB_* variables.",
    )
    parser.add_argument("--hub-origin", default=None,
                        help="the hub's origin, e.g. https://edoc.example.gov.vn "
                             "(EDOCHUB_HUB_ORIGIN)")
    parser.add_argument("--port", type=int, default=None,
                        help="port on 127.0.0.1 (EDOCHUB_AGENT_PORT, 8765)")
    parser.add_argument("--tsa", default=None,
                        help="RFC 3161 time-stamping service: makes B-T signatures "
                             "(EDOCHUB_TSA_URL)")
    key = parser.add_argument_group("key (one of --pkcs11-* or --p12)")
    key.add_argument("--pkcs11-module", default=None,
                     help="PKCS#11 module (.so) of the token (EDOCHUB_PKCS11_MODULE)")
    key.add_argument("--pkcs11-token", default=None, help="token label (EDOCHUB_PKCS11_TOKEN)")
    key.add_argument("--pkcs11-key", default=None,
                     help="key and certificate label (EDOCHUB_PKCS11_KEY)")
    key.add_argument("--pkcs11-pin-env", default=None,
                     help="environment variable holding a PIN to use when the confirmation "
                          "page's PIN is left empty (default EDOCHUB_PKCS11_PIN; unset: the "
                          "PIN is typed on each confirmation)")
    key.add_argument("--p12", default=None, help="PKCS#12 file instead of a token")
    key.add_argument("--p12-password-env", default=None,
                     help="environment variable holding the PKCS#12 password")
    add_config_option(parser)
    parser.set_defaults(handler=_run)


def _with_configuration(args: argparse.Namespace) -> argparse.Namespace:
    """Fill what the command line left out from the configuration."""
    from pathlib import Path

    config = load_config(args)
    args.hub_origin = args.hub_origin or config["sign_agent.hub_origin"] or None
    args.port = args.port or config["sign_agent.port"]
    args.tsa = args.tsa or config["tsa.url"] or None
    if args.p12 is None:
        module = config["sign_agent.pkcs11_module"]
        args.pkcs11_module = args.pkcs11_module or (str(module) if module else None)
        args.pkcs11_token = args.pkcs11_token or config["sign_agent.pkcs11_token"] or None
        args.pkcs11_key = args.pkcs11_key or config["sign_agent.pkcs11_key"] or None
        args.pkcs11_pin_env = args.pkcs11_pin_env or config["sign_agent.pin_env"]
    args.p12 = Path(args.p12) if args.p12 else None
    return args


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from edochub.cli.common import key_source  # the same key options as `edochub sign`
    from signing.agent import create_agent_app
    from signing.errors import SigningError
    from signing.pades import read_certificates

    args = _with_configuration(args)
    if not args.hub_origin:
        raise SigningError("give the hub's origin: --hub-origin, [sign_agent] hub_origin in "
                           "edochub.toml or EDOCHUB_HUB_ORIGIN")
    source = key_source(args)
    certificate, chain = read_certificates(source)
    print(f"edochub sign-agent: {certificate.subject.human_friendly} on "
          f"http://127.0.0.1:{args.port} for {args.hub_origin}", flush=True)
    uvicorn.run(create_agent_app(source, certificate, chain, args.hub_origin, args.tsa),
                host="127.0.0.1", port=args.port, log_level="warning")
    return 0
