"""The collectors' sources: GET/POST /sources, DELETE /sources/{name}, POST /sources/{name}/run."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.access import Action
from api.schemas import IngestErrorOut
from api.security import acting
from api.services import ServicesDep
from ingest.sources import NAME_PATTERN
from services import sources
from services.actor import Actor

router = APIRouter(tags=["sources"])
Reader = Annotated[Actor, Depends(acting(Action.read_sources))]
Writer = Annotated[Actor, Depends(acting(Action.write_sources))]

# the rule is the service's (services/sources.py); here it is documented in the OpenAPI document
SourceName = Annotated[str, Field(min_length=1, max_length=128, pattern=f"^{NAME_PATTERN.pattern}$")]


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
async def get_sources(services: ServicesDep, actor: Reader) -> list[dict[str, Any]]:
    return [s.as_dict() for s in await run_in_threadpool(sources.listed, services.engine, actor)]


@router.post("/sources", response_model=SourceOut, status_code=201, summary="Add a source")
async def post_source(
    body: SourceIn,
    services: ServicesDep,
    actor: Writer,
    replace: Annotated[bool, Query(description="Change an existing source, keeping its cursor.")] = False,
) -> dict[str, Any]:
    view = await run_in_threadpool(
        lambda: sources.add(services.engine, actor, body.name, body.kind, body.config,
                            interval_seconds=body.interval_seconds, enabled=body.enabled, replace=replace)
    )
    return view.as_dict()


@router.delete("/sources/{name}", status_code=204, response_class=Response,
               summary="Remove a source (its events stay)")
async def delete_source(name: str, services: ServicesDep, actor: Writer) -> Response:
    await run_in_threadpool(sources.remove, services.engine, actor, name)
    return Response(status_code=204)


@router.post("/sources/{name}/run", response_model=SourceRunOut, summary="Run a source now")
async def post_source_run(name: str, services: ServicesDep, actor: Writer) -> dict[str, Any]:
    result = await run_in_threadpool(sources.run, services.store, actor, name)
    return result.as_dict()
