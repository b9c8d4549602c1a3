"""The mapping file: its model, and reading and checking the YAML with the line of each problem."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.contract import ONCE_TYPES, STATUS_TYPES
from core.errors import Invalid
from core.messages import N_
from ingest import events as event_models

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


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# one date format, or a list of them tried in order
DateFormats = Annotated[list[str], BeforeValidator(_one_or_many)]


# -- the mapping file ----------------------------------------------------------------------------


class MappingError(Invalid):
    """A mapping file that cannot be used; each problem names its line and key."""

    def __init__(self, where: str, problems: Sequence[str], key: str = N_("error_mapping_file")):
        self.where = where
        self.problems = list(problems)
        # the problems stay the parser's and the checks' English: they name YAML lines and keys
        super().__init__(f"{where}: " + "; ".join(self.problems), key=key, where=where,
                         problems="; ".join(self.problems))


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
    format: DateFormats | None = None

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
            return [code_text(v) if not isinstance(v, str) else v for v in value]
        return value


class FieldSpec(_Strict):
    """One event field: from a column (optionally through a code list) or a constant."""

    column: str | None = None
    value: str | float | list[str] | None = None
    codes: str | dict[str, str | None] | None = None
    format: DateFormats | None = None
    optional: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

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
    format: DateFormats | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if value == "export":
            return {"export": True}
        return {"column": value} if isinstance(value, str) else value

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
    date_formats: DateFormats = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS))
    codes: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    events: list[Rule] = Field(min_length=1)

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


def code_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _code_table(value: dict[Any, Any]) -> dict[Any, Any]:
    # YAML reads `1: ready` and `Ja: ...` as an int and a string alike; codes are text.
    return {code_text(k): (code_text(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)
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
