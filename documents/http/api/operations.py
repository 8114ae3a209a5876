"""For operators and their monitoring, no login: ``/healthz`` (the process answers),
``/readyz`` (database, file store and axis reachable; 503 with the failing part otherwise)
and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from axis.protocol import metrics_body, readiness
from documents.http.deps import HubDep
from documents.services import metrics
from documents.services.hub import Hub

router = APIRouter(tags=["operations"])

#: what the readiness probe stores: tiny, and the same bytes each time (content-addressed)
_PROBE = b"edochub readiness probe\n"


@router.get("/healthz")
def alive() -> dict[str, str]:
    return {"status": "alive"}


def _checks(hub: Hub) -> dict:
    def database() -> None:
        with hub.sessions() as session:
            session.execute(text("SELECT 1"))

    def storage() -> None:
        if hub.store.get(hub.store.put(_PROBE)) != _PROBE:
            raise OSError("the file store gave back other bytes")

    checks = {"database": database, "storage": storage}
    if hub.axis is not None:
        checks["axis"] = hub.axis.waiting
    return checks


@router.get("/readyz", responses={503: {"description": "a dependency is not ready"}})
def ready(hub: HubDep) -> JSONResponse:
    ok, answers = readiness(_checks(hub))
    return JSONResponse({"ready": ok, "checks": answers}, status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response)
def prometheus(hub: HubDep) -> Response:
    metrics.refresh_queue_depths(hub)
    body, media_type = metrics_body()
    return Response(body, media_type=media_type)
