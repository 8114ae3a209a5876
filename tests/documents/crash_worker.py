"""Child process of the crash test: one hub's exchange worker, printing a line after each
message it sends or processes so that the test can kill it mid-batch."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

from axis.transports.base import AxisClient
from axis.transports.vxp import VxpTransport
from documents.adapters import db
from documents.adapters.axis_link import AxisClientLink
from documents.adapters.edxml_codec import EdxmlCodec
from documents.adapters.storage import LocalStore
from documents.services import exchange
from documents.services.hub import Hub
from documents.services.settings import HubSettings
from tests.documents.fakes import MarkSigner, MarkValidator


class Announcing:
    """Wraps a link: prints after each send and each acknowledgement."""

    def __init__(self, link) -> None:  # noqa: ANN001
        self.link = link

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        self.link.send(payload, kind, message_id)
        print("sent", message_id, flush=True)

    def waiting(self):  # noqa: ANN201
        return self.link.waiting()

    def fetch(self, axis_id: str) -> bytes:
        return self.link.fetch(axis_id)

    def acknowledge(self, axis_id: str) -> None:
        self.link.acknowledge(axis_id)
        print("acknowledged", axis_id, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("database", "files", "axis-url", "organ"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--role", choices=("send", "receive"), required=True)
    args = parser.parse_args()
    engine = db.make_engine(args.database)
    settings = HubSettings(args.organ, args.organ, "X", "Hà Nội", args.database, args.files,
                           token_key="unused-in-this-child", audit_key="test-only-audit-key")
    client = AxisClient(VxpTransport(args.axis_url, args.organ, os.environ["EDOCHUB_AXIS_SECRET"]))
    link = AxisClientLink(client, Path(args.files).parent / "axis-work")
    hub = Hub(settings, db.session_factory(engine), LocalStore(Path(args.files)), EdxmlCodec(),
              MarkSigner(args.organ), MarkValidator(), Announcing(link))
    if args.role == "send":
        # a restarted worker must not wait out the lease of the killed one in this test
        exchange.deliver_due(hub, lease=timedelta(0))
    else:
        exchange.collect(hub)
        while exchange.process_stored(hub, limit=1) != exchange.Processing():
            print("processed", flush=True)
    print("finished", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
