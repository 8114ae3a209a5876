"""The register's adapters: database models and sessions, Alembic migrations, file storage,
and the ports bound to the signing package, the edXML codec and the axis transports."""

from documents.adapters import db
from documents.adapters.axis_link import AxisClientLink
from documents.adapters.db import transaction
from documents.adapters.edxml_codec import EdxmlCodec
from documents.adapters.models import (
    InboxMessage,
    IncomingDocument,
    OutboxMessage,
    OutgoingDocument,
    User,
)
from documents.adapters.sealing_pool import SealingPool
from documents.adapters.signing import KeyFiles, PadesDocumentSigner, PadesDocumentValidator
from documents.adapters.storage import BlobStore, open_store
from documents.adapters.validation_pool import PooledValidator

__all__ = [
    "AxisClientLink",
    "BlobStore",
    "EdxmlCodec",
    "InboxMessage",
    "IncomingDocument",
    "KeyFiles",
    "OutboxMessage",
    "OutgoingDocument",
    "PadesDocumentSigner",
    "PadesDocumentValidator",
    "PooledValidator",
    "SealingPool",
    "User",
    "db",
    "open_store",
    "transaction",
]
