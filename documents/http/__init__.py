"""The register's HTTP API (FastAPI): ``create_app(hub)``; OpenAPI at ``/openapi.json``."""
