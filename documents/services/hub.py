"""One agency's hub: its settings, database, file store and the adapters it talks through.

Services receive the hub and an open session; nothing here is global, so tests and the demo can
run two hubs in one process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from decree30 import VIETNAM_TIME
from documents.adapters.models import utcnow
from documents.adapters.storage import BlobStore
from documents.domain.errors import InvalidInput, NotFound
from documents.domain.ports import (
    AttachmentSealer,
    AxisLink,
    Codec,
    DocumentSigner,
    DocumentValidator,
    Party,
)
from documents.services.logins import LoginThrottle
from documents.services.settings import HubSettings


@dataclass
class Hub:
    settings: HubSettings
    sessions: sessionmaker[Session]
    store: BlobStore
    codec: Codec
    signer: DocumentSigner | None = None
    validator: DocumentValidator | None = None
    axis: AxisLink | None = None
    clock: Callable[[], datetime] = field(default=utcnow)
    #: seals attachments in a worker process while issuing (else a thread of this process)
    sealer: AttachmentSealer | None = None
    #: failed logins per account and address (documents.services.logins)
    logins: LoginThrottle = field(default_factory=LoginThrottle)

    def __post_init__(self) -> None:
        # every session of this hub carries the audit key (documents.services.audit)
        from documents.services.audit import KEY_INFO

        self.sessions.configure(info={KEY_INFO: self.settings.audit_key})

    @property
    def party(self) -> Party:
        return Party(self.settings.organ_id, self.settings.organ_name)

    def today(self) -> date:
        """Dates on documents are Vietnam's calendar dates."""
        return self.clock().astimezone(VIETNAM_TIME).date()

    def now_vietnam(self) -> datetime:
        return self.clock().astimezone(VIETNAM_TIME)


_Row = TypeVar("_Row")


def load(session: Session, model: type[_Row], ident: int, what: str) -> _Row:
    row = session.get(model, ident)
    if row is None:
        raise NotFound(f"{what} {ident} does not exist")
    return row


def check_pdf(data: bytes, name: str, limit: int) -> bytes:
    """Refuse what is too large, plainly not a whole PDF, or inflates beyond the limits
    (``signing.pdf_input``), before anything is stored."""
    from signing.errors import BadInputError
    from signing.pdf_input import check_inflation, check_pdf_bytes

    if len(data) > limit:
        raise InvalidInput(f"{name} is {len(data)} bytes; the limit is {limit}")
    try:
        check_pdf_bytes(data)
        check_inflation(data)
    except BadInputError as exc:
        raise InvalidInput(f"{name}: {exc}") from None
    return data
