"""Privacy for admins: the audit log (GET /audit, /audit.csv) and erasure (DELETE /cases/{id})."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from api.access import Action
from api.security import acting, actor_of
from api.services import ServicesDep
from api.tokens import Caller
from core.audit import AuditAction
from services import privacy
from services.actor import Actor
from services.runtime import Services

router = APIRouter(tags=["privacy"])


def record_access(request: Request, caller: Caller, action: AuditAction, *, worker_id: str | None = None,
                  team_id: str | None = None, detail: str | None = None) -> None:
    """One audit entry for an API request that opened case data (no citizen data in it)."""
    services: Services = request.app.state.services
    actor_of(request, caller).record(services.engine, action, worker_id=worker_id, team_id=team_id, detail=detail)


class AuditEntryOut(BaseModel):
    id: int
    at: str | None
    channel: str
    actor: str
    role: str
    action: str
    worker_id: str | None
    team_id: str | None
    detail: str | None
    address: str | None


class AuditOut(BaseModel):
    entries: list[AuditEntryOut]


class ErasedOut(BaseModel):
    events: int
    quarantined: int
    notes: int


class ErasureOut(BaseModel):
    erased: ErasedOut


@router.get("/audit", response_model=AuditOut, summary="The audit log, newest first")
async def get_audit(
    services: ServicesDep,
    actor: Annotated[Actor, Depends(acting(Action.read_audit))],
    worker_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    rows = await run_in_threadpool(
        lambda: privacy.audit_entries(services, actor, limit=limit, offset=offset, worker_id=worker_id))
    return {"entries": rows}


@router.get("/audit.csv", summary="The audit log as CSV", response_class=Response)
async def get_audit_csv(
    services: ServicesDep,
    actor: Annotated[Actor, Depends(acting(Action.read_audit))],
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
) -> Response:
    text = await run_in_threadpool(lambda: privacy.audit_csv(services, actor, limit=limit))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="overblik-audit.csv"'})


@router.delete("/cases/{case_id}", response_model=ErasureOut,
               summary="Erase a case: its events and quarantine entries, everywhere")
async def delete_case(
    services: ServicesDep,
    actor: Annotated[Actor, Depends(acting(Action.erase_case))],
    case_id: Annotated[str, PathParam(min_length=1, max_length=256)],
) -> dict[str, Any]:
    return {"erased": await run_in_threadpool(privacy.erase, services, actor, case_id)}
