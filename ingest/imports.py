"""Imports events from files — CSV, XLSX or NDJSON, one row per event — streaming, in
transactions of `import_batch_size` events, each file recorded as an import run.

Columns (CSV and XLSX, first row is the header): the envelope `event_id`, `type`,
`occurred_at`, `case_id`, optional `source`, and any field of the event types by its name.
An empty cell is an absent field. `participants` lists its values separated by `;`. Number
fields (`hours`, `hours_per_week`) take a decimal point or a decimal comma. Any other column is
kept with the event as an extra field. CSV may use `,` or `;` between cells (the header line
decides) and is read as UTF-8 (a byte-order mark is fine).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from core import identity
from core.database import session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import ImportRun
from core.numbers import NumberError, parse_float
from ingest.limits import (
    ARCHIVE_LIMITS,
    MAX_NOT_EVENTS,
    ArchiveLimits,
    ArchiveRefused,
    not_events_reason,
)
from ingest.store import EventStore, IngestSummary, Refusal

REQUIRED_COLUMNS = ("event_id", "type", "occurred_at", "case_id")
LIST_FIELDS = frozenset({"participants"})
NUMBER_FIELDS = frozenset({"hours", "hours_per_week"})
# 1.234,5 and 37,5 as Danish and German systems write them; 37.5 as any system exports it
FILE_NUMBER_LOCALE = "da"
TEXT_FIELDS = frozenset(
    {"event_id", "case_id", "source", "citizen", "team_id", "worker_id", "placement_id",
     "programme", "target_group", "channel", "employer", "phase", "month"}
)
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".ndjson": "ndjson", ".jsonl": "ndjson"}


class UnreadableFile(Invalid):
    """The file as a whole cannot be read as events (its rows are never partly imported)."""


@dataclass(slots=True)
class ImportResult:
    run_id: int
    summary: IngestSummary


@dataclass(slots=True)
class Row:
    index: int
    line: int
    event: Any


def file_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise UnreadableFile(
            f"unknown file type {suffix or '(none)'}: use .csv, .xlsx, .ndjson or .jsonl",
            key=N_("error_file_type"), suffix=suffix or "—",
        ) from None


def import_path(
    store: EventStore,
    path: Path,
    *,
    origin: str,
    filename: str | None = None,
    default_source: str | None = None,
    source_name: str | None = None,
    batch_size: int = 1000,
) -> ImportResult:
    """Imports one file; raises UnreadableFile (recorded as a failed run) if it is not events."""
    filename = filename or Path(path).name
    run_id = _start_run(store.engine, origin, filename, source_name)
    summary = IngestSummary()
    try:
        rows = read_rows(Path(path), file_format(filename), store.archive_limits)
        for batch in _batches(rows, batch_size):
            prepared = store.prepare_many(
                [row.event for row in batch],
                first_index=batch[0].index,
                default_source=default_source,
                lines=[row.line for row in batch],
            )
            summary.add(
                store.append_prepared(prepared, origin=origin, import_run_id=run_id, first_index=batch[0].index)
            )
    except UnreadableFile as exc:
        _finish_run(store.engine, run_id, summary, "failed", str(exc))
        raise
    _finish_run(store.engine, run_id, summary, "done", None)
    return ImportResult(run_id, summary)


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_rows(path: Path, kind: str, limits: ArchiveLimits = ARCHIVE_LIMITS) -> Iterator[Row]:
    if kind == "csv":
        return _csv_rows(path)
    if kind == "xlsx":
        return _xlsx_rows(path, limits)
    return _ndjson_rows(path)


def _check_header(header: list[str]) -> list[str]:
    header = [str(h).strip() if h is not None else "" for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UnreadableFile(f"the header row lacks the columns {', '.join(missing)}", key=N_("error_header_lacks"),
                             columns=", ".join(missing))
    return header


def _csv_rows(path: Path) -> Iterator[Row]:
    handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 (closed by the generator)
    try:
        first = handle.readline()
        if not first.strip():
            raise UnreadableFile("the file is empty", key=N_("error_file_empty"))
        delimiter = ";" if first.count(";") > first.count(",") else ","
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = _check_header(next(reader))
            index = 0
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                yield Row(index, reader.line_num, _event_from_cells(header, cells))
                index += 1
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFile(f"not a readable UTF-8 CSV file ({type(exc).__name__})",
                                 key=N_("error_csv_not_utf8")) from None
    finally:
        handle.close()


def _xlsx_rows(path: Path, limits: ArchiveLimits = ARCHIVE_LIMITS) -> Iterator[Row]:
    from ingest.limits import open_workbook, sheet_rows

    try:
        # the archive's sizes are checked before openpyxl unpacks anything (ingest/limits.py)
        workbook = open_workbook(path, limits)
    except ArchiveRefused as exc:
        raise UnreadableFile(str(exc), key=exc.key, **exc.params) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet_rows(sheet, limits)
        try:
            header = _check_header(list(next(rows)))
        except StopIteration:
            raise UnreadableFile("the workbook's first sheet is empty", key=N_("error_sheet_empty")) from None
        except ArchiveRefused as exc:
            raise UnreadableFile(str(exc), key=exc.key, **exc.params) from None
        index = 0
        try:
            for number, cells in enumerate(rows, start=2):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                yield Row(index, number, _event_from_cells(header, list(cells)))
                index += 1
        except ArchiveRefused as exc:
            raise UnreadableFile(str(exc), key=exc.key, **exc.params) from None
    finally:
        workbook.close()


def _ndjson_rows(path: Path) -> Iterator[Row]:
    with open(path, "rb") as handle:
        index = 0
        not_events = 0
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                event = Refusal(index, f"line {number} is not valid JSON ({exc.msg})", None, number)
            if type(event) is not dict:
                not_events += 1
                if not_events > MAX_NOT_EVENTS:
                    # a file of anything but events is one refusal, not one quarantine entry a line
                    raise UnreadableFile(not_events_reason(not_events), key=N_("error_not_events"), count=not_events)
            yield Row(index, number, event)
            index += 1


def _event_from_cells(header: list[str], cells: list[Any]) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for name, value in zip(header, cells, strict=False):
        if not name or value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        event[name] = _cell_value(name, value)
    return event


def _cell_value(name: str, value: Any) -> Any:
    if name in LIST_FIELDS:
        return [part.strip() for part in str(value).split(";") if part.strip()]
    if name in NUMBER_FIELDS:
        if not isinstance(value, str):
            return value  # a typed cell: validation checks it
        try:
            # text in the Danish/German form or the machine form (core/numbers.py)
            return parse_float(value, FILE_NUMBER_LOCALE)
        except NumberError:
            return value  # validation names the field and refuses it
    if name == "month" and isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    if name in TEXT_FIELDS and isinstance(value, int | float) and not isinstance(value, bool):
        # Spreadsheets turn references like 10023 into numbers.
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _start_run(engine: Engine, origin: str, filename: str, source_name: str | None) -> int:
    # a file name may carry a citizen's number (`0101801234 CV.csv`): kept masked
    with session_scope(engine) as session:
        run = ImportRun(origin=origin, filename=identity.mask_file_name(filename), source_name=source_name, started_at=utcnow())
        session.add(run)
        session.flush()
        return run.id  # type: ignore[return-value]


def _finish_run(engine: Engine, run_id: int, summary: IngestSummary, status: str, error: str | None) -> None:
    with session_scope(engine) as session:
        run = session.get(ImportRun, run_id)
        if run is None:
            return
        run.finished_at = utcnow()
        run.status = status
        run.accepted = summary.accepted
        run.duplicates = summary.duplicates
        run.rejected = summary.rejected
        run.error = identity.mask(error) if error else error


