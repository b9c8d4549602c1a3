"""The quarantine of refused events: GET /quarantine, POST /quarantine/{id}/resubmit and /dismiss."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.access import Action
from api.schemas import IngestSummaryOut
from api.security import acting
from api.services import ServicesDep
from services import quarantine
from services.actor import Actor

router = APIRouter(tags=["quarantine"])


class QuarantineEntryOut(BaseModel):
    id: int
    received_at: datetime | None
    origin: str | None
    source: str | None
    event_id: str | None
    case_id: str | None
    type: str | None
    reason: str
    status: str
    attempts: int
    resolved_at: datetime | None
    import_run_id: int | None
    dismissed_by: str | None = Field(None, description="Who dismissed the entry (the audit log's actor name).")
    dismissed_reason: str | None = Field(None, description="Why the entry was dismissed.")
    event: Any = Field(description="The event as sent, its citizen identifier replaced by a pseudonym.")


class QuarantineOut(BaseModel):
    entries: list[QuarantineEntryOut]


@router.get("/quarantine", response_model=QuarantineOut, summary="Refused events with their reasons")
async def get_quarantine(
    services: ServicesDep,
    actor: Annotated[Actor, Depends(acting(Action.read_quarantine))],
    status: Literal["open", "resubmitted", "dismissed", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    entries = await run_in_threadpool(
        lambda: quarantine.entries(services.store, actor, status=None if status == "all" else status, limit=limit,
                                   offset=offset))
    return {"entries": entries}


@router.post(
    "/quarantine/{entry_id}/resubmit",
    response_model=IngestSummaryOut,
    summary="Send a quarantined event again, optionally corrected",
)
async def post_resubmit(
    entry_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    services: ServicesDep,
    actor: Annotated[Actor, Depends(acting(Action.resubmit_quarantine))],
    corrected: Annotated[dict[str, Any] | None, Body(description="the corrected event")] = None,
) -> dict[str, Any]:
    summary = await run_in_threadpool(quarantine.resubmit_entry, services.store, actor, entry_id, corrected)
    return summary.as_dict()


class DismissIn(BaseModel):
    reason: str = Field(max_length=quarantine.DISMISS_REASON_LENGTH,
                        description="Why the entry is not to be sent again; kept with the entry.")


@router.post(
    "/quarantine/{entry_id}/dismiss",
    response_model=QuarantineEntryOut,
    summary="Dismiss an open quarantine entry with a reason: kept, marked dismissed, never sent again",
)
async def post_dismiss(
    entry_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    body: DismissIn,
    services: ServicesDep,
    actor: Annotated[Actor, Depends(acting(Action.dismiss_quarantine))],
) -> dict[str, Any]:
    return await run_in_threadpool(quarantine.dismiss_entry, services.store, actor, entry_id, body.reason)
