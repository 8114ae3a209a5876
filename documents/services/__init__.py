"""The register's services: what clerks, leaders, specialists and archivists do (outgoing,
incoming, exchange with the axis, token signing, search, users, audit, books), on a ``Hub``."""

from documents.services import audit, exchange, incoming, outgoing, search, users
from documents.services.exchange import Worker
from documents.services.hub import Hub
from documents.services.settings import HubSettings
from documents.services.users import create_user

__all__ = [
    "Hub",
    "HubSettings",
    "Worker",
    "audit",
    "create_user",
    "exchange",
    "incoming",
    "outgoing",
    "search",
    "users",
]
