"""The quarantine of refused events: GET /quarantine, POST /quarantine/{id}/resubmit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.routes.privacy import record_access
from api.schemas import IngestSummaryOut
from api.security import require
from api.services import ServicesDep
from ingest.quarantine import list_quarantine, resubmit

router = APIRouter(tags=["quarantine"])


@router.get("/quarantine", summary="Refused events with their reasons")
async def get_quarantine(
    services: ServicesDep,
    _caller: Annotated[Any, Depends(require(Action.read_quarantine))],
    status: Literal["open", "resubmitted", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    entries = await run_in_threadpool(
        list_quarantine, services.store, status=None if status == "all" else status, limit=limit, offset=offset
    )
    return {"entries": entries}


@router.post(
    "/quarantine/{entry_id}/resubmit",
    response_model=IngestSummaryOut,
    summary="Send a quarantined event again, optionally corrected",
)
async def post_resubmit(
    request: Request,
    entry_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    services: ServicesDep,
    caller: Annotated[Any, Depends(require(Action.resubmit_quarantine))],
    corrected: Annotated[dict[str, Any] | None, Body(description="the corrected event")] = None,
) -> dict[str, Any]:
    summary = await run_in_threadpool(resubmit, services.store, entry_id, corrected)
    outcome = "refused" if summary.rejected else "duplicate" if summary.duplicates else "accepted"
    await run_in_threadpool(record_access, request, caller, "resubmit_quarantine",
                            detail=f"entry {entry_id}{' corrected' if corrected is not None else ''}: {outcome}")
    return summary.as_dict()
