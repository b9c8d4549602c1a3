"""Privacy for admins: the audit log (GET /audit, /audit.csv) and erasure (DELETE /cases/{id})."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.access import Action
from api.security import require
from api.services import Services, ServicesDep
from api.tokens import Caller
from core import audit
from ingest.erasure import erase_case
from metrics.readmodel import get_read_model

router = APIRouter(tags=["privacy"])


def record_access(request: Request, caller: Caller, action: str, *, worker_id: str | None = None,
                  team_id: str | None = None, detail: str | None = None) -> None:
    """One audit entry for an API request that opened case data (no citizen data in it)."""
    services: Services = request.app.state.services
    audit.record(
        services.engine, channel="api", actor=f"token:{caller.token_id}", role=caller.role.value,
        action=action, worker_id=worker_id, team_id=team_id, detail=detail,
        address=request.client.host if request.client else None,
    )


def record_change(request: Request, caller: Caller, action: str, items: list[dict[str, Any]]) -> None:
    """One audit entry for an admin's change of targets or goals: which teams and figures."""
    teams = sorted({str(i.get("team_id")) for i in items if isinstance(i, dict)})
    what = sorted({f"{i.get('metric')} {i.get('month') or i.get('by')}" for i in items if isinstance(i, dict)})
    record_access(request, caller, action, team_id=teams[0] if len(teams) == 1 else None,
                  detail=f"{len(items)} for {', '.join(teams)}: {', '.join(what)}")


@router.get("/audit", summary="The audit log, newest first")
async def get_audit(
    services: ServicesDep,
    _caller: Annotated[Caller, Depends(require(Action.read_audit))],
    worker_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    rows = await run_in_threadpool(
        lambda: audit.entries(services.engine, limit=limit, offset=offset, worker_id=worker_id)
    )
    return {"entries": rows}


@router.get("/audit.csv", summary="The audit log as CSV", response_class=Response)
async def get_audit_csv(
    request: Request,
    services: ServicesDep,
    caller: Annotated[Caller, Depends(require(Action.read_audit))],
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
) -> Response:
    rows = await run_in_threadpool(lambda: audit.entries(services.engine, limit=limit))
    await run_in_threadpool(record_access, request, caller, "export_audit")
    return Response(
        audit.as_csv(rows), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="overblik-audit.csv"'},
    )


def erase(services: Services, case_id: str, actor: str, role: str, channel: str,
          address: str | None = None) -> dict[str, int]:
    """Erases a case everywhere and records that a case was erased, without saying which."""
    erased = erase_case(services.engine, case_id)
    get_read_model(services.engine, services.settings.zone, catch_up=False).forget_case(case_id)
    audit.record(
        services.engine, channel=channel, actor=actor, role=role, action="erase_case",
        detail=f"{erased.events} events, {erased.quarantined} quarantine entries, {erased.notes} notes",
        address=address,
    )
    return erased.as_dict()


@router.delete("/cases/{case_id}", summary="Erase a case: its events and quarantine entries, everywhere")
async def delete_case(
    request: Request,
    services: ServicesDep,
    caller: Annotated[Caller, Depends(require(Action.erase_case))],
    case_id: Annotated[str, PathParam(min_length=1, max_length=256)],
) -> dict[str, Any]:
    erased = await run_in_threadpool(
        erase, services, case_id, f"token:{caller.token_id}", caller.role.value, "api",
        request.client.host if request.client else None,
    )
    return {"erased": erased}
