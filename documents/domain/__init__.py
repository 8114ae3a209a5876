"""The register's core, free of I/O and frameworks: the workflows (state machines), the ports
it needs from signing, edXML and the axis, its errors, and accent folding for search."""

from documents.domain.errors import ConfigurationError, RegisterError, StorageUnavailable
from documents.domain.ports import (
    DocumentSigner,
    DocumentValidator,
    FilePart,
    LeaderKey,
    Party,
)
from documents.domain.text import fold

__all__ = [
    "ConfigurationError",
    "DocumentSigner",
    "DocumentValidator",
    "FilePart",
    "LeaderKey",
    "Party",
    "RegisterError",
    "StorageUnavailable",
    "fold",
]
