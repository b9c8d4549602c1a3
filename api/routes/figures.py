"""The steering figures: definitions, milestones and their cases, trend, board, funnel, targets,
goals, norms, closed months (not Prometheus' /metrics: api/routes/telemetry.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.months import FromMonth, Month
from api.routes.privacy import record_access
from api.schemas.figures import (
    Board,
    Close,
    ClosedMonth,
    FigureDefinition,
    Funnel,
    Goal,
    GoalIn,
    MilestoneCases,
    Milestones,
    NormBand,
    NormBandIn,
    Target,
    TargetIn,
    Trend,
)
from api.scope import (
    scope_existing_team,
    scope_rows,
    scope_team,
    scope_team_or_worker,
    scope_worker,
)
from api.security import actor_of, require
from api.services import ServicesDep
from api.tokens import Caller
from core.audit import AuditAction
from core.errors import Invalid, NotFound
from core.messages import LANGUAGES
from metrics.closing import ALL_TEAMS
from metrics.definitions import METRICS
from metrics.milestones import DRILL_DOWN_FIELDS
from metrics.service import MetricsService
from services import targets

router = APIRouter(tags=["figures"])


def metrics_service(services: ServicesDep) -> MetricsService:
    """The metrics of this app's database. Its read model catches up with the log on every
    read, and is kept current in the background between reads (api.app.start_follower)."""
    return MetricsService(services.engine, services.settings.zone, services.clock, model=services.read_model,
                         reporting_day=services.settings.hours_reporting_day)


MetricsDep = Annotated[MetricsService, Depends(metrics_service)]


# -- figures ------------------------------------------------------------------------------

@router.get("/metrics/definitions", response_model=list[FigureDefinition],
            summary="Every figure: name, kind, labels, direction")
async def get_definitions(_caller: Annotated[Caller, Depends(require(Action.read_figures))]):
    return [
        {
            "name": m.name, "kind": m.kind, "labels": {lang: m.label(lang) for lang in LANGUAGES},
            "value": m.value, "higher_is_better": m.higher_is_better, "targetable": m.targetable,
            "definition": m.definition,
        }
        for m in METRICS
    ]


@router.get("/milestones", response_model=Milestones, response_model_exclude_unset=True,
            summary="A month's figures per team or per worker, with targets")
async def get_milestones(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_figures))],
    month: Month,
    by: Annotated[str, Query(pattern="^(team|worker)$")] = "team",
    team_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team, services, caller, team_id)

    def answer() -> dict[str, Any]:
        result = metrics.milestones(month, by, team_id)
        if by == "worker":
            result["rows"] = scope_rows(caller, result["rows"])
        return result

    return await run_in_threadpool(answer)


@router.get("/milestones/cases", response_model=MilestoneCases,
            summary="The cases behind one figure of a milestone row")
async def get_milestone_cases(
    request: Request,
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_case_lists))],
    month: Month,
    field: Annotated[str, Query(description=f"one of {', '.join(DRILL_DOWN_FIELDS)}; "
                                 "readiness.ready, phases.<phase>, closed.<reason>, caseload.<role>")],
    team_id: str | None = None,
    worker_id: str | None = None,
):
    if (team_id is None) == (worker_id is None):
        raise Invalid("give exactly one of team_id and worker_id", key="error_team_or_worker")
    await run_in_threadpool(scope_team_or_worker, services, caller, team_id, worker_id)
    cases = await run_in_threadpool(
        metrics.milestone_cases, month, field, team_id=team_id, worker_id=worker_id
    )
    await run_in_threadpool(record_access, request, caller, AuditAction.open_case_list, worker_id=worker_id,
                            team_id=team_id, detail=f"{month} {field}")
    return cases


@router.get("/trend", response_model=Trend,
            summary="One figure over a range of months, with each month's target")
async def get_trend(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_figures))],
    metric: str,
    from_: FromMonth,
    to: Month,
    team_id: str | None = None,
    worker_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team_or_worker, services, caller, team_id, worker_id)
    return await run_in_threadpool(metrics.trend, metric, from_, to, team_id=team_id, worker_id=worker_id)


@router.get("/board", response_model=Board, summary="A worker's case board, now")
async def get_board(
    request: Request,
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_board))],
    worker_id: str | None = None,
):
    worker_id = worker_id or caller.worker_id
    if worker_id is None:
        raise Invalid("worker_id is required", key="error_worker_required")
    await run_in_threadpool(scope_worker, services, caller, worker_id)
    board = await run_in_threadpool(metrics.board, worker_id)
    await run_in_threadpool(record_access, request, caller, AuditAction.open_board, worker_id=worker_id)
    return board


@router.get("/funnel", response_model=Funnel, summary="Programme cohorts per team, as known now")
async def get_funnel(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_figures))],
    programme: str,
    from_: FromMonth,
    to: Month,
    by: Annotated[str, Query(pattern="^team$")] = "team",
):
    team_id = await run_in_threadpool(scope_team, services, caller, None)
    result = await run_in_threadpool(metrics.funnel, programme, from_, to)
    if team_id is not None:
        result["rows"] = [r for r in result["rows"] if r["team_id"] == team_id]
    return result


# -- targets, goals, norms ----------------------------------------------------------------

@router.get("/targets", response_model=list[Target], summary="Explicit monthly targets")
async def get_targets(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_targets))],
    team_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team, services, caller, team_id)
    return await run_in_threadpool(metrics.get_targets, team_id)


@router.put("/targets", response_model=list[Target],
            summary="Set monthly targets (value null removes one)")
async def put_targets(
    request: Request,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.write_targets))],
    items: Annotated[list[TargetIn], Body()],
):
    return await run_in_threadpool(targets.set_targets, metrics, actor_of(request, caller), [item.model_dump() for item in items])


@router.get("/goals", response_model=list[Goal], summary="Goals with their monthly milestones")
async def get_goals(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_targets))],
    team_id: str | None = None,
):
    """A worker's or team lead's own team's goals; any team's (or every team's) for the others."""
    team_id = await run_in_threadpool(scope_existing_team, services, caller, team_id)
    goals = await run_in_threadpool(metrics.get_goals)
    return [goal for goal in goals if team_id is None or goal["team_id"] in (team_id, ALL_TEAMS)]


@router.put("/goals", response_model=list[Goal],
            summary="Set goals; answers them with their monthly milestones")
async def put_goals(
    request: Request,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.write_targets))],
    items: Annotated[list[GoalIn], Body()],
):
    return await run_in_threadpool(targets.set_goals, metrics, actor_of(request, caller), [item.model_dump() for item in items])


@router.get("/norms", response_model=list[NormBand], summary="Caseload norm bands per role")
async def get_norms(
    metrics: MetricsDep, _caller: Annotated[Caller, Depends(require(Action.read_norms))]
):
    return await run_in_threadpool(metrics.get_norms)


@router.put("/norms", response_model=list[NormBand],
            summary="Change the organisation's caseload norm bands")
async def put_norms(
    request: Request,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.write_norms))],
    items: Annotated[list[NormBandIn], Body()],
):
    return await run_in_threadpool(targets.set_norms, metrics, actor_of(request, caller), [item.model_dump() for item in items])


# -- closing months -----------------------------------------------------------------------

@router.post("/months/{month}/close", response_model=Close,
             summary="Close a month: freeze its figures as they stand")
async def post_close_month(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.close_month))],
    month: str,
    team_id: str | None = None,
):
    """A team lead closes its own team's month; an admin one team's (team_id) or everyone's."""
    team_id = await run_in_threadpool(scope_existing_team, services, caller, team_id)
    return await run_in_threadpool(metrics.close_month, month, team_id=team_id, closed_by=f"token:{caller.token_id}")


@router.get("/months", response_model=list[Close], summary="The closed months")
async def get_closed_months(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_closed_months))],
):
    """A team lead sees the organisation's closes and its own team's; the others every close."""
    own = await run_in_threadpool(scope_team, services, caller, None)
    closes = await run_in_threadpool(metrics.list_closed_months)
    return [c for c in closes if own is None or c["scope"] in (own, ALL_TEAMS)]


@router.get("/months/{month}", response_model=ClosedMonth,
            summary="A closed month: frozen and live figures, and the difference")
async def get_closed_month(
    services: ServicesDep,
    metrics: MetricsDep,
    caller: Annotated[Caller, Depends(require(Action.read_closed_months))],
    month: str,
    team_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_existing_team, services, caller, team_id)
    result = await run_in_threadpool(metrics.closed_month, month, team_id=team_id)
    if result is None:
        raise NotFound(f"{month} is not closed", key="error_month_not_closed", month=month)
    return result
