"""Imports a case system's own export (a CSV or XLSX file of cases, placements, … in the
system's columns and codes) through a mapping file (YAML, `docs/mappings.md`) that says which
column is the case id, which column or status code means which event, and how dates are written.

An export is a snapshot: it says what is true of each case on the export's date. Each rule of
the mapping turns a row into at most one event, and only when the event log does not already
say so:

- *once* events (`case_opened`, `enrolled`, `cv_completed`, `case_closed`, each
  `placement_started` / `placement_ended` by its `placement_id`, each `follow_up_held` by its
  date) are emitted when the case has none yet, from any source;
- *status* events (`readiness_assessed`, `phase_changed`, `worker_assigned` per role,
  `case_transferred`, `hours_reported` per month) are emitted when the value in the export
  differs from the case's latest value in the log as of the event's date (by default the
  export's date): a status that changed between two exports becomes one event.

Event ids are derived from the case, the type, the key and (for statuses) the value and date,
so importing the same export twice records nothing new, and two processes importing the same
export at once are still deduplicated by the store. Everything ends in the one write path
(`EventStore.append_prepared`): validation, pseudonyms, idempotency and the quarantine are the
same as for any other import. A row (or one rule of a row) that cannot be mapped is quarantined
with its reason, the citizen column replaced by its pseudonym.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.contract import ONCE_TYPES, STATE_TYPES, STATUS_TYPES
from core.database import as_utc
from core.errors import Invalid, NotFound
from core.numbers import NumberError, parse_float
from ingest import events as event_models
from ingest.imports import (
    FILE_NUMBER_LOCALE,
    FORMATS,
    NUMBER_FIELDS,
    TEXT_FIELDS,
    ImportResult,
    UnreadableFile,
    _batches,
    _finish_run,
    _start_run,
    file_format,
)
from ingest.limits import ARCHIVE_LIMITS, ArchiveLimits, ArchiveRefused, open_workbook, sheet_rows
from ingest.store import EventStore, IngestError, IngestSummary, Refusal
from ingest.timeparse import format_instant, local_to_utc

MAX_EVENT_ID = 128

MAPPABLE_TYPES = (*ONCE_TYPES, *STATUS_TYPES)
MODELS: dict[str, type[BaseModel]] = {
    "case_opened": event_models.CaseOpened, "enrolled": event_models.Enrolled,
    "cv_completed": event_models.CvCompleted, "case_closed": event_models.CaseClosed,
    "placement_started": event_models.PlacementStarted, "placement_ended": event_models.PlacementEnded,
    "follow_up_held": event_models.FollowUpHeld, "readiness_assessed": event_models.ReadinessAssessed,
    "phase_changed": event_models.PhaseChanged, "worker_assigned": event_models.WorkerAssigned,
    "case_transferred": event_models.CaseTransferred, "hours_reported": event_models.HoursReported,
}
DEFAULT_DATE_FORMATS = ("%Y-%m-%d",)
MAPPED_FORMATS = {suffix: kind for suffix, kind in FORMATS.items() if kind in ("csv", "xlsx")}


# -- the mapping file ----------------------------------------------------------------------------


class MappingError(Invalid):
    """A mapping file that cannot be used; each problem names its line and key."""

    def __init__(self, where: str, problems: Sequence[str]):
        self.where = where
        self.problems = list(problems)
        super().__init__(f"{where}: " + "; ".join(self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FileOptions(_Strict):
    format: Literal["csv", "xlsx"] | None = Field(default=None, description="Default: by the file's suffix.")
    delimiter: str | None = Field(default=None, min_length=1, max_length=1, description="CSV; default: detected.")
    encoding: str = Field(default="utf-8-sig", description="CSV: e.g. utf-8, cp1252, latin-1.")
    sheet: str | None = Field(default=None, description="XLSX: the sheet's name; default: the first.")
    header_row: int = Field(default=1, ge=1, le=100, description="The line (row) holding the column names.")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError("unknown encoding") from None
        return value


class ExportDate(_Strict):
    """Where the export's date is read when the command line gives none."""

    column: str | None = None
    filename: str | None = Field(default=None, description="A regular expression with one group: the date.")
    modified: bool = Field(default=False, description="The file's modification date.")
    format: list[str] | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("filename")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc.msg})") from None
        if compiled.groups != 1:
            raise ValueError("the pattern needs exactly one group (...) around the date")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ExportDate:
        given = [n for n in ("column", "filename") if getattr(self, n)] + (["modified"] if self.modified else [])
        if len(given) != 1:
            raise ValueError("give exactly one of column, filename or modified: true")
        return self


class Condition(_Strict):
    """When a rule applies: the column is filled in, or holds one of `in` (or none of `not_in`)."""

    column: str = Field(min_length=1)
    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @field_validator("in_", "not_in", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_text(v) if not isinstance(v, str) else v for v in value]
        return value


class FieldSpec(_Strict):
    """One event field: from a column (optionally through a code list) or a constant."""

    column: str | None = None
    value: str | float | list[str] | None = None
    codes: str | dict[str, str | None] | None = None
    format: list[str] | None = None
    optional: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @field_validator("format", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("codes", mode="before")
    @classmethod
    def _code_keys(cls, value: Any) -> Any:
        return _code_table(value) if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _column_or_value(self) -> FieldSpec:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either column or value")
        if self.value is not None and (self.codes is not None or self.format is not None):
            raise ValueError("a constant value takes no codes or format")
        return self


class DateSpec(_Strict):
    """The event's date: the export's date (`export`), or a column."""

    column: str | None = None
    export: bool = False
    format: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if value == "export":
            return {"export": True}
        return {"column": value} if isinstance(value, str) else value

    @field_validator("format", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _column_or_export(self) -> DateSpec:
        if (self.column is None) == (not self.export):
            raise ValueError("give either a column or export")
        return self


class Rule(_Strict):
    type: str
    when: Condition | None = None
    date: DateSpec = Field(default_factory=lambda: DateSpec(export=True))
    fields: dict[str, FieldSpec] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _mappable(cls, value: str) -> str:
        if value not in MAPPABLE_TYPES:
            raise ValueError(f"not an event type a mapping can make (one of {', '.join(MAPPABLE_TYPES)})")
        return value


class Mapping(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    description: str | None = None
    source: str | None = Field(default=None, min_length=1, max_length=128)
    file: FileOptions = Field(default_factory=FileOptions)
    case_id: str = Field(min_length=1, description="The column holding the case id.")
    export_date: ExportDate | None = None
    date_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS))
    codes: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    events: list[Rule] = Field(min_length=1)

    @field_validator("date_formats", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("codes", mode="before")
    @classmethod
    def _code_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _code_table(v) if isinstance(v, dict) else v for k, v in value.items()}
        return value

    def columns(self) -> list[tuple[str, str]]:
        """Every column the mapping reads, with the key that names it."""
        out = [(self.case_id, "case_id")]
        if self.export_date and self.export_date.column:
            out.append((self.export_date.column, "export_date.column"))
        for i, rule in enumerate(self.events):
            if rule.when:
                out.append((rule.when.column, f"events[{i}].when"))
            if rule.date.column:
                out.append((rule.date.column, f"events[{i}].date"))
            for name, spec in rule.fields.items():
                if spec.column:
                    out.append((spec.column, f"events[{i}].fields.{name}"))
        return out

    def needs_export_date(self) -> bool:
        return any(rule.date.export for rule in self.events)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _code_table(value: dict[Any, Any]) -> dict[Any, Any]:
    # YAML reads `1: ready` and `Ja: ...` as an int and a string alike; codes are text.
    return {_text(k): (_text(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)
            for k, v in value.items()}


class _Loader(yaml.SafeLoader):
    """YAML as version 1.2 reads it: only true/false are booleans, so codes such as yes, no,
    on, off, J or N stay text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


MAPPING_SUFFIXES = (".yaml", ".yml")
_SHOWN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


SERVER_MAPPING_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class NoSuchMapping(NotFound):
    """An import names no usable mapping file; nothing is said of why (a file outside the
    folder, a link out of it and a missing file answer alike)."""

    def __init__(self) -> None:
        super().__init__("no mapping of that name")


class UnusableMapping(Invalid):
    """The mappings folder is not configured, or the named mapping file cannot be used."""


def server_mapping(name: str, mappings_dir: Path | None) -> Mapping:
    """The mapping an import names by `?mapping=NAME`: a plain file name in `mappings_dir`."""
    if mappings_dir is None:
        raise UnusableMapping("no mappings on this server (OVERBLIK_MAPPINGS_DIR is not set)")
    if not SERVER_MAPPING_NAME.fullmatch(name) or name.startswith("."):
        raise NoSuchMapping()
    try:
        path = confined_mapping(name, mappings_dir)
    except MappingError:
        raise NoSuchMapping() from None
    try:
        return load_mapping(path)
    except MappingError as exc:
        raise UnusableMapping(f"cannot use the mapping {exc}") from None


def confined_mapping(value: str, mappings_dir: Path | None) -> Path:
    """The mapping file a server-side setting names (a source's `mapping`, an import's
    `?mapping=NAME`), which must lie inside `mappings_dir` (OVERBLIK_MAPPINGS_DIR): a NAME,
    NAME.yaml, or a path that resolves, symbolic links followed, to a file inside the folder.
    `..`, an absolute path elsewhere and a link out of the folder are refused with a
    MappingError that names the setting, never anything of a file."""
    if mappings_dir is None:
        raise MappingError("mapping", ["no mappings on this server (OVERBLIK_MAPPINGS_DIR is not set)"])
    if not isinstance(value, str) or not value.strip() or len(value) > 1024 or "\x00" in value:
        raise MappingError("mapping", ["a mapping is named by a file in OVERBLIK_MAPPINGS_DIR"])
    folder = Path(mappings_dir).resolve()
    given = Path(value)
    if ".." in given.parts:
        raise MappingError("mapping", ["'..' is not allowed: name a file in OVERBLIK_MAPPINGS_DIR"])
    if given.suffix.lower() not in MAPPING_SUFFIXES:
        given = given.with_name(given.name + ".yaml")
    candidate = given if given.is_absolute() else folder / given
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise MappingError("mapping", [f"no mapping named {given.name} in OVERBLIK_MAPPINGS_DIR"]) from None
    if not resolved.is_relative_to(folder) or not resolved.is_file():
        raise MappingError("mapping", ["outside OVERBLIK_MAPPINGS_DIR: a mapping must be a file in that folder"])
    return resolved


def load_mapping(path: Path | str) -> Mapping:
    """Reads and checks a mapping file; MappingError lists every problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(path.name, [f"cannot be read ({type(exc).__name__})"]) from None
    return parse_mapping(text, path.name)


def parse_mapping(text: str, where: str = "mapping") -> Mapping:
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # the parser's own words, without the text it quotes from the file
        problem = re.sub(r"'[^']*'|\"[^\"]*\"", "…", str(getattr(exc, "problem", None) or "syntax"))[:120]
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise MappingError(where, [f"{at}not valid YAML ({problem})"]) from None
    if not isinstance(data, dict):
        raise MappingError(where, ["line 1: a mapping file is a YAML mapping (name:, case_id:, events:, …)"])
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        problems = []
        for item in exc.errors(include_url=False, include_input=False)[:20]:
            loc = tuple(item["loc"])
            problems.append(_located(root, loc, _message(item)))
        raise MappingError(where, problems) from None
    problems = [_located(root, loc, message) for loc, message in _check(mapping)]
    if problems:
        raise MappingError(where, problems)
    return mapping


def _message(item: dict[str, Any]) -> str:
    if item["type"] == "extra_forbidden":
        return "unknown key"
    if item["type"] == "missing":
        return "required"
    message = item["msg"]
    return message.removeprefix("Value error, ")


def _located(root: Any, loc: tuple[Any, ...], message: str) -> str:
    """'line N, events[2].fields.level: message' — the line of the deepest node found."""
    loc = tuple("in" if part == "in_" else part for part in loc)
    line = _line(root, loc)
    path = ""
    for part in loc:
        # a key of the file is named only when it is a plain name: never a line of the file
        part = part if isinstance(part, int) or _SHOWN_KEY.fullmatch(str(part)) else "…"
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    at = f"line {line}" if line else "line ?"
    return f"{at}, {path or 'the file'}: {message}"


def _line(node: Any, loc: tuple[Any, ...]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _field_kinds(event_type: str) -> tuple[dict[str, Any], set[str]]:
    """The fields a rule of `event_type` may set (name → annotation) and those it must set."""
    model = MODELS[event_type]
    allowed: dict[str, Any] = {}
    required: set[str] = set()
    for name, info in model.model_fields.items():
        if name in event_models.ENVELOPE or name == "type":
            continue
        if name == "citizen_pseudonym":  # sent as citizen, pseudonymised by the store
            allowed["citizen"] = str
            required.add("citizen")
            continue
        allowed[name] = info.annotation
        if info.is_required():
            required.add(name)
    return allowed, required


def _choices(annotation: Any) -> tuple[str, ...] | None:
    """The allowed values of a Literal field (also inside Optional / list), else None."""
    if get_origin(annotation) is Literal:
        return tuple(get_args(annotation))
    for arg in get_args(annotation):
        found = _choices(arg)
        if found:
            return found
    return None


def _check(mapping: Mapping) -> list[tuple[tuple[Any, ...], str]]:
    problems: list[tuple[tuple[Any, ...], str]] = []
    for loc, formats in _all_formats(mapping):
        for number, fmt in enumerate(formats):
            if _format_problem(fmt):
                problems.append(((*loc, number), _format_problem(fmt) or ""))
    for i, rule in enumerate(mapping.events):
        allowed, required = _field_kinds(rule.type)
        for name, spec in rule.fields.items():
            where = ("events", i, "fields", name)
            if name not in allowed:
                fields = ", ".join(sorted(allowed)) or "none"
                problems.append((where, f"not a field of {rule.type} (its fields: {fields})"))
                continue
            choices = _choices(allowed[name])
            table = spec.codes
            if isinstance(table, str):
                if table not in mapping.codes:
                    problems.append(((*where, "codes"), f"no code list named {table} under codes"))
                    continue
                table_loc: tuple[Any, ...] = ("codes", table)
                table = mapping.codes[table]
            else:
                table_loc = (*where, "codes")
            if choices and table:
                for code, target in table.items():
                    if target is not None and target not in choices:
                        problems.append(((*table_loc, code), f"must be one of {', '.join(choices)} (for {name})"))
            if choices and spec.value is not None:
                values = spec.value if isinstance(spec.value, list) else [spec.value]
                for value in values:
                    if value not in choices:
                        problems.append(((*where, "value"), f"must be one of {', '.join(choices)}"))
        missing = sorted(required - set(rule.fields))
        if missing:
            problems.append((("events", i, "fields") if rule.fields else ("events", i),
                             f"{rule.type} needs the fields {', '.join(missing)}"))
    return problems


def _all_formats(mapping: Mapping) -> Iterator[tuple[tuple[Any, ...], list[str]]]:
    yield ("date_formats",), mapping.date_formats
    if mapping.export_date and mapping.export_date.format:
        yield ("export_date", "format"), mapping.export_date.format
    for i, rule in enumerate(mapping.events):
        if rule.date.format:
            yield ("events", i, "date", "format"), rule.date.format
        for name, spec in rule.fields.items():
            if spec.format:
                yield ("events", i, "fields", name, "format"), spec.format


def _format_problem(fmt: str) -> str | None:
    if "%" not in fmt:
        return "a date format needs % codes, e.g. %d-%m-%Y"
    sample = datetime(2026, 11, 23, 14, 35)
    try:
        back = datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError:
        return "not a date format that can be read back (see Python's strptime codes)"
    if (back.year, back.month) != (sample.year, sample.month):
        return "a date format must hold the year and the month"
    return None


# -- reading the export ------------------------------------------------------------------------


@dataclass(slots=True)
class ExportRow:
    line: int
    cells: dict[str, Any]


def read_export(path: Path, mapping: Mapping, filename: str,
                limits: ArchiveLimits = ARCHIVE_LIMITS) -> Iterator[ExportRow]:
    kind = mapping.file.format or file_format(filename)
    if kind == "ndjson":
        raise UnreadableFile("a mapping reads CSV or XLSX exports, not NDJSON")
    return _csv_export(path, mapping) if kind == "csv" else _xlsx_export(path, mapping, limits)


def _header(cells: Sequence[Any], mapping: Mapping) -> list[str]:
    header = [str(c).strip() if c is not None else "" for c in cells]
    missing = [f"{column} ({key})" for column, key in mapping.columns() if column not in header]
    if missing:
        raise UnreadableFile(
            f"the header row (line {mapping.file.header_row}) lacks columns the mapping "
            f"{mapping.name} reads: {', '.join(dict.fromkeys(missing))}"
        )
    return header


def _csv_export(path: Path, mapping: Mapping) -> Iterator[ExportRow]:
    options = mapping.file
    handle = open(path, newline="", encoding=options.encoding)  # noqa: SIM115 (closed below)
    try:
        try:
            for _ in range(options.header_row - 1):
                handle.readline()
            first = handle.readline()
            if not first.strip():
                raise UnreadableFile(f"line {options.header_row} (the header row) is empty")
            delimiter = options.delimiter or max(";,\t", key=first.count)
            reader = csv.reader([first], delimiter=delimiter)
            header = _header(next(reader), mapping)
            reader = csv.reader(handle, delimiter=delimiter)
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                yield ExportRow(options.header_row + reader.line_num, dict(zip(header, cells, strict=False)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFile(
                f"not a readable CSV file in {options.encoding} ({type(exc).__name__}); "
                "set file.encoding in the mapping"
            ) from None
    finally:
        handle.close()


def _xlsx_export(path: Path, mapping: Mapping, limits: ArchiveLimits = ARCHIVE_LIMITS) -> Iterator[ExportRow]:
    try:
        # the archive's sizes are checked before openpyxl unpacks anything (ingest/limits.py)
        workbook = open_workbook(path, limits)
    except ArchiveRefused as exc:
        raise UnreadableFile(str(exc)) from None
    try:
        if mapping.file.sheet:
            if mapping.file.sheet not in workbook.sheetnames:
                raise UnreadableFile(f"the workbook has no sheet named {mapping.file.sheet}")
            sheet = workbook[mapping.file.sheet]
        else:
            sheet = workbook.worksheets[0]
        start = mapping.file.header_row
        rows = sheet_rows(sheet, limits, min_row=start)
        try:
            header = _header(list(next(rows)), mapping)
            for number, cells in enumerate(rows, start=start + 1):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                yield ExportRow(number, dict(zip(header, cells, strict=False)))
        except StopIteration:
            raise UnreadableFile("the sheet has no header row") from None
        except ArchiveRefused as exc:
            raise UnreadableFile(str(exc)) from None
    finally:
        workbook.close()


# -- rows to events ----------------------------------------------------------------------------


class RowProblem(Invalid):
    pass


class _Skip(Exception):
    """The rule does not apply to this row (its condition is false, or a code maps to null)."""


def _cell(row: ExportRow, column: str) -> Any:
    value = row.cells.get(column)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _text(value)
    return str(value)


def parse_date(value: Any, formats: Sequence[str]) -> date | datetime:
    """A cell as a date (or a naive local date-time when the format holds a time)."""
    if isinstance(value, datetime):
        return value.date() if value.time() == time() else value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        has_time = any(code in fmt for code in ("%H", "%I", "%M"))
        return parsed if has_time else parsed.date()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise RowProblem(f"not a date in the format {' or '.join(formats)}") from None


def _iso(value: date | datetime) -> str:
    return value.isoformat() if isinstance(value, datetime) else value.isoformat()


@dataclass(slots=True)
class Candidate:
    """A mapped event before the log is asked whether it already says so."""

    line: int
    event: dict[str, Any]
    state_key: str  # the case's fact or status this event sets
    value: Any  # a status's value (None for once events)
    instant: datetime


@dataclass(slots=True)
class MappedImportResult(ImportResult):
    rows: int = 0
    # a dry run: the first events it would record, as they would be stored
    preview: list[dict[str, Any]] = field(default_factory=list)


PREVIEW_LIMIT = 100


class Mapper:
    """Turns rows of one export into candidate events and refusals."""

    def __init__(self, store: EventStore, mapping: Mapping, *, source: str, export_date: date | None):
        self.store = store
        self.mapping = mapping
        self.source = source
        self.export_date = export_date
        self.citizen_columns = {
            spec.column for rule in mapping.events for name, spec in rule.fields.items()
            if name == "citizen" and spec.column
        }
        # an export repeats few dates many times: each is parsed and placed in time once
        self._dates: dict[tuple[Any, tuple[str, ...]], date | datetime] = {}
        self._instants: dict[date | datetime, datetime] = {}
        self._folded: dict[int, dict[str, str | None]] = {}  # code lists by id(), compared casefolded

    def parse(self, value: Any, formats: Sequence[str]) -> date | datetime:
        key = (value, tuple(formats))
        try:
            return self._dates[key]
        except KeyError:
            parsed = self._dates[key] = parse_date(value, formats)
            return parsed
        except TypeError:  # not hashable
            return parse_date(value, formats)

    def instant(self, when: date | datetime) -> datetime:
        found = self._instants.get(when)
        if found is None:
            naive = when if isinstance(when, datetime) else datetime.combine(when, time())
            found = self._instants[when] = local_to_utc(naive, self.store.zone)
        return found

    def row(self, row: ExportRow) -> list[Candidate | Refusal]:
        """The row's candidate events, and a refusal for each rule that cannot be mapped (their
        `index` is set when the batch is sent)."""
        out: list[Candidate | Refusal] = []
        case_id = _cell(row, self.mapping.case_id)
        if case_id is None:
            return [self.refusal(row, None, None, f"column {self.mapping.case_id} (the case id) is empty")]
        case_id = _cell_text(case_id)
        for number, rule in enumerate(self.mapping.events):
            try:
                candidate = self.rule(row, case_id, rule)
            except _Skip:
                continue
            except RowProblem as exc:
                out.append(self.refusal(row, case_id, rule.type, f"events[{number}] ({rule.type}): {exc}"))
                continue
            out.append(candidate)
        return out

    def rule(self, row: ExportRow, case_id: str, rule: Rule) -> Candidate:
        if rule.when is not None and not _holds(rule.when, _cell(row, rule.when.column)):
            raise _Skip
        when = self.event_date(row, rule)
        event: dict[str, Any] = {"type": rule.type, "case_id": case_id, "occurred_at": _iso(when),
                                 "source": self.source}
        for name, spec in rule.fields.items():
            value = self.field(row, name, spec)
            if value is not None:
                event[name] = value
        instant = self.instant(when)
        if rule.type in ONCE_TYPES:
            parts = [event.get(k) if k != "occurred_at" else _iso(when) for k in ONCE_TYPES[rule.type]]
            key = ":".join([rule.type, *map(str, parts)])
            event["event_id"] = _event_id(case_id, key)
            return Candidate(row.line, event, key, None, instant)
        keys, value_field = STATUS_TYPES[rule.type]
        state_key = ":".join([rule.type, *(str(event.get(k)) for k in keys)])
        value = event.get(value_field)
        event["event_id"] = _event_id(case_id, f"{state_key}:{_text(value)}:{_iso(when)}")
        return Candidate(row.line, event, state_key, value, instant)

    def event_date(self, row: ExportRow, rule: Rule) -> date | datetime:
        if rule.date.export:
            return self.export_date_of(row)
        column = rule.date.column or ""
        value = _cell(row, column)
        if value is None:
            raise RowProblem(f"column {column} (the date) is empty")
        try:
            return self.parse(value, rule.date.format or self.mapping.date_formats)
        except RowProblem as exc:
            raise RowProblem(f"column {column}: {exc}") from None

    def export_date_of(self, row: ExportRow) -> date:
        if self.export_date is not None:
            return self.export_date
        spec = self.mapping.export_date
        assert spec is not None and spec.column  # import_mapped checked this
        value = _cell(row, spec.column)
        if value is None:
            raise RowProblem(f"column {spec.column} (the export's date) is empty")
        try:
            parsed = self.parse(value, spec.format or self.mapping.date_formats)
        except RowProblem as exc:
            raise RowProblem(f"column {spec.column}: {exc}") from None
        return parsed.date() if isinstance(parsed, datetime) else parsed

    def field(self, row: ExportRow, name: str, spec: FieldSpec) -> Any:
        if spec.value is not None:
            return spec.value
        column = spec.column or ""
        raw = _cell(row, column)
        if raw is None:
            if spec.optional:
                return None
            raise RowProblem(f"column {column} ({name}) is empty")
        table = self.mapping.codes[spec.codes] if isinstance(spec.codes, str) else spec.codes
        if name == "participants":
            parts = [p.strip() for p in _cell_text(raw).split(";") if p.strip()]
            if table is not None:
                parts = [p for p in (self.code(table, spec, column, name, p, skip=False) for p in parts) if p]
            return parts
        if table is not None:
            return self.code(table, spec, column, name, _cell_text(raw), skip=True)
        if spec.format:
            try:
                parsed = self.parse(raw, spec.format)
            except RowProblem as exc:
                raise RowProblem(f"column {column} ({name}): {exc}") from None
            return f"{parsed.year:04d}-{parsed.month:02d}" if name == "month" else _iso(parsed)
        if name == "month" and isinstance(raw, datetime | date):
            return f"{raw.year:04d}-{raw.month:02d}"
        if name in NUMBER_FIELDS:
            if not isinstance(raw, str):
                return raw  # a typed cell: validation checks it
            try:
                # text in the Danish/German form or the machine form (core/numbers.py)
                return parse_float(raw, FILE_NUMBER_LOCALE)
            except NumberError as exc:
                raise RowProblem(f"column {column} ({name}): {exc}") from None
        if name in TEXT_FIELDS or name in ("reason", "role", "level", "kind", "outcome"):
            return _cell_text(raw)
        return raw

    def code(self, table: dict[str, str | None], spec: FieldSpec, column: str, name: str,
             value: str, *, skip: bool) -> str | None:
        folded = self._folded.get(id(table))
        if folded is None:
            folded = self._folded[id(table)] = {k.strip().casefold(): v for k, v in table.items()}
        key = value.casefold()
        if key not in folded:
            list_name = spec.codes if isinstance(spec.codes, str) else f"of {name}"
            raise RowProblem(f"column {column} ({name}) holds a code not in the code list {list_name}")
        target = folded[key]
        if target is None and skip:
            raise _Skip
        return target

    def refusal(self, row: ExportRow, case_id: str | None, event_type: str | None, reason: str) -> Refusal:
        cells: dict[str, Any] = {}
        for column, value in row.cells.items():
            if not column:
                continue
            if column in self.citizen_columns:
                if value not in (None, ""):
                    cells["citizen_pseudonym"] = self.store.pseudonymise(_cell_text(value))
                continue
            cells[column] = _cell_text(value) if value is not None else None
        kept = {"case_id": case_id, "type": event_type, "source": self.source,
                "mapping": self.mapping.name, "row": cells}
        return Refusal(0, reason, self.store.scrub(kept), row.line)


def _holds(condition: Condition, value: Any) -> bool:
    if value is None:
        return False
    text = _cell_text(value).casefold()
    if condition.in_ is not None and text not in {v.strip().casefold() for v in condition.in_}:
        return False
    return not (condition.not_in is not None and text in {v.strip().casefold() for v in condition.not_in})


def _read_time(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite keeps UTC text
        value = datetime.fromisoformat(value)
    return as_utc(value)  # type: ignore[return-value]


def _event_id(case_id: str, key: str) -> str:
    readable = f"{case_id}:{key}"
    if len(readable) <= MAX_EVENT_ID:
        return readable
    return "map:" + hashlib.sha256(readable.encode()).hexdigest()


# -- what the log already says -------------------------------------------------------------------


@dataclass(slots=True)
class CaseState:
    facts: set[str] = field(default_factory=set)
    # state key → [(instant, order, kind, value)] sorted; kind: "set" or "unset"
    history: dict[str, list[tuple[datetime, int, str, Any]]] = field(default_factory=dict)

    def add(self, key: str, instant: datetime, order: int, kind: str, value: Any) -> Callable[[], None]:
        entries = self.history.setdefault(key, [])
        entry = (instant, order, kind, value)
        bisect.insort(entries, entry, key=lambda e: (e[0], e[1]))
        return lambda: entries.remove(entry)

    def value_as_of(self, key: str, instant: datetime) -> Any:
        value = None
        for at, _, kind, item in self.history.get(key, ()):
            if at > instant:
                break
            if kind == "set":
                value = item
            elif value == item:  # worker_unassigned of the one who holds it
                value = None
        return value


class LogState:
    """The facts and statuses the log holds for the cases of an export, kept current as the
    import adds its own."""

    def __init__(self, store: EventStore):
        self.store = store
        self.cases: dict[str, CaseState] = {}
        self._order = 0

    def load(self, case_ids: Sequence[str]) -> None:
        """Reads the state events of these cases in one pass over the log."""
        wanted = [c for c in dict.fromkeys(case_ids) if c not in self.cases]
        for case_id in wanted:
            self.cases[case_id] = CaseState()
        if not wanted:
            return
        rows = self.store.log.state_events(wanted, STATE_TYPES)
        for seq, case_id, event_type, occurred, payload in sorted(rows, key=lambda r: r[0]):
            self.record(case_id, event_type, _read_time(occurred), orjson.loads(payload), seq)

    def record(self, case_id: str, event_type: str, instant: datetime, payload: dict[str, Any],
               order: int | None = None) -> Callable[[], None]:
        """Adds an event to the state; returns what takes it out again."""
        if order is None:
            self._order += 1
            order = 2**62 + self._order  # arrives after everything stored
        state = self.cases.setdefault(case_id, CaseState())
        undo: list[Callable[[], None]] = []
        if event_type in ONCE_TYPES:
            if event_type == "follow_up_held":
                fact = f"follow_up_held@{instant.isoformat()}"
            else:
                fact = ":".join([event_type, *(str(payload.get(k)) for k in ONCE_TYPES[event_type])])
            if fact not in state.facts:
                state.facts.add(fact)
                undo.append(lambda: state.facts.discard(fact))
        if event_type == "case_opened" and payload.get("team_id"):
            undo.append(state.add("case_transferred", instant, order, "set", payload["team_id"]))
        elif event_type == "worker_unassigned":
            undo.append(state.add(f"worker_assigned:{payload.get('role')}", instant, order, "unset",
                                  payload.get("worker_id")))
        elif event_type in STATUS_TYPES:
            keys, value_field = STATUS_TYPES[event_type]
            key = ":".join([event_type, *(str(payload.get(k)) for k in keys)])
            undo.append(state.add(key, instant, order, "set", payload.get(value_field)))
        return lambda: [step() for step in undo]  # type: ignore[func-returns-value]

    def known(self, candidate: Candidate) -> bool:
        event = candidate.event
        state = self.cases.get(event["case_id"]) or CaseState()
        event_type = event["type"]
        if event_type in ONCE_TYPES:
            if event_type == "follow_up_held":
                return f"follow_up_held@{candidate.instant.isoformat()}" in state.facts
            return candidate.state_key in state.facts
        current = state.value_as_of(candidate.state_key, candidate.instant)
        if event_type == "hours_reported" and current is not None and candidate.value is not None:
            try:
                return float(current) == float(candidate.value)
            except (TypeError, ValueError):
                return False
        return current == candidate.value


# -- the import ----------------------------------------------------------------------------------


def export_date_from_file(mapping: Mapping, path: Path, filename: str, zone: ZoneInfo) -> date | None:
    """The export's date from the file's name or modification time, if the mapping says so."""
    spec = mapping.export_date
    if spec is None:
        return None
    if spec.filename:
        match = re.search(spec.filename, filename)
        if match is None:
            raise UnreadableFile(f"the file name does not match export_date.filename of the mapping {mapping.name}")
        try:
            parsed = parse_date(match.group(1), spec.format or [*mapping.date_formats, "%Y%m%d"])
        except RowProblem as exc:
            raise UnreadableFile(f"the date in the file name: {exc}") from None
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
            raise UnreadableFile("a mapping reads CSV or XLSX exports, not NDJSON")
        if export_date is None:
            export_date = export_date_from_file(mapping, Path(path), filename, store.zone)
        if mapping.needs_export_date() and export_date is None and not (
            mapping.export_date and mapping.export_date.column
        ):
            raise UnreadableFile(
                "the export's date is unknown: give it (--export-date on the command line), or "
                "set export_date in the mapping"
            )
        mapper = Mapper(store, mapping, source=source or mapping.source or mapping.name, export_date=export_date)
        state = LogState(store)
        # A first pass reads only the case ids, so that the log is read once for the whole export.
        state.load([
            _cell_text(case) for row in read_export(Path(path), mapping, filename, store.archive_limits)
            if (case := _cell(row, mapping.case_id)) is not None
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
