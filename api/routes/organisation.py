"""Teams and workers: GET and PUT, and CSV import of both."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool

from api.access import Action
from api.routes.privacy import record_access
from api.security import require
from api.services import ServicesDep
from ingest.organisation import (
    TeamIn,
    TeamOut,
    WorkerIn,
    WorkerOut,
    import_teams_csv,
    import_workers_csv,
    list_teams,
    list_workers,
    put_team,
    put_worker,
)

router = APIRouter(tags=["organisation"])
Ident = Annotated[str, PathParam(min_length=1, max_length=128)]
Reader = Annotated[Any, Depends(require(Action.read_organisation))]
Writer = Annotated[Any, Depends(require(Action.write_organisation))]


@router.get("/teams", response_model=list[TeamOut])
async def get_teams(services: ServicesDep, _caller: Reader):
    return await run_in_threadpool(list_teams, services.engine)


@router.put("/teams/{team_id}", response_model=TeamOut)
async def put_team_route(request: Request, team_id: Ident, team: TeamIn, services: ServicesDep, caller: Writer):
    saved = await run_in_threadpool(put_team, services.engine, team_id, team)
    await run_in_threadpool(record_access, request, caller, "put_team", team_id=team_id)
    return saved


@router.get("/workers", response_model=list[WorkerOut])
async def get_workers(services: ServicesDep, _caller: Reader, team_id: str | None = None):
    return await run_in_threadpool(list_workers, services.engine, team_id)


@router.put("/workers/{worker_id}", response_model=WorkerOut)
async def put_worker_route(request: Request, worker_id: Ident, worker: WorkerIn, services: ServicesDep,
                           caller: Writer):
    saved = await run_in_threadpool(put_worker, services.engine, worker_id, worker)
    await run_in_threadpool(record_access, request, caller, "put_worker", worker_id=worker_id, team_id=worker.team_id,
                            detail="roles: " + ",".join(saved.roles))
    return saved


async def _import_csv(upload: UploadFile, importer, engine) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        with open(path, "wb") as handle:
            while chunk := await upload.read(1 << 20):
                handle.write(chunk)
        return await run_in_threadpool(importer, engine, path)


@router.post("/teams/import", summary="Import teams from CSV (team_id, name, unit)")
async def import_teams(request: Request, services: ServicesDep, caller: Writer, file: Annotated[UploadFile, File()]):
    result = await _import_csv(file, import_teams_csv, services.engine)
    await run_in_threadpool(record_access, request, caller, "import_teams",
                            detail=f"{result['saved']} saved, {result['rejected']} refused")
    return result


@router.post("/workers/import", summary="Import workers from CSV (worker_id, name, team_id, roles)")
async def import_workers(request: Request, services: ServicesDep, caller: Writer,
                         file: Annotated[UploadFile, File()]):
    result = await _import_csv(file, import_workers_csv, services.engine)
    await run_in_threadpool(record_access, request, caller, "import_workers",
                            detail=f"{result['saved']} saved, {result['rejected']} refused")
    return result
