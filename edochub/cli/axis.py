"""``edochub axis``: run the reference axis, register agencies, and send, receive and list
messages through any axis over SOAP or the national HTTP protocol."""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from axis.errors import AxisError
from edochub.cli.common import json_logs

if TYPE_CHECKING:
    from axis.server import ServerConfig, Settings
    from axis.transports import AxisClient

DEFAULT_DATA_DIR = Path("axis-data")


def register(subparsers: argparse._SubParsersAction) -> None:
    axis = subparsers.add_parser("axis", help="exchange edXML messages through the axis")
    actions = axis.add_subparsers(dest="action", required=True, metavar="ACTION")

    serve = actions.add_parser("serve", help="run the reference axis (SOAP + national protocol)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    _storage_args(serve)
    serve.add_argument("--store", default=None, metavar="FOLDER|s3://BUCKET/PREFIX",
                       help="where envelopes are kept (default: DATA_DIR/messages); an S3 "
                            "bucket lets several servers on one database share them")
    serve.add_argument("--s3-endpoint-url", default=os.environ.get("EDOCHUB_S3_ENDPOINT_URL"),
                       metavar="URL", help="an S3-compatible service other than AWS "
                                           "(default: $EDOCHUB_S3_ENDPOINT_URL)")
    serve.add_argument("--max-message-mb", type=float, default=256,
                       help="largest envelope accepted (default 256 MB)")
    serve.add_argument("--soap-max-mb", type=float, default=96,
                       help="largest SOAP request accepted (default 96 MB, base64 included)")
    serve.add_argument("--retention-days", type=float, default=30,
                       help="how long acknowledged messages are kept (default 30)")
    serve.add_argument("--public-url", default=None, metavar="URL",
                       help="the address clients reach this axis at, written into the WSDL "
                            "(default: http://HOST:PORT)")
    serve.set_defaults(handler=_serve)

    agency = actions.add_parser("agency", help="manage the reference axis's agency registry")
    agency_actions = agency.add_subparsers(dest="agency_action", required=True, metavar="ACTION")
    add = agency_actions.add_parser("add", help="register (or update) an agency")
    add.add_argument("code", help="agency code, e.g. 000.00.00.H41")
    add.add_argument("--name", required=True)
    add.add_argument("--parent", default=None, help="code of the parent agency")
    add.add_argument("--secret-env", required=True, metavar="NAME",
                     help="environment variable holding the agency's secret")
    add.add_argument("--mail", default=None, help="the agency's mail address")
    add.add_argument("--operator", action="store_true",
                     help="this agency operates the axis (may delete agencies)")
    _storage_args(add)
    add.set_defaults(handler=_agency_add)
    load = agency_actions.add_parser(
        "import", help="import directory entries (a reorganisation) from a CSV or JSON file")
    load.add_argument("file", type=Path, metavar="FILE.csv|FILE.json")
    _storage_args(load)
    load.set_defaults(handler=_agency_import)

    send = actions.add_parser("send", help="send an edXML envelope")
    send.add_argument("file", type=Path, metavar="FILE.edxml")
    _client_args(send)
    send.add_argument("--to", action="append", default=[], metavar="CODE",
                      help="recipient agency (repeatable; default: the envelope's recipients)")
    send.add_argument("--kind", choices=("edoc", "status"), default=None,
                      help="message kind (default: read from the envelope)")
    send.add_argument("--message-id", default=None,
                      help="the sender's message id (default: a new UUID); reuse it to resend")
    send.set_defaults(handler=_send)

    receive = actions.add_parser("receive", help="fetch, store and acknowledge waiting messages")
    _client_args(receive)
    receive.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    receive.add_argument("--kind", choices=("edoc", "status"), default=None)
    receive.set_defaults(handler=_receive)

    agencies = actions.add_parser("agencies", help="list the agencies registered on the axis")
    _client_args(agencies)
    agencies.add_argument("--changes-since", type=int, default=None, metavar="VERSION",
                          help="every directory entry changed after this directory version "
                               "(merged, renamed and deleted ones included)")
    agencies.set_defaults(handler=_agencies)

    sent = actions.add_parser("sent", help="list what this agency sent, per recipient state")
    _client_args(sent)
    sent.set_defaults(handler=_sent)


def _storage_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help="folder of stored messages (and of the default SQLite database)")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="database URL (default: SQLite in the data folder; "
                             "postgresql+psycopg://... for PostgreSQL)")


def _client_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--axis", required=True, metavar="BASE_URL",
                        help="base URL of the axis, e.g. http://127.0.0.1:8700")
    parser.add_argument("--protocol", choices=("soap", "http"), default="http",
                        help="SOAP, or the national HTTP protocol (default)")
    parser.add_argument("--as", dest="agency", required=True, metavar="CODE",
                        help="this agency's code")
    parser.add_argument("--secret-env", required=True, metavar="NAME",
                        help="environment variable holding this agency's secret")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per attempt")
    parser.add_argument("--attempts", type=int, default=4, help="tries per call (default 4)")


def _secret(name: str) -> str:
    secret = os.environ.get(name)
    if not secret:
        raise AxisError(f"environment variable {name} (the agency secret) is not set")
    return secret


def _server_config(args: argparse.Namespace, settings: Settings | None = None) -> ServerConfig:
    from axis.server import ServerConfig, Settings, kek_from_env  # noqa: F811 - at run time

    settings = replace(settings or Settings(), secrets_key=kek_from_env())
    return ServerConfig(data_dir=args.data_dir, db_url=args.db, settings=settings)


def _serve(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from axis.server import MiB, Settings, serve

    # the retention is part of the settings that also carry the secrets' key
    config = dataclasses.replace(
        _server_config(args, Settings(retention=timedelta(days=args.retention_days))),
        store=args.store, s3_endpoint_url=args.s3_endpoint_url,
        max_message_bytes=int(args.max_message_mb * MiB),
        soap_max_bytes=int(args.soap_max_mb * MiB),
        public_url=args.public_url or f"http://{args.host}:{args.port}")
    json_logs()
    base = f"http://{args.host}:{args.port}"
    print(f"reference axis at {base}: SOAP {base}/soap (WSDL {base}/soap?wsdl), "
          f"national protocol {base}/vxp/<operation>", flush=True)
    serve(config, args.host, args.port)
    return 0


def _agency_add(args: argparse.Namespace) -> int:
    from axis.server import open_core

    open_core(_server_config(args)).add_agency(args.code, args.name, _secret(args.secret_env),
                                               args.parent, operator=args.operator,
                                               mail=args.mail)
    print(f"agency {args.code} registered")
    return 0


def _agency_import(args: argparse.Namespace) -> int:
    from axis.server import open_core, read_directory_file

    entries = read_directory_file(args.file)
    version = open_core(_server_config(args)).import_directory(entries)
    print(f"{len(entries)} directory entries imported from {args.file} "
          f"(directory version {version})")
    return 0


def _client(args: argparse.Namespace) -> AxisClient:
    from axis.transports import connect

    return connect(args.axis, args.protocol, args.agency, _secret(args.secret_env),
                   timeout=args.timeout, attempts=args.attempts)


def _send(args: argparse.Namespace) -> int:
    with _client(args) as client:
        receipt = client.send(args.file, args.kind, tuple(args.to), args.message_id)
    note = " (already stored: not sent twice)" if receipt.duplicate else ""
    print(f"sent {args.file} as {receipt.doc_id} (message id {receipt.message_id}) "
          f"to {', '.join(receipt.recipients)}{note}")
    return 0


def _receive(args: argparse.Namespace) -> int:
    with _client(args) as client:
        waiting = client.received(args.kind)
        for item in waiting:
            destination = args.output / f"{item.doc_id}.edxml"
            client.fetch(item.doc_id, destination)  # fsynced and checked before the ack
            client.acknowledge(item.doc_id, "done")
            print(f"received {item.kind} {item.doc_id} from {item.sender} -> {destination}")
    print(f"{len(waiting)} message(s) received")
    return 0


def _agencies(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if args.changes_since is not None:
            for agency in client.sync_agencies(args.changes_since):
                state = ("deleted" if agency.deleted else
                         f"now {agency.successor}" if agency.successor else "current")
                print(f"{agency.version}\t{agency.code}\t{agency.name}\t{state}")
            return 0
        for agency in client.agencies():
            parent = f" (under {agency.parent})" if agency.parent else ""
            former = f" (formerly {', '.join(agency.old_codes)})" if agency.old_codes else ""
            print(f"{agency.code}\t{agency.name}{parent}{former}")
    return 0


def _sent(args: argparse.Namespace) -> int:
    with _client(args) as client:
        for message in client.sent():
            states = ", ".join(f"{r.recipient}: {r.state}" for r in message.recipients)
            print(f"{message.doc_id}\t{message.kind}\t{message.created}\t{states}")
    return 0
