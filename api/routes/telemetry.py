"""GET /metrics: the Prometheus metrics of this process, or of every worker (core/telemetry.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.access import Action
from api.security import require
from api.services import ServicesDep
from core import telemetry
from core.eventlog import EventLog

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    summary="Prometheus metrics: request latency, events, live streams, scheduler jobs, read-model lag",
    response_class=Response,
    dependencies=[Depends(require(Action.read_service_metrics))],
)
async def metrics(services: ServicesDep) -> Response:
    def log_position() -> int | None:
        try:
            return EventLog(services.engine).latest_seq() or 0
        except Exception:  # the figures of the processes are still worth having
            return None

    seq = await run_in_threadpool(log_position)
    body = await run_in_threadpool(telemetry.render, seq)
    return Response(body, media_type=telemetry.CONTENT_TYPE)
