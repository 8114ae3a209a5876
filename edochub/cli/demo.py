"""``edochub demo``: the product's main job on embedded defaults (DEV-ONLY keys).

Starts the development PKI's services, a reference axis and two agencies' hubs on loopback
(SQLite, local files), plays draft → leader signs → clerk issues → send → receive → validate →
register → assign → statuses back through the hubs' HTTP APIs, then keeps serving with the
addresses printed. ``--once --json`` prints the counts and exits.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="two agencies' hubs and an axis on loopback, the whole story (DEV-ONLY)")
    demo.add_argument("--dir", type=Path, default=None,
                      help="where the demo keeps its data (default: a new temporary folder)")
    demo.add_argument("--once", action="store_true", help="play the story and exit")
    demo.add_argument("--json", action="store_true",
                      help="print only the counts as JSON (with --once)")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from documents.services import Worker
    from edochub import demo

    for name in ("werkzeug", "pyhanko", "pyhanko_certvalidator", "httpx", "documents"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    quiet = args.once and args.json

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    with tempfile.TemporaryDirectory(prefix="edochub-demo-") as scratch:
        directory = args.dir or Path(scratch)
        say(f"edochub demo (DEV-ONLY keys) in {directory}")
        with demo.running(directory) as world:
            say(f"  axis: {world.axis_url}   PKI services: {world.pki_url}")
            for code, url in world.urls.items():
                say(f"  hub {code}: {url}  (API description: {url}/openapi.json, "
                    f"pages: {url}/ui)")
            counts = demo.play(world, say)
            if args.once:
                print(json.dumps(counts) if args.json else f"done: {counts}")
                return 0 if counts["registered"] == len(demo.DOCUMENTS) else 1
            say("\nstill serving; log in with these demo accounts (generated for this run):")
            for code, passwords in world.passwords.items():
                for role, password in passwords.items():
                    say(f"  {world.urls[code]}  {role} / {password}")
            workers = [Worker(hub, 2.0).start() for hub in world.hubs.values()]
            say("press Ctrl-C to stop")
            try:
                while True:
                    input()
            except (KeyboardInterrupt, EOFError):
                pass
            finally:
                for worker in workers:
                    worker.stop()
    return 0
