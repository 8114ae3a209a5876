"""STAND-INS used only until the real parts land on main (signing: issue 2/3, edXML codec:
issue 5, axis transports: issue 6). They let the register's own logic (books, workflow, outbox,
inbox, audit, API) be tested now; each is replaced by the real adapter in documents.adapters.

- ``JsonCodec`` writes envelopes as JSON instead of edXML.
- ``MemoryAxis`` routes payloads between links in memory, de-duplicating on message id.
- ``MarkSigner``/``MarkValidator`` write and read plain-text marks instead of PAdES signatures.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime

from documents.errors import InvalidInput
from documents.ports import DocumentEnvelope, FilePart, Party, Received, StatusEnvelope, Waiting
from signing.results import FileResult, Indication, SignatureResult, SignatureRole, Signer


class JsonCodec:
    def write_document(self, envelope: DocumentEnvelope) -> bytes:
        body = {k: getattr(envelope, k) for k in envelope.__dataclass_fields__}
        body["sender"] = envelope.sender.__dict__
        body["recipients"] = [r.__dict__ for r in envelope.recipients]
        body["promulgated_on"] = envelope.promulgated_on.isoformat()
        body["files"] = [{"name": f.name, "content_type": f.content_type,
                          "data": base64.b64encode(f.data).decode()} for f in envelope.files]
        return json.dumps({"document": body}).encode()

    def write_status(self, envelope: StatusEnvelope) -> bytes:
        body = {k: getattr(envelope, k) for k in envelope.__dataclass_fields__}
        body["sender"], body["to"] = envelope.sender.__dict__, envelope.to.__dict__
        body["timestamp"] = envelope.timestamp.isoformat()
        return json.dumps({"status": body}).encode()

    def read(self, data: bytes) -> Received:
        try:
            message = json.loads(data)
        except ValueError:
            raise InvalidInput("the envelope is not readable") from None
        if "document" in message:
            d = message["document"]
            d["sender"] = Party(**d["sender"])
            d["recipients"] = tuple(Party(**r) for r in d["recipients"])
            d["promulgated_on"] = date.fromisoformat(d["promulgated_on"])
            d["files"] = tuple(FilePart(f["name"], f["content_type"],
                                        base64.b64decode(f["data"])) for f in d["files"])
            return Received(document=DocumentEnvelope(**d))
        s = message["status"]
        s["sender"], s["to"] = Party(**s["sender"]), Party(**s["to"])
        s["timestamp"] = datetime.fromisoformat(s["timestamp"])
        return Received(status=StatusEnvelope(**s))


class MemoryAxis:
    """Queues per agency; a message id seen before is not queued again."""

    def __init__(self) -> None:
        self.queues: dict[str, dict[str, bytes]] = {}
        self.seen: set[str] = set()
        self.fail_next = 0

    def link(self, organ_id: str) -> MemoryLink:
        self.queues.setdefault(organ_id, {})
        return MemoryLink(self, organ_id)


class MemoryLink:
    def __init__(self, axis: MemoryAxis, organ_id: str) -> None:
        self.axis, self.organ_id = axis, organ_id
        self.sends = 0

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        self.sends += 1
        if self.axis.fail_next:
            self.axis.fail_next -= 1
            raise OSError("axis unreachable")
        if message_id in self.axis.seen:
            return
        self.axis.seen.add(message_id)
        received = JsonCodec().read(payload)
        targets = ([r.organ_id for r in received.document.recipients] if received.document
                   else [received.status.to.organ_id])
        for target in targets:
            self.axis.queues.setdefault(target, {})[message_id] = payload

    def waiting(self) -> list[Waiting]:
        return [Waiting(axis_id) for axis_id in self.axis.queues[self.organ_id]]

    def fetch(self, axis_id: str) -> bytes:
        return self.axis.queues[self.organ_id][axis_id]

    def acknowledge(self, axis_id: str) -> None:
        self.axis.queues[self.organ_id].pop(axis_id, None)


class MarkSigner:
    def __init__(self, organ_id: str) -> None:
        self.organ_id = organ_id

    def sign_as_leader(self, pdf: bytes, leader) -> bytes:  # noqa: ANN001
        return pdf + f"\n%mark leader {leader.username}\n".encode()

    def issue(self, pdf: bytes, number_notation: str, date_line: str) -> bytes:
        return pdf + f"\n%mark seal {self.organ_id} {number_notation}\n".encode()

    def seal_attachment(self, pdf: bytes, number_notation: str) -> bytes:
        return self.issue(pdf, number_notation, "")


class MarkValidator:
    async def validate(self, pdf: bytes, name: str) -> FileResult:
        marks = [line.split()[1:] for line in pdf.decode("latin-1").splitlines()
                 if line.startswith("%mark ")]
        signatures = tuple(
            SignatureResult(
                field=f"Sig{i}", indication=Indication.TOTAL_PASSED, sub_indication=None,
                signer=Signer(common_name=m[1], organization=None, serial_number=str(i),
                              subject=m[1],
                              organization_identifier=m[1] if m[0] == "seal" else None),
                signing_time=None, timestamp_time=None, level=None, coverage=None,
                modification_level=None, trust_anchor=None,
                role=SignatureRole.LEADER if m[0] == "leader" else SignatureRole.ORGANIZATION,
            ) for i, m in enumerate(marks))
        return FileResult(path=name, signatures=signatures)


class DirectoryAxis:
    """A stand-in axis shared between processes: one folder per agency, one file per message
    named by its message id (so a re-send with the same id is stored once)."""

    def __init__(self, root) -> None:  # noqa: ANN001
        from pathlib import Path

        self.root = Path(root)

    def link(self, organ_id: str) -> DirectoryLink:
        return DirectoryLink(self.root, organ_id)


class DirectoryLink:
    def __init__(self, root, organ_id: str) -> None:  # noqa: ANN001
        self.root, self.organ_id = root, organ_id
        (root / organ_id).mkdir(parents=True, exist_ok=True)

    def send(self, payload: bytes, kind: str, message_id: str) -> None:
        import os

        received = JsonCodec().read(payload)
        targets = ([r.organ_id for r in received.document.recipients] if received.document
                   else [received.status.to.organ_id])
        for target in targets:
            folder = self.root / target
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{message_id}.tmp"
            tmp.write_bytes(payload)
            os.replace(tmp, folder / message_id)

    def waiting(self) -> list[Waiting]:
        folder = self.root / self.organ_id
        return [Waiting(p.name) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]

    def fetch(self, axis_id: str) -> bytes:
        return (self.root / self.organ_id / axis_id).read_bytes()

    def acknowledge(self, axis_id: str) -> None:
        (self.root / self.organ_id / axis_id).unlink(missing_ok=True)
