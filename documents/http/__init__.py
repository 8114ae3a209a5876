"""The register's HTTP API (FastAPI): ``create_app(hub)``; OpenAPI at ``/openapi.json``."""
from documents.http.app import create_app
from documents.http.server import serving

__all__ = [
    "create_app",
    "serving",
]
