"""The collectors' sources: GET/POST /sources, DELETE /sources/{name}, POST /sources/{name}/run."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.access import Action
from api.routes.privacy import record_access
from api.schemas import IngestErrorOut
from api.security import require
from api.services import ServicesDep
from ingest.sources import (
    add_source,
    list_sources,
    remove_source,
    run_source,
)

router = APIRouter(tags=["sources"])

SourceName = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class SourceIn(BaseModel):
    name: SourceName
    kind: Literal["http_feed", "drop_folder"]
    config: dict[str, Any] = Field(
        description="http_feed: {url, token?, event_source?, page_size?, timeout_seconds?, "
        "max_attempts?, backoff_seconds?, max_backoff_seconds?, max_pages?}; drop_folder: "
        "{path, processed_dir?, failed_dir?, event_source?, settle_seconds?}. See docs/collectors.md."
    )
    interval_seconds: int = Field(default=60, ge=1, le=7 * 24 * 3600)
    enabled: bool = True


class SourceOut(BaseModel):
    name: str
    kind: str
    config: dict[str, Any] = Field(description="The token, if any, is masked.")
    interval_seconds: int
    enabled: bool
    cursor: str | None
    created_at: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_run_events: int = Field(description="New events stored by the last run.")
    events_taken: int = Field(description="New events stored by all runs.")
    last_error: str | None


class SourceRunOut(BaseModel):
    source: str
    status: Literal["ok", "failed", "skipped"]
    started_at: datetime
    finished_at: datetime
    accepted: int
    duplicates: int
    rejected: int
    errors: list[IngestErrorOut] = Field(description="The first 100 refused events.")
    pages: int = Field(description="Feed pages read.")
    files: list[str] = Field(description="Files imported and moved to processed/.")
    failed_files: list[str] = Field(description="Files that could not be read, moved to failed/.")
    error: str | None


@router.get("/sources", response_model=list[SourceOut], summary="The collectors' sources and their last runs")
async def get_sources(
    services: ServicesDep,
    _caller: Annotated[Any, Depends(require(Action.read_sources))],
) -> list[dict[str, Any]]:
    sources = await run_in_threadpool(list_sources, services.engine)
    return [s.as_dict() for s in sources]


@router.post("/sources", response_model=SourceOut, status_code=201, summary="Add a source")
async def post_source(
    request: Request,
    body: SourceIn,
    services: ServicesDep,
    caller: Annotated[Any, Depends(require(Action.write_sources))],
    replace: Annotated[bool, Query(description="Change an existing source, keeping its cursor.")] = False,
) -> dict[str, Any]:
    view = await run_in_threadpool(
        lambda: add_source(
            services.engine, body.name, body.kind, body.config,
            interval_seconds=body.interval_seconds, enabled=body.enabled, replace=replace,
        )
    )
    await run_in_threadpool(record_access, request, caller, "change_source" if replace else "add_source",
                            detail=f"source {body.name} ({body.kind}, every {body.interval_seconds} s)")
    return view.as_dict()


@router.delete("/sources/{name}", status_code=204, summary="Remove a source (its events stay)")
async def delete_source(
    request: Request,
    name: str,
    services: ServicesDep,
    caller: Annotated[Any, Depends(require(Action.write_sources))],
) -> Response:
    await run_in_threadpool(remove_source, services.engine, name)
    await run_in_threadpool(record_access, request, caller, "remove_source", detail=f"source {name}")
    return Response(status_code=204)


@router.post("/sources/{name}/run", response_model=SourceRunOut, summary="Run a source now")
async def post_source_run(
    request: Request,
    name: str,
    services: ServicesDep,
    caller: Annotated[Any, Depends(require(Action.write_sources))],
) -> dict[str, Any]:
    result = await run_in_threadpool(run_source, services.store, name)
    await run_in_threadpool(record_access, request, caller, "run_source", detail=f"source {name}: {result.status}")
    return result.as_dict()
