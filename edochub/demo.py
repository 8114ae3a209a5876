"""The end-to-end story on loopback (DEV-ONLY keys): a reference axis and two agencies' hubs,
driven through their HTTP APIs exactly as officials' clients would.

Ủy ban nhân dân tỉnh Mẫu (H41) drafts, signs, issues and sends; Bộ Mẫu (G09) receives,
validates, registers, assigns and handles; the statuses travel back to H41.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from decree30 import number_and_notation
from documents.adapters import KeyFiles, transaction
from documents.http import create_app, serving
from documents.services import Hub, HubSettings, create_user
from edochub import bootstrap as runtime
from edochub import demo_services

#: the two agencies of the story: code → (name, abbreviation, seal key, leader key)
AGENCIES = {
    "000.00.00.H41": ("Ủy ban nhân dân tỉnh Mẫu", "UBND", "org-h41", "leader-an"),
    "000.00.00.G09": ("Bộ Mẫu", "BM", "org-g09", "leader-binh"),
}
SENDER, RECEIVER = "000.00.00.H41", "000.00.00.G09"
ROLES = ("specialist", "leader", "clerk", "archivist", "admin")
#: the names the development PKI's leader certificates carry
LEADER_NAMES = {"leader-an": "Nguyễn Văn An", "leader-binh": "Trần Thị Bình"}
STAFF_NAMES = {"specialist": "Lê Thị Hoa", "clerk": "Phạm Văn Thư",
               "archivist": "Đỗ Thị Lưu", "admin": "Quản trị hệ thống"}
HOST = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """``count`` loopback ports nothing listens on now, all different: they are held together
    while chosen (one at a time, the system may hand out the same port twice)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]


def free_port() -> int:
    return free_ports(1)[0]


@dataclass
class World:
    """Everything running: URLs, the hubs, and the demo users' generated passwords."""

    axis_url: str
    pki_url: str
    hubs: dict[str, Hub] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, dict[str, str]] = field(default_factory=dict)


def sqlite_database(code: str, home: Path) -> str:
    """The demo's default: each hub's register in an SQLite file of its own folder."""
    return f"sqlite:///{home / 'edochub.db'}"


@contextmanager
def running(directory: Path,
            database_url: Callable[[str, Path], str] = sqlite_database) -> Iterator[World]:
    """Build the development PKI and start its services and the axis (in a child process,
    :mod:`edochub.demo_services`: in reality they are other machines), then both hubs;
    ``database_url(agency code, hub folder)`` names each hub's database."""
    from signing import devpki
    from signing.stamping import specimens

    directory.mkdir(parents=True, exist_ok=True)
    # the PKI's and the axis's ports are bound only in the services' child: chosen together
    pki_port, axis_port = free_ports(2)
    pki = devpki.build(directory / "pki-DEV-ONLY", f"http://{HOST}:{pki_port}")
    # generated per run, never stored in code
    axis_secrets = {code: secrets.token_urlsafe(24) for code in AGENCIES}
    with ExitStack() as stack:
        pki_url, axis_url = stack.enter_context(demo_services.serving(
            pki, directory / "axis", HOST, axis_port,
            {code: (AGENCIES[code][0], secret) for code, secret in axis_secrets.items()}))
        world = World(axis_url, pki_url)
        for code, (name, abbreviation, seal, leader) in AGENCIES.items():
            home = directory / code
            settings = HubSettings(
                organ_id=code, organ_name=name, abbreviation=abbreviation, place="Hà Nội",
                database_url=database_url(code, home), file_store=str(home / "files"),
                token_key=secrets.token_urlsafe(32), audit_key=secrets.token_urlsafe(32))
            keys = KeyFiles(pki.p12(seal), {"leader": pki.p12(leader)},
                            specimens.seal_png(name), {"leader": specimens.signature_png()})
            signer = runtime.signer_for(keys, pki.trust_roots, pki.tsa_url)
            sealer = runtime.sealer_for(signer, keys, pki.trust_roots, pki.tsa_url).start()
            # its workers start now, as a hub's serving process would have them by then
            validator = runtime.validator_for(pki.trust_roots).start()
            stack.callback(validator.close)
            hub = runtime.build_hub(
                settings, signer, validator,
                runtime.vxp_link(axis_url, code, axis_secrets[code], home / "axis-work"),
                pki.trust_roots, sealer=sealer)
            world.passwords[code] = _add_users(hub, LEADER_NAMES[leader])
            world.hubs[code] = hub
            stack.callback(signer.close)  # after the hub's server has stopped
            stack.callback(sealer.close)  # before the signer it falls back on
            world.urls[code] = stack.enter_context(serving(create_app(hub), HOST, free_port()))
        runtime.settle_heap()
        yield world


def _add_users(hub: Hub, leader_name: str) -> dict[str, str]:
    passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
    names = {**STAFF_NAMES, "leader": leader_name}
    with transaction(hub.sessions) as session:
        for role, password in passwords.items():
            create_user(session, "demo", role, names[role], role, password,
                        "Phó Chủ tịch" if role == "leader" else "")
    return passwords


class Agency:
    """One agency's officials, each logged in to their hub's API."""

    def __init__(self, url: str, passwords: dict[str, str]) -> None:
        self.clients: dict[str, httpx.Client] = {}
        for role, password in passwords.items():
            token = _ok(httpx.post(f"{url}/auth/token",
                                   data={"username": role, "password": password}))
            self.clients[role] = httpx.Client(
                base_url=url, timeout=120,
                headers={"Authorization": f"Bearer {token['access_token']}"})

    def __getattr__(self, role: str) -> httpx.Client:
        return self.clients[role]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def _ok(response: httpx.Response) -> dict:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text}")
    return response.json()


DOCUMENTS = (
    {"doc_type": "Quyết định", "subject": "Quyết định ban hành Quy chế tiếp nhận văn bản điện tử"},
    {"doc_type": "Công văn", "unit": "VP",
     "subject": "Về việc triển khai trục liên thông văn bản (mẫu, DEV-ONLY)"},
)


def play(world: World, say: Callable[[str], object] = print) -> dict[str, int]:
    """The whole story through the two hubs' APIs; the counts of ``demo --once --json``."""
    from edochub.samples import simple_pdf
    from signing.stamping import draft_decision_pdf

    draft_pdf = draft_decision_pdf()  # Decree 30 layout, signed by Nguyễn Văn An (H41)
    h41 = Agency(world.urls[SENDER], world.passwords[SENDER])
    g09 = Agency(world.urls[RECEIVER], world.passwords[RECEIVER])
    counts = {"sent": 0, "received": 0, "verified": 0, "registered": 0,
              "statuses_returned": 0}
    try:
        for index, metadata in enumerate(DOCUMENTS, start=1):
            body = {**metadata, "recipients": [{"organ_id": RECEIVER, "name": "Bộ Mẫu"}],
                    "signer_position": "Phó Chủ tịch"}
            draft = _ok(h41.specialist.post(
                "/outgoing", data={"metadata": json.dumps(body)},
                files=[("document", (f"van-ban-{index}.pdf", draft_pdf, "application/pdf")),
                       ("attachments", (f"phu-luc-{index}.pdf",
                                        simple_pdf(f"Annex to document {index}"),
                                        "application/pdf"))]))
            say(f"  H41 specialist drafted #{draft['id']}: {draft['subject']}")
            _ok(h41.specialist.post(f"/outgoing/{draft['id']}/submit"))
            signed = _ok(h41.leader.post(f"/outgoing/{draft['id']}/sign"))
            say(f"  H41 leader signed ({signed['signer_name']})")
            issued = _ok(h41.clerk.post(f"/outgoing/{draft['id']}/issue"))
            shown = number_and_notation(issued['number'], issued['notation'])
            say(f"  H41 clerk issued {shown} "
                f"of {issued['issued_on']} and applied the seal")
            _ok(h41.clerk.post(f"/outgoing/{draft['id']}/send"))
        counts["sent"] = _ok(h41.clerk.post("/exchange/run"))["sent"]
        say(f"  H41 sent {counts['sent']} envelope(s) to the axis")

        arrived = _ok(g09.clerk.post("/exchange/run"))
        counts["received"], counts["verified"] = arrived["received_documents"], \
            arrived["verified"]
        say(f"  G09 received {counts['received']}, signatures valid and seal of the sender: "
            f"{counts['verified']}")
        for document in sorted(_ok(g09.clerk.get("/incoming")), key=lambda d: d["id"]):
            if not (document["signatures_valid"] and document["sender_matches"]):
                say(f"  G09 clerk leaves #{document['id']} flagged: "
                    f"{'; '.join(document['verification']['problems'])}")
                continue
            registered = _ok(g09.clerk.post(f"/incoming/{document['id']}/register",
                                            json={"receiving_unit": "Văn phòng Bộ"}))
            counts["registered"] += 1
            say(f"  G09 clerk registered {document['code_number']}/"
                f"{document['code_notation']} as incoming no. {registered['incoming_number']}")
            _ok(g09.leader.post(f"/incoming/{document['id']}/assign", json={
                "main_handler": "specialist", "for_information": ["archivist"],
                "direction": "Giao chuyên viên nghiên cứu, tham mưu"}))
            _ok(g09.specialist.post(f"/incoming/{document['id']}/start", json={}))
            _ok(g09.specialist.post(f"/incoming/{document['id']}/finish",
                                    json={"note": "Đã xử lý xong"}))
        say("  G09 leader assigned, specialist processed and finished each one")
        _ok(g09.clerk.post("/exchange/run"))
        counts["statuses_returned"] = _ok(h41.clerk.post("/exchange/run"))["statuses"]
        for document in _ok(h41.clerk.get("/outgoing")):
            for recipient in document["recipients"]:
                shown = number_and_notation(document['number'], document['notation'])
                say(f"  H41 sees {shown} at "
                    f"{recipient['organ_id']}: status {recipient['status']}")
    finally:
        h41.close()
        g09.close()
    return counts
