"""The sources the collectors run (HTTP feeds and drop folders): adding, listing, removing
them, and running one now; shared by the API, the command line and the scheduler."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, update
from sqlmodel import select

from core.database import as_utc, session_scope, utcnow
from core.errors import Invalid, NotFound, Reason
from core.messages import N_
from core.models import ImportRun, Source
from ingest.collector import CollectorOutcome, never_stopped
from ingest.dropfolder import DropFolderConfig, collect_folder
from ingest.events import validation_reason
from ingest.feed import FeedConfig, collect_feed
from ingest.sourcelock import SourceBusy, source_lock
from ingest.store import EventStore

log = logging.getLogger(__name__)

CONFIG_MODELS: dict[str, type[BaseModel]] = {"http_feed": FeedConfig, "drop_folder": DropFolderConfig}
SOURCE_KINDS = tuple(CONFIG_MODELS)
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SECRET_FIELDS = frozenset({"token"})
MASK = "********"
MIN_INTERVAL, MAX_INTERVAL = 1, 7 * 24 * 3600
# A scheduled run is skipped when another process ran the source less than this share of its
# interval ago: every worker of a deployment schedules every source, one of them runs it.
RECENT_SHARE = 0.5
RUN_ERRORS_SHOWN = 100

__all__ = ["SourceBusy"]  # re-exported: callers of run_source catch it


class SourceError(Invalid):
    """A source cannot be added as asked; the message says why."""


class SourceExists(SourceError):
    kind = "conflict"


class SourceNotFound(NotFound):
    def __init__(self, name: str):
        super().__init__(f"no source named {name}", key=N_("error_source_unknown"), name=name)
        self.name = name


@dataclass(slots=True)
class SourceView:
    """A source as shown to people: its config with secrets masked, and its last run."""

    name: str
    kind: str
    config: dict[str, Any]
    interval_seconds: int
    enabled: bool
    cursor: str | None
    created_at: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_run_events: int
    events_taken: int
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "config": self.config,
            "interval_seconds": self.interval_seconds,
            "enabled": self.enabled,
            "cursor": self.cursor,
            "created_at": self.created_at,
            "last_run_at": self.last_run_at,
            "last_success_at": self.last_success_at,
            "last_run_events": self.last_run_events,
            "events_taken": self.events_taken,
            "last_error": self.last_error,
        }


@dataclass(slots=True)
class RunResult:
    """What one run of a source did: the ingest summary of everything it took, and more."""

    source: str
    status: str  # ok, failed or skipped
    started_at: datetime
    finished_at: datetime
    outcome: CollectorOutcome = field(default_factory=CollectorOutcome)

    @property
    def error(self) -> str | None:
        return self.outcome.error

    def as_dict(self) -> dict[str, Any]:
        summary = self.outcome.summary
        return {
            "source": self.source,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "rejected": summary.rejected,
            "errors": [e.as_dict() for e in summary.errors[:RUN_ERRORS_SHOWN]],
            "pages": self.outcome.pages,
            "files": self.outcome.files,
            "failed_files": self.outcome.failed_files,
            "error": self.outcome.error,
        }


# -- configuration ---------------------------------------------------------------------------


def parse_config(kind: str, config: dict[str, Any] | str) -> BaseModel:
    """The validated config of a source of `kind`; SourceError says what is wrong."""
    model = CONFIG_MODELS.get(kind)
    if model is None:
        raise SourceError(f"kind must be one of {', '.join(SOURCE_KINDS)}", key=N_("error_source_kind"))
    if isinstance(config, str):
        config = orjson.loads(config or "{}")
    try:
        return model.model_validate(config)
    except ValidationError as exc:
        problems = validation_reason(exc)
        raise SourceError(f"config of a {kind} source: {problems}", key=N_("error_source_config"),
                          problems=Reason(problems)) from None


def masked(config: dict[str, Any]) -> dict[str, Any]:
    return {k: (MASK if k in SECRET_FIELDS and v else v) for k, v in config.items()}


def _view(row: Source) -> SourceView:
    config = orjson.loads(row.config or "{}")
    return SourceView(
        name=row.name,
        kind=row.kind,
        config=masked(config),
        interval_seconds=row.interval_seconds,
        enabled=row.enabled,
        cursor=row.cursor,
        created_at=as_utc(row.created_at),
        last_run_at=as_utc(row.last_run_at),
        last_success_at=as_utc(row.last_success_at),
        last_run_events=row.last_run_events,
        events_taken=row.events_taken,
        last_error=row.last_error,
    )


# -- managing sources --------------------------------------------------------------------------


def add_source(
    engine: Engine,
    name: str,
    kind: str,
    config: dict[str, Any],
    *,
    interval_seconds: int = 60,
    enabled: bool = True,
    replace: bool = False,
) -> SourceView:
    """Adds a source; with `replace`, changes an existing one but keeps its cursor and history.
    A masked token (as listed) keeps the stored one, so a listed source can be sent back."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise SourceError("name: 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit",
                          key=N_("err_source_name"))
    if not MIN_INTERVAL <= interval_seconds <= MAX_INTERVAL:
        raise SourceError(f"interval_seconds must be between {MIN_INTERVAL} and {MAX_INTERVAL}", key=N_("err_interval"))
    config = dict(config)
    with session_scope(engine) as session:
        row = session.get(Source, name)
        if row is not None and not replace:
            raise SourceExists(f"a source named {name} exists already", key=N_("err_exists"))
        if row is not None:
            stored = orjson.loads(row.config or "{}")
            for key in SECRET_FIELDS:
                if config.get(key) == MASK:
                    config[key] = stored.get(key)
        parsed = parse_config(kind, config)
        text = orjson.dumps(parsed.model_dump(exclude_none=True)).decode()
        if row is None:
            row = Source(name=name, kind=kind, config=text, interval_seconds=interval_seconds,
                         enabled=enabled, created_at=utcnow())
            session.add(row)
        else:
            if row.kind != kind:
                raise SourceError(f"source {name} is a {row.kind}; remove it to make it a {kind}",
                                  key=N_("error_source_kind_changed"), name=name)
            row.config = text
            row.interval_seconds = interval_seconds
            row.enabled = enabled
        session.flush()
        return _view(row)


def list_sources(engine: Engine) -> list[SourceView]:
    with session_scope(engine) as session:
        return [_view(row) for row in session.exec(select(Source).order_by(Source.name))]


def get_source(engine: Engine, name: str) -> SourceView:
    with session_scope(engine) as session:
        row = session.get(Source, name)
        if row is None:
            raise SourceNotFound(name)
        return _view(row)


def remove_source(engine: Engine, name: str) -> None:
    """Removes a source; its events, import runs and quarantined events stay."""
    with session_scope(engine) as session:
        row = session.get(Source, name)
        if row is None:
            raise SourceNotFound(name)
        session.delete(row)


# -- running ----------------------------------------------------------------------------------


def run_source(
    store: EventStore,
    name: str,
    *,
    scheduled: bool = False,
    stop: threading.Event | None = None,
) -> RunResult:
    """Runs source `name` now, under its lock; raises SourceBusy if it is running elsewhere.
    A `scheduled` run is skipped if the source is disabled or ran recently (see RECENT_SHARE)."""
    engine = store.engine
    get_source(engine, name)  # SourceNotFound before the lock, which would only say "busy"
    stop = stop or never_stopped()
    with source_lock(engine, name) as heartbeat:
        # Read under the lock: the run before may have moved the cursor.
        with session_scope(engine) as session:
            row = session.get(Source, name)
            if row is None:
                raise SourceNotFound(name)
            session.expunge(row)
        started = utcnow()
        if scheduled and (not row.enabled or _ran_recently(row, started)):
            return RunResult(name, "skipped", started, started)
        try:
            config = parse_config(row.kind, row.config)
            if isinstance(config, FeedConfig):
                run_id = _start_feed_run(engine, name)
                outcome = collect_feed(store, name, config, row.cursor, heartbeat=heartbeat,
                                       import_run_id=run_id, stop=stop)
                _finish_feed_run(engine, run_id, outcome)
            else:
                assert isinstance(config, DropFolderConfig)
                outcome = collect_folder(store, name, config, heartbeat=heartbeat, stop=stop)
        except Exception as exc:
            log.exception("source %s failed", name)
            outcome = CollectorOutcome(error=f"{type(exc).__name__}: {exc}")
        finished = utcnow()
        _record_run(engine, name, started, finished, outcome)
    status = "failed" if outcome.error else "ok"
    log.info("source %s: %s, %d new events", name, status, outcome.summary.accepted)
    return RunResult(name, status, started, finished, outcome)


def _ran_recently(row: Source, now: datetime) -> bool:
    last = as_utc(row.last_run_at)
    return last is not None and now - last < timedelta(seconds=row.interval_seconds * RECENT_SHARE)


def _record_run(engine: Engine, name: str, started: datetime, finished: datetime,
                outcome: CollectorOutcome) -> None:
    # After the run's own transactions: if the process dies just before this, the events and
    # the cursor are safe; only these figures miss one run.
    table = Source.__table__
    taken = outcome.summary.accepted
    values: dict[str, Any] = {
        "last_run_at": started,
        "last_run_events": taken,
        "events_taken": table.c.events_taken + taken,
        "last_error": outcome.error,
    }
    if outcome.error is None:
        values["last_success_at"] = finished
    with engine.begin() as connection:
        connection.execute(update(table).where(table.c.name == name).values(**values))


def _start_feed_run(engine: Engine, name: str) -> int:
    with session_scope(engine) as session:
        run = ImportRun(origin="feed", source_name=name, started_at=utcnow())
        session.add(run)
        session.flush()
        return run.id  # type: ignore[return-value]


def _finish_feed_run(engine: Engine, run_id: int, outcome: CollectorOutcome) -> None:
    with session_scope(engine) as session:
        run = session.get(ImportRun, run_id)
        if run is None:
            return
        run.finished_at = utcnow()
        run.status = "failed" if outcome.error else "done"
        run.accepted = outcome.summary.accepted
        run.duplicates = outcome.summary.duplicates
        run.rejected = outcome.summary.rejected
        run.error = outcome.error
