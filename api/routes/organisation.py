"""Teams and workers: GET and PUT, and CSV import of both."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.access import Action
from api.security import acting
from api.services import ServicesDep
from ingest.organisation import TeamIn, TeamOut, WorkerIn, WorkerOut
from services import organisation
from services.actor import Actor

router = APIRouter(tags=["organisation"])
Ident = Annotated[str, PathParam(min_length=1, max_length=128)]
Reader = Annotated[Actor, Depends(acting(Action.read_organisation))]
Writer = Annotated[Actor, Depends(acting(Action.write_organisation))]


class RowErrorOut(BaseModel):
    line: int
    reason: str


class OrganisationImportOut(BaseModel):
    saved: int
    rejected: int
    errors: list[RowErrorOut]


@router.get("/teams", response_model=list[TeamOut])
async def get_teams(services: ServicesDep, actor: Reader):
    return await run_in_threadpool(organisation.teams, services.engine, actor)


@router.put("/teams/{team_id}", response_model=TeamOut)
async def put_team_route(team_id: Ident, team: TeamIn, services: ServicesDep, actor: Writer):
    return await run_in_threadpool(organisation.save_team, services.engine, actor, team_id, team)


@router.get("/workers", response_model=list[WorkerOut])
async def get_workers(services: ServicesDep, actor: Reader, team_id: str | None = None):
    return await run_in_threadpool(organisation.workers, services.engine, actor, team_id)


@router.put("/workers/{worker_id}", response_model=WorkerOut)
async def put_worker_route(worker_id: Ident, worker: WorkerIn, services: ServicesDep, actor: Writer):
    return await run_in_threadpool(organisation.save_worker, services.engine, actor, worker_id, worker)


async def _import_csv(upload: UploadFile, importer: Callable[..., dict[str, Any]], services, actor: Actor):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        with open(path, "wb") as handle:
            while chunk := await upload.read(1 << 20):
                handle.write(chunk)
        return await run_in_threadpool(importer, services.engine, actor, path)


@router.post("/teams/import", response_model=OrganisationImportOut,
             summary="Import teams from CSV (team_id, name, unit)")
async def import_teams(services: ServicesDep, actor: Writer, file: Annotated[UploadFile, File()]):
    return await _import_csv(file, organisation.import_teams, services, actor)


@router.post("/workers/import", response_model=OrganisationImportOut,
             summary="Import workers from CSV (worker_id, name, team_id, roles)")
async def import_workers(services: ServicesDep, actor: Writer, file: Annotated[UploadFile, File()]):
    return await _import_csv(file, organisation.import_workers, services, actor)
