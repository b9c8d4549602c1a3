"""The collectors' sources: adding or changing one, removing it, running it now — the one
place a source is validated, whichever entry point asks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from core.access import Action
from core.audit import AuditAction
from ingest.sources import (
    RunResult,
    SourceError,
    SourceView,
    add_source,
    list_sources,
    remove_source,
    run_source,
)
from ingest.store import EventStore
from services.actor import Actor


def listed(engine: Engine, actor: Actor) -> list[SourceView]:
    actor.authorise(Action.read_sources)
    return list_sources(engine)


def _bad_feed_address(exc: SourceError, kind: str, config: dict[str, Any]) -> bool:
    """A feed's settings refused for an address that is no http(s) URL: said plainly (err_url)
    rather than by the field reasons of the settings."""
    return (exc.key == "error_source_config" and kind == "http_feed"
            and urlsplit(str(config.get("url") or "")).scheme.lower() not in ("http", "https"))


def add(engine: Engine, actor: Actor, name: str, kind: str, config: dict[str, Any], *, interval_seconds: int = 60,
        enabled: bool = True, replace: bool = False) -> SourceView:
    """Adds a source, or with `replace` changes an existing one (keeping its cursor)."""
    actor.authorise(Action.write_sources)
    try:
        view = add_source(engine, name, kind, config, interval_seconds=interval_seconds, enabled=enabled,
                          replace=replace)
    except SourceError as exc:
        if _bad_feed_address(exc, kind, config):
            exc.key, exc.params = "err_url", {}
        raise
    actor.record(engine, AuditAction.change_source if replace else AuditAction.add_source,
                 detail=f"source {name} ({kind}, every {interval_seconds} s)")
    return view


def remove(engine: Engine, actor: Actor, name: str) -> None:
    """Removes a source; the events it took stay."""
    actor.authorise(Action.write_sources)
    remove_source(engine, name)
    actor.record(engine, AuditAction.remove_source, detail=f"source {name}")


def run(store: EventStore, actor: Actor, name: str) -> RunResult:
    """Runs a source now, through the one write path; SourceBusy when it is running already."""
    actor.authorise(Action.write_sources)
    result = run_source(store, name)
    actor.record(store.engine, AuditAction.run_source, detail=f"source {name}: {result.status}")
    return result
