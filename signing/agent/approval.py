"""What the sign-agent keeps of one signing request while the person decides on it.

A request arrives with the prepared PDF; the agent checks that the data to be signed is this
PDF's (it recomputes the document digest over the byte ranges and finds it in the signed
attributes), renders the first page (``pdftoppm``) and keeps the request under two random
secrets: ``pairing``, known only to the page that sent it (it collects the signature with it),
and ``form``, known only to the agent's own confirmation page (its form carries it back).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import cms

from signing.errors import SigningError
from signing.stamping.split import SigningRequest, SplitSigningError

#: how long a request waits for the person's decision
LIFETIME_SECONDS = 15 * 60
#: requests waiting at once (the oldest is dropped beyond)
MAX_WAITING = 8
#: wrong PINs before a request is dropped (the token counts its own tries too)
MAX_PIN_TRIES = 3
RENDER_SECONDS = 60
#: address space pdftoppm may take (a hostile PDF must not exhaust the leader's PC)
RENDER_MEMORY = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Shown:
    """What the confirmation page shows, as the hub's page described the document; the
    rendered first page and the SHA-256 come from the PDF itself."""

    organization: str
    number: str
    subject: str

    @classmethod
    def from_json(cls, data: object) -> Shown:
        if not isinstance(data, dict):
            raise SplitSigningError("document: expected {organization, number, subject}")
        return cls(*(str(data.get(k) or "—")[:500] for k in ("organization", "number",
                                                             "subject")))


@dataclass
class Approval:
    request: SigningRequest
    shown: Shown
    sha256: str
    first_page_png: bytes
    id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    pairing: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    form: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    created: float = field(default_factory=time.monotonic)
    state: str = "waiting"  # waiting → signed | refused
    signature: bytes | None = None
    pin_tries: int = 0

    @property
    def expired(self) -> bool:
        return time.monotonic() - self.created > LIFETIME_SECONDS


def check_request_fits_pdf(request: SigningRequest, pdf: bytes) -> None:
    """The data to be signed must be this PDF's: the digest over its byte ranges is the
    request's, and the signed attributes carry that digest (``message-digest``)."""
    start, end = request.reserved_region
    if not 0 < start < end <= len(pdf) or pdf[start:end].strip(b"<>0") != b"":
        raise SplitSigningError("the PDF is not the prepared document of this request")
    if hashlib.sha256(pdf[:start] + pdf[end:]).digest() != request.document_digest:
        raise SplitSigningError("the PDF does not match the data to be signed")
    try:
        digests = [a["values"][0].native for a in cms.CMSAttributes.load(
            request.signed_attributes) if a["type"].native == "message_digest"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise SplitSigningError("the signed attributes are not readable") from None
    if digests != [request.document_digest]:
        raise SplitSigningError("the signed attributes do not sign this PDF")


def _memory_limit() -> list[str]:
    """``prlimit`` (util-linux) in front of the renderer, where there is one."""
    prlimit = shutil.which("prlimit")
    return [prlimit, f"--as={RENDER_MEMORY}", "--"] if prlimit else []


async def render_first_page(pdf: bytes) -> bytes:
    """The first page as PNG (poppler's ``pdftoppm``), for the person to see."""
    def run() -> bytes:
        with tempfile.TemporaryDirectory(prefix="edochub-agent-") as folder:
            source, target = Path(folder) / "document.pdf", Path(folder) / "page"
            source.write_bytes(pdf)
            try:
                subprocess.run([*_memory_limit(), "pdftoppm", "-png", "-f", "1", "-l", "1",
                                "-scale-to", "1000", "-singlefile", str(source), str(target)],
                               capture_output=True, timeout=RENDER_SECONDS, check=True)
                return target.with_suffix(".png").read_bytes()
            except (subprocess.SubprocessError, OSError):
                raise SigningError("the document's first page cannot be shown") from None

    return await asyncio.to_thread(run)


class Approvals:
    """The requests waiting for the person, by id."""

    def __init__(self) -> None:
        self._by_id: dict[str, Approval] = {}

    def add(self, approval: Approval) -> None:
        self._drop_expired()
        while len(self._by_id) >= MAX_WAITING:
            self._by_id.pop(next(iter(self._by_id)))
        self._by_id[approval.id] = approval

    def get(self, approval_id: str) -> Approval | None:
        self._drop_expired()
        return self._by_id.get(approval_id)

    def remove(self, approval_id: str) -> None:
        self._by_id.pop(approval_id, None)

    def _drop_expired(self) -> None:
        for key in [k for k, a in self._by_id.items() if a.expired]:
            del self._by_id[key]
