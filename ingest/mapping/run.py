"""Running a mapping over an export: the import or its dry run, and the mapping files a server
may use, confined to OVERBLIK_MAPPINGS_DIR."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import Invalid, NotFound
from core.messages import N_
from ingest import events as event_models
from ingest.imports import (
    ImportResult,
    UnreadableFile,
    _batches,
    _finish_run,
    _start_run,
    file_format,
)
from ingest.mapping.mapper import (
    Candidate,
    LogState,
    Mapper,
    RowProblem,
    cell,
    cell_text,
    parse_date,
)
from ingest.mapping.readers import read_export
from ingest.mapping.schema import MAPPING_SUFFIXES, Mapping, MappingError, load_mapping
from ingest.store import EventStore, IngestError, IngestSummary, Refusal
from ingest.timeparse import format_instant

SERVER_MAPPING_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class NoSuchMapping(NotFound):
    """An import names no usable mapping file; nothing is said of why (a file outside the
    folder, a link out of it and a missing file answer alike)."""

    def __init__(self) -> None:
        super().__init__("no mapping of that name", key=N_("error_mapping_unknown"))


class UnusableMapping(Invalid):
    """The mappings folder is not configured, or the named mapping file cannot be used."""


def server_mapping(name: str, mappings_dir: Path | None) -> Mapping:
    """The mapping an import names by `?mapping=NAME`: a plain file name in `mappings_dir`."""
    if mappings_dir is None:
        raise UnusableMapping("no mappings on this server (OVERBLIK_MAPPINGS_DIR is not set)",
                              key=N_("error_mapping_none_here"))
    if not SERVER_MAPPING_NAME.fullmatch(name) or name.startswith("."):
        raise NoSuchMapping()
    try:
        path = confined_mapping(name, mappings_dir)
    except MappingError:
        raise NoSuchMapping() from None
    try:
        return load_mapping(path)
    except MappingError as exc:
        raise UnusableMapping(f"cannot use the mapping {exc}", key=N_("error_mapping_unusable"), problem=exc) from None


def confined_mapping(value: str, mappings_dir: Path | None) -> Path:
    """The mapping file a server-side setting names (a source's `mapping`, an import's
    `?mapping=NAME`), which must lie inside `mappings_dir` (OVERBLIK_MAPPINGS_DIR): a NAME,
    NAME.yaml, or a path that resolves, symbolic links followed, to a file inside the folder.
    `..`, an absolute path elsewhere and a link out of the folder are refused with a
    MappingError that names the setting, never anything of a file."""
    if mappings_dir is None:
        raise MappingError("mapping", ["no mappings on this server (OVERBLIK_MAPPINGS_DIR is not set)"],
                           key=N_("error_mapping_none_here"))
    if not isinstance(value, str) or not value.strip() or len(value) > 1024 or "\x00" in value:
        raise MappingError("mapping", ["a mapping is named by a file in OVERBLIK_MAPPINGS_DIR"],
                           key=N_("error_mapping_name"))
    folder = Path(mappings_dir).resolve()
    given = Path(value)
    if ".." in given.parts:
        raise MappingError("mapping", ["'..' is not allowed: name a file in OVERBLIK_MAPPINGS_DIR"],
                           key=N_("error_mapping_name"))
    if given.suffix.lower() not in MAPPING_SUFFIXES:
        given = given.with_name(given.name + ".yaml")
    candidate = given if given.is_absolute() else folder / given
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise MappingError("mapping", [f"no mapping named {given.name} in OVERBLIK_MAPPINGS_DIR"],
                           key=N_("error_mapping_unknown")) from None
    if not resolved.is_relative_to(folder) or not resolved.is_file():
        raise MappingError("mapping", ["outside OVERBLIK_MAPPINGS_DIR: a mapping must be a file in that folder"],
                           key=N_("error_mapping_name"))
    return resolved



@dataclass(slots=True)
class MappedImportResult(ImportResult):
    rows: int = 0
    # a dry run: the first events it would record, as they would be stored
    preview: list[dict[str, Any]] = field(default_factory=list)


PREVIEW_LIMIT = 100


# -- the import ----------------------------------------------------------------------------------


def export_date_from_file(mapping: Mapping, path: Path, filename: str, zone: ZoneInfo) -> date | None:
    """The export's date from the file's name or modification time, if the mapping says so."""
    spec = mapping.export_date
    if spec is None:
        return None
    if spec.filename:
        match = re.search(spec.filename, filename)
        if match is None:
            raise UnreadableFile(f"the file name does not match export_date.filename of the mapping {mapping.name}",
                                 key=N_("error_mapping_file_name"), mapping=mapping.name)
        try:
            parsed = parse_date(match.group(1), spec.format or [*mapping.date_formats, "%Y%m%d"])
        except RowProblem as exc:
            raise UnreadableFile(f"the date in the file name: {exc}", key=N_("error_mapping_file_name_date"),
                                 problem=exc) from None
        return parsed.date() if isinstance(parsed, datetime) else parsed
    if spec.modified:
        return datetime.fromtimestamp(path.stat().st_mtime, zone).date()  # the organisation's day
    return None


def import_mapped(
    store: EventStore,
    path: Path,
    mapping: Mapping,
    *,
    origin: str,
    filename: str | None = None,
    export_date: date | None = None,
    source: str | None = None,
    source_name: str | None = None,
    batch_size: int = 1000,
    dry_run: bool = False,
) -> MappedImportResult:
    """Imports one export through `mapping`; raises UnreadableFile (recorded as a failed import
    run) if the file cannot be read as that export at all. A `dry_run` stores nothing and
    records no import run (run_id 0): its summary and `preview` tell what the import would
    record, short of the checks made in the write transaction (see docs/mappings.md)."""
    filename = filename or Path(path).name
    run_id = 0 if dry_run else _start_run(store.engine, origin, filename, source_name)
    summary = IngestSummary()
    preview: list[dict[str, Any]] = []
    rows = 0
    try:
        if (mapping.file.format or file_format(filename)) not in ("csv", "xlsx"):
            raise UnreadableFile("a mapping reads CSV or XLSX exports, not NDJSON", key=N_("error_mapping_not_ndjson"))
        if export_date is None:
            export_date = export_date_from_file(mapping, Path(path), filename, store.zone)
        if mapping.needs_export_date() and export_date is None and not (
            mapping.export_date and mapping.export_date.column
        ):
            raise UnreadableFile(
                "the export's date is unknown: give it (--export-date on the command line), or "
                "set export_date in the mapping",
                key=N_("error_mapping_export_date"),
            )
        mapper = Mapper(store, mapping, source=source or mapping.source or mapping.name, export_date=export_date)
        state = LogState(store)
        # A first pass reads only the case ids, so that the log is read once for the whole export.
        state.load([
            cell_text(case) for row in read_export(Path(path), mapping, filename, store.archive_limits)
            if (case := cell(row, mapping.case_id)) is not None
        ])
        sent = 0
        for batch in _batches(read_export(Path(path), mapping, filename, store.archive_limits), batch_size):
            rows += len(batch)
            items = [item for row in batch for item in mapper.row(row)]
            part, count = _append(store, items, state, origin, run_id, sent, preview if dry_run else None)
            summary.add(part)
            sent += count
    except UnreadableFile as exc:
        if not dry_run:
            _finish_run(store.engine, run_id, summary, "failed", str(exc))
        raise
    if not dry_run:
        _finish_run(store.engine, run_id, summary, "done", None)
    return MappedImportResult(run_id, summary, rows, preview)


def _append(store: EventStore, items: list[Candidate | Refusal], state: LogState, origin: str,
            run_id: int, first_index: int, preview: list[dict[str, Any]] | None = None,
            ) -> tuple[IngestSummary, int]:
    """Sends the batch's new events and refusals to the store; (summary, events sent). An
    error's `index` counts the events sent to the store in this import, from 0. With a
    `preview` list (a dry run) nothing is sent: the events are only validated."""
    known = 0
    send: list[dict[str, Any] | Refusal] = []
    lines: list[int | None] = []
    undo: dict[int, Callable[[], None]] = {}  # by position in `send`
    for item in items:
        if isinstance(item, Refusal):
            item.index = first_index + len(send)
            send.append(item)
            lines.append(item.line)
            continue
        if state.known(item):
            known += 1
            continue
        event = item.event
        payload = {k: v for k, v in event.items() if k not in event_models.ENVELOPE}
        undo[len(send)] = state.record(event["case_id"], event["type"], item.instant, payload)
        send.append(event)
        lines.append(item.line)
    summary = IngestSummary(duplicates=known)
    if send and preview is not None:
        for item in store.prepare_many(send, first_index=first_index, lines=lines):
            if isinstance(item, Refusal):
                summary.rejected += 1
                summary.errors.append(IngestError(item.index, item.envelope("event_id"), item.reason, item.line))
                continue
            summary.accepted += 1
            if len(preview) < PREVIEW_LIMIT:
                preview.append({"event_id": item.event_id, "type": item.type, "case_id": item.case_id,
                                "occurred_at": format_instant(item.occurred_at), "source": item.source,
                                **item.payload})
    elif send:
        prepared = store.prepare_many(send, first_index=first_index, lines=lines)
        stored = store.append_prepared(prepared, origin=origin, import_run_id=run_id, first_index=first_index)
        for error in stored.errors:  # refused: the log does not hold it after all
            take_out = undo.get(error.index - first_index)
            if take_out is not None:
                take_out()
            if error.line is None:  # refused by the delivery rules: the store knows no line
                error.line = lines[error.index - first_index]
        summary.add(stored)
    return summary, len(send)

