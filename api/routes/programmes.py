"""Programme routes: process models, phase views, quality indicators, provider reporting and
reference figures (docs/programmes.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.limits import REFERENCE_CSV_BYTES
from api.months import MONTH, FromMonth, Month
from api.schemas.programmes import (
    Benchmark,
    Channels,
    Completion,
    Flow,
    Indicators,
    JobcoachLoads,
    PhaseView,
    ProcessModel,
    ProcessModelIn,
    QuarterlyReport,
    ReferenceImport,
)
from api.scope import scope_rows, scope_team, scope_team_or_worker
from api.security import require
from api.services import ServicesDep
from api.tokens import Caller
from core.errors import TooLarge
from metrics.programme_service import ProgrammeService

router = APIRouter(tags=["programmes"])
QUARTER = r"^\d{4}Q[1-4]$"


def programme_service(services: ServicesDep) -> ProgrammeService:
    return ProgrammeService(services.engine, services.settings.zone, services.clock, model=services.read_model)


ProgrammesDep = Annotated[ProgrammeService, Depends(programme_service)]


# -- process models ------------------------------------------------------------------------

@router.get("/programmes", response_model=list[ProcessModel],
            summary="Every programme's process model (presets and edits)")
async def list_programmes(
    programmes: ProgrammesDep, _caller: Annotated[Caller, Depends(require(Action.read_programmes))]
):
    return await run_in_threadpool(programmes.list_models)


@router.get("/programmes/{programme}", response_model=ProcessModel,
            summary="A programme's process model")
async def get_programme(
    programmes: ProgrammesDep,
    _caller: Annotated[Caller, Depends(require(Action.read_programmes))],
    programme: str,
):
    return (await run_in_threadpool(programmes.process_model, programme)).as_dict()


@router.put("/programmes/{programme}", response_model=ProcessModel,
            summary="Set a programme's process model (replaces its preset)")
async def put_programme(
    programmes: ProgrammesDep,
    _caller: Annotated[Caller, Depends(require(Action.write_programmes))],
    programme: str,
    model: Annotated[ProcessModelIn, Body()],
):
    return await run_in_threadpool(programmes.save_model, programme, model.model_dump(exclude_unset=True))


# -- phase views ---------------------------------------------------------------------------

@router.get("/programmes/{programme}/phases", response_model=PhaseView,
            summary="Active cases per phase, time in phase against plan, cases past their plan")
async def get_phases(
    services: ServicesDep,
    programmes: ProgrammesDep,
    caller: Annotated[Caller, Depends(require(Action.read_case_lists))],
    programme: str,
    team_id: str | None = None,
    worker_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team_or_worker, services, caller, team_id, worker_id)
    return await run_in_threadpool(programmes.phases, programme, team_id=team_id, worker_id=worker_id)


@router.get("/programmes/{programme}/flow", response_model=Flow,
            summary="Phase-to-phase moves over a period")
async def get_flow(
    services: ServicesDep,
    programmes: ProgrammesDep,
    caller: Annotated[Caller, Depends(require(Action.read_figures))],
    programme: str,
    from_: FromMonth,
    to: Month,
    team_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team, services, caller, team_id)
    return await run_in_threadpool(programmes.flow, programme, from_, to, team_id=team_id)


@router.get("/programmes/{programme}/completion", response_model=Completion,
            summary="A cohort (opened from..to) followed month by month: completed, closed, active")
async def get_completion(
    services: ServicesDep,
    programmes: ProgrammesDep,
    caller: Annotated[Caller, Depends(require(Action.read_figures))],
    programme: str,
    from_: FromMonth,
    to: Month,
    until: Annotated[str | None, Query(pattern=MONTH)] = None,
    team_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team, services, caller, team_id)
    return await run_in_threadpool(programmes.cohort_completion, programme, from_, to, until=until,
                       team_id=team_id)


@router.get("/jobcoach-load", response_model=JobcoachLoads,
            summary="Jobcoaches' phase-dependent caseload (1:5 finding, 1:6 securing)")
async def get_jobcoach_load(
    services: ServicesDep,
    programmes: ProgrammesDep,
    caller: Annotated[Caller, Depends(require(Action.read_figures))],
    team_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team, services, caller, team_id)
    result = await run_in_threadpool(programmes.jobcoach_load, team_id=team_id)
    result["rows"] = scope_rows(caller, result["rows"])
    return result


# -- quality indicators --------------------------------------------------------------------

@router.get("/programmes/{programme}/indicators", response_model=Indicators,
            summary="Quality indicators per team and worker, with standard and status")
async def get_indicators(
    services: ServicesDep,
    programmes: ProgrammesDep,
    caller: Annotated[Caller, Depends(require(Action.read_quality))],
    programme: str,
    from_: FromMonth,
    to: Month,
    team_id: str | None = None,
):
    team_id = await run_in_threadpool(scope_team, services, caller, team_id)
    return await run_in_threadpool(programmes.indicators, programme, from_, to, team_id=team_id)


# -- provider reporting --------------------------------------------------------------------

@router.get("/programmes/{programme}/channels", response_model=Channels,
            summary="Referral channels: referred, started, completed, outcomes per quarter")
async def get_channels(
    programmes: ProgrammesDep,
    _caller: Annotated[Caller, Depends(require(Action.export_reports))],
    programme: str,
    from_: Annotated[str, Query(alias="from", pattern=QUARTER, description="YYYYQn")],
    to: Annotated[str, Query(pattern=QUARTER, description="YYYYQn")],
):
    return await run_in_threadpool(programmes.channels, programme, from_, to)


@router.get("/programmes/{programme}/reports/quarterly/{quarter}",
            response_model=QuarterlyReport,
            summary="The funder's anonymised quarterly tables (counts under 5 shown as <5, "
            "complementary cells as x)")
async def get_quarterly_report(
    programmes: ProgrammesDep,
    _caller: Annotated[Caller, Depends(require(Action.export_reports))],
    programme: str,
    quarter: str,
):
    tables = await run_in_threadpool(programmes.quarterly_tables, programme, quarter)
    return {"programme": programme, "quarter": quarter, "tables": tables}


# -- reference figures ---------------------------------------------------------------------

@router.post("/reference-figures", response_model=ReferenceImport,
             summary="Import outside benchmark figures from CSV (label, metric, month, value, "
             "optional source)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string", "maxLength": REFERENCE_CSV_BYTES}}}}})
async def post_reference_figures(
    request: Request,
    programmes: ProgrammesDep,
    _caller: Annotated[Caller, Depends(require(Action.write_reference_figures))],
):
    body = await request.body()
    if len(body) > REFERENCE_CSV_BYTES:
        raise TooLarge("at most 2 MiB of CSV", key="error_csv_too_large")
    return await run_in_threadpool(programmes.import_reference, body)


@router.get("/benchmark", response_model=Benchmark,
            summary="The teams' own figure beside the outside reference figures")
async def get_benchmark(
    programmes: ProgrammesDep,
    _caller: Annotated[Caller, Depends(require(Action.read_reference_figures))],
    metric: str,
    month: Month,
):
    return await run_in_threadpool(programmes.benchmark, metric, month)
