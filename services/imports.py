"""Importing a file of events — or a case system's export through a mapping — for the API's
upload and the command line alike: authorised, run through the one write path, audited."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.access import Action
from core.audit import AuditAction
from core.errors import Invalid
from ingest.imports import ImportResult, file_format, import_path
from ingest.mapping import import_mapped
from ingest.mapping.schema import Mapping
from ingest.store import IngestSummary
from services.actor import Actor
from services.runtime import Services

# the import run's origin (import_runs.origin, docs/events.md) by the entry point that imports
ORIGIN = {"api": "upload", "cli": "cli", "dashboard": "dashboard"}


def _detail(kind: str, summary: IngestSummary, run_id: int, mapping: Mapping | None) -> str:
    # counts and the run only: a file's name may say whose it is
    through = f" through mapping {mapping.name}" if mapping is not None else ""
    return (f"{kind}{through}: {summary.accepted} accepted, {summary.duplicates} duplicates, "
            f"{summary.rejected} refused (run {run_id})")


def import_file(services: Services, actor: Actor, path: Path, *, filename: str | None = None,
                source: str | None = None, mapping: Mapping | None = None, export_date: date | None = None,
                dry_run: bool = False) -> ImportResult:
    """Imports one file of events (CSV, XLSX, NDJSON; `source` for rows that name none) or,
    with `mapping`, a case system's export (`source` of every event; `export_date` dates its
    status changes; a `dry_run` stores nothing and is not audited). UnreadableFile when the
    file as a whole is not events; the refused rows are in the summary and the quarantine."""
    actor.authorise(Action.send_events)
    if mapping is None and (export_date is not None or dry_run):
        raise Invalid("export_date and dry_run need a mapping", key="error_mapping_needed")
    filename = filename or Path(path).name
    # a mapping may name its format whatever the file is called
    kind = (mapping.file.format if mapping is not None else None) or file_format(filename)
    batch_size = services.settings.import_batch_size
    origin = ORIGIN[actor.entry]
    result: ImportResult
    if mapping is not None:
        result = import_mapped(services.store, path, mapping, origin=origin, filename=filename,
                               export_date=export_date, source=source, batch_size=batch_size, dry_run=dry_run)
        if dry_run:
            return result
    else:
        result = import_path(services.store, path, origin=origin, filename=filename, default_source=source,
                             batch_size=batch_size)
    actor.record(services.engine, AuditAction.import_events, detail=_detail(kind, result.summary, result.run_id,
                                                                            mapping))
    return result
