"""The requests and answers exchanged with the axis, shared by every client transport and by
the reference server (which is why they live here, not in either): plain frozen values, free of
zeep, httpx and FastAPI types.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

ACK_STATES = ("done", "fail")


@dataclass(frozen=True)
class Send:
    """Send the envelope at ``path``; ``message_id`` stays the same on every retry so the axis
    stores and delivers it once. No ``kind`` or ``recipients``: the axis reads them from the
    envelope's header."""

    path: Path
    kind: str | None = None
    recipients: tuple[str, ...] = ()
    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class ListReceived:
    kind: str | None = None


@dataclass(frozen=True)
class Fetch:
    """Fetch message ``doc_id`` into the file ``destination`` (streamed where the protocol can),
    or, without one, into memory (answered :class:`Fetched`): for a caller that reads it whole
    at once and makes it durable itself."""

    doc_id: str
    destination: Path | None = None


@dataclass(frozen=True)
class Acknowledge:
    doc_id: str
    state: str = "done"


@dataclass(frozen=True)
class ListSent:
    pass


@dataclass(frozen=True)
class ListAgencies:
    pass


@dataclass(frozen=True)
class SyncAgencies:
    """Every directory entry changed after directory version ``since`` (0: all), deleted and
    former ones included, in version order."""

    since: int = 0


@dataclass(frozen=True)
class RegisterAgency:
    """Register a subordinate agency of the caller; the axis answers with its new secret."""

    code: str
    name: str
    mail: str = ""


@dataclass(frozen=True)
class DeleteAgency:
    """Withdraw an agency from the directory (an operator of the axis only)."""

    code: str


AxisRequest = (
    Send | ListReceived | Fetch | Acknowledge | ListSent | ListAgencies | SyncAgencies
    | RegisterAgency | DeleteAgency
)


@dataclass(frozen=True)
class SendReceipt:
    doc_id: str
    message_id: str
    recipients: tuple[str, ...]
    duplicate: bool = False


@dataclass(frozen=True)
class Received:
    """A message queued for the caller. ``recipient`` is the caller's code; ``addressed_as``
    the former code the sender used, when the axis routed it to the caller as its successor."""

    doc_id: str
    sender: str
    kind: str
    size: int
    sha256: str
    created: str
    recipient: str = ""
    addressed_as: str | None = None
    state: str = "pending"
    updated: str = ""


@dataclass(frozen=True)
class RecipientState:
    recipient: str
    state: str
    addressed_as: str | None = None
    acknowledged: str = ""


@dataclass(frozen=True)
class Sent:
    doc_id: str
    message_id: str
    kind: str
    created: str
    recipients: tuple[RecipientState, ...]
    subject: str = ""
    notation: str = ""


@dataclass(frozen=True)
class AgencyInfo:
    """A directory entry. A current agency has no ``successor`` and is not ``deleted``;
    ``old_codes`` are the codes that now lead to it; ``version`` is the directory version of
    its last change (what an incremental sync asks from)."""

    code: str
    name: str
    parent: str | None = None
    id: str = ""
    parent_id: str = ""
    mail: str = ""
    code102: str = ""
    center_code: str = ""
    is_agency: bool = True
    old_codes: tuple[str, ...] = ()
    successor: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    deleted: bool = False
    version: int = 0
    modified: str = ""


@dataclass(frozen=True)
class Registered:
    agency: AgencyInfo
    secret: str


@dataclass(frozen=True)
class Done:
    """The answer to ``Fetch`` into a file and to ``Acknowledge``: nothing more to say."""


@dataclass(frozen=True)
class Fetched:
    """The answer to ``Fetch`` into memory: the envelope, checked against its SHA-256."""

    data: bytes


AxisResponse = (
    SendReceipt | tuple[Received, ...] | tuple[Sent, ...] | tuple[AgencyInfo, ...] | Registered
    | Done | Fetched
)
