"""The reference axis application: both faces over one core, and how to run it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from axis.errors import (
    AgencyExists,
    AuthenticationFailed,
    AxisUnavailable,
    ExchangeError,
    MessageIdConflict,
    MessageNotFound,
    MessageTooLarge,
    NotPermitted,
)
from axis.protocol import RequestContext, metrics_body, readiness
from axis.server import db, soap, vxp, vxp_agencies
from axis.server.core import AxisCore, Settings
from axis.server.limits import BodyLimit
from axis.server.store import EnvelopeStore, MessageStore, parse_store

MiB = 1 << 20

#: The one place domain errors become HTTP statuses (the SOAP face answers faults instead).
HTTP_STATUS = (
    (AuthenticationFailed, 401), (NotPermitted, 403), (MessageNotFound, 404),
    (MessageIdConflict, 409), (AgencyExists, 409), (MessageTooLarge, 413),
    (AxisUnavailable, 503),
)


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path = Path("axis-data")
    db_url: str | None = None
    max_message_bytes: int = 256 * MiB
    soap_max_bytes: int = 96 * MiB
    settings: Settings = field(default_factory=Settings)
    purge_every_seconds: float = 3600
    #: where clients reach this axis (the WSDL's address); never taken from a request
    public_url: str = "http://127.0.0.1:8700"
    #: A folder, or ``s3://bucket/prefix`` to share envelopes between servers (default: the
    #: folder ``messages`` in ``data_dir``); ``s3_endpoint_url`` names a non-AWS S3 service.
    store: str | None = None
    s3_endpoint_url: str | None = None

    def __post_init__(self) -> None:
        parse_store(self.store)  # a bad spec is refused before anything is opened

    @property
    def database_url(self) -> str:
        return self.db_url or db.default_url(self.data_dir)


def open_message_store(spec: str | None, data_dir: Path, max_size: int,
                       endpoint_url: str | None = None) -> EnvelopeStore:
    """The store ``spec`` names: a folder (default ``DATA_DIR/messages``) or
    ``s3://bucket/prefix`` (staging then goes to ``DATA_DIR/staging``)."""
    if (bucket_and_prefix := parse_store(spec)) is not None:
        from axis.server.store_s3 import S3MessageStore

        return S3MessageStore(*bucket_and_prefix, data_dir / "staging", max_size, endpoint_url)
    return MessageStore(Path(spec) if spec else data_dir / "messages", max_size)


def open_core(config: ServerConfig) -> AxisCore:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_message_store(config.store, config.data_dir, config.max_message_bytes,
                               config.s3_endpoint_url)
    return AxisCore(db.open_database(config.database_url), store, config.settings)


def create_app(config: ServerConfig) -> FastAPI:
    core = open_core(config)  # leftovers of crashed uploads go by purge, once past their lease

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async def purge_forever() -> None:
            while True:
                await run_in_threadpool(core.purge)
                await asyncio.sleep(config.purge_every_seconds)

        task = asyncio.create_task(purge_forever())
        yield
        task.cancel()

    app = FastAPI(title="edochub reference axis", lifespan=lifespan, openapi_url=None)
    app.state.core = core
    app.state.soap_max_bytes = config.soap_max_bytes
    app.state.public_url = config.public_url.rstrip("/")
    app.include_router(soap.router)
    app.include_router(vxp.router)
    app.include_router(vxp_agencies.router)
    _add_operations_routes(app, core)
    app.add_middleware(RequestContext, service="axis")

    @app.exception_handler(ExchangeError)
    async def exchange_error(_request: Request, exc: ExchangeError) -> JSONResponse:
        return _json_error(exc)

    def too_large(path: str, error: MessageTooLarge) -> Response:
        return soap.fault(error) if path == "/soap" else _json_error(error)

    app.add_middleware(BodyLimit, limit=max(config.max_message_bytes + MiB,
                                            config.soap_max_bytes), answer=too_large)

    return app


def _json_error(exc: ExchangeError) -> JSONResponse:
    status = next((code for cls, code in HTTP_STATUS if isinstance(exc, cls)), 400)
    return JSONResponse({"status": "FAIL", "ErrorCode": exc.code, "ErrorDesc": str(exc)},
                        status_code=status)


def _add_operations_routes(app: FastAPI, core: AxisCore) -> None:
    """``/healthz``, ``/readyz`` (database and message store) and ``/metrics``, no login."""

    def database() -> None:
        with core.sessions() as session:
            session.execute(text("SELECT 1"))

    @app.get("/healthz")
    def alive() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz")
    def ready() -> JSONResponse:
        ok, answers = readiness({"database": database, "storage": core.store.check})
        return JSONResponse({"ready": ok, "checks": answers}, status_code=200 if ok else 503)

    @app.get("/metrics")
    def prometheus() -> Response:
        body, media_type = metrics_body()
        return Response(body, media_type=media_type)


def serve(config: ServerConfig, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
