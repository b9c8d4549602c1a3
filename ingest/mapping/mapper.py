"""Rows of an export to events: each rule of the mapping makes at most one event of a row, and
only when the log does not already say so."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import orjson

from core.contract import ONCE_TYPES, STATE_TYPES, STATUS_TYPES
from core.database import as_utc
from core.errors import Invalid
from core.messages import N_
from core.numbers import NumberError, parse_float
from ingest.imports import FILE_NUMBER_LOCALE, NUMBER_FIELDS, TEXT_FIELDS
from ingest.mapping.readers import ExportRow
from ingest.mapping.schema import Condition, FieldSpec, Mapping, Rule, code_text
from ingest.store import EventStore, Refusal
from ingest.timeparse import local_to_utc

MAX_EVENT_ID = 128


# -- rows to events ----------------------------------------------------------------------------


class RowProblem(Invalid):
    pass


class _Skip(Exception):
    """The rule does not apply to this row (its condition is false, or a code maps to null)."""


def cell(row: ExportRow, column: str) -> Any:
    value = row.cells.get(column)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def cell_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return code_text(value)
    return str(value)


def parse_date(value: Any, formats: Sequence[str]) -> date | datetime:
    """A cell as a date (or a naive local date-time when the format holds a time)."""
    if isinstance(value, datetime):
        return value.date() if value.time() == time() else value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    text = cell_text(value)
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
        raise RowProblem(f"not a date in the format {' or '.join(formats)}", key=N_("error_row_date"),
                         formats=" | ".join(formats)) from None


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
        case_id = cell(row, self.mapping.case_id)
        if case_id is None:
            return [self.refusal(row, None, None, f"column {self.mapping.case_id} (the case id) is empty")]
        case_id = cell_text(case_id)
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
        if rule.when is not None and not _holds(rule.when, cell(row, rule.when.column)):
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
        event["event_id"] = _event_id(case_id, f"{state_key}:{code_text(value)}:{_iso(when)}")
        return Candidate(row.line, event, state_key, value, instant)

    def event_date(self, row: ExportRow, rule: Rule) -> date | datetime:
        if rule.date.export:
            return self.export_date_of(row)
        column = rule.date.column or ""
        value = cell(row, column)
        if value is None:
            raise RowProblem(f"column {column} (the date) is empty", key=N_("error_row_date_empty"), column=column)
        try:
            return self.parse(value, rule.date.format or self.mapping.date_formats)
        except RowProblem as exc:
            raise RowProblem(f"column {column}: {exc}", key=N_("error_row_column"), column=column, problem=exc) from None

    def export_date_of(self, row: ExportRow) -> date:
        if self.export_date is not None:
            return self.export_date
        spec = self.mapping.export_date
        assert spec is not None and spec.column  # import_mapped checked this
        value = cell(row, spec.column)
        if value is None:
            raise RowProblem(f"column {spec.column} (the export's date) is empty", key=N_("error_row_export_date_empty"),
                             column=spec.column)
        try:
            parsed = self.parse(value, spec.format or self.mapping.date_formats)
        except RowProblem as exc:
            raise RowProblem(f"column {spec.column}: {exc}", key=N_("error_row_column"), column=spec.column,
                             problem=exc) from None
        return parsed.date() if isinstance(parsed, datetime) else parsed

    def field(self, row: ExportRow, name: str, spec: FieldSpec) -> Any:
        if spec.value is not None:
            return spec.value
        column = spec.column or ""
        raw = cell(row, column)
        if raw is None:
            if spec.optional:
                return None
            raise RowProblem(f"column {column} ({name}) is empty", key=N_("error_row_field_empty"), column=column,
                             field=name)
        table = self.mapping.codes[spec.codes] if isinstance(spec.codes, str) else spec.codes
        if name == "participants":
            parts = [p.strip() for p in cell_text(raw).split(";") if p.strip()]
            if table is not None:
                parts = [p for p in (self.code(table, spec, column, name, p, skip=False) for p in parts) if p]
            return parts
        if table is not None:
            return self.code(table, spec, column, name, cell_text(raw), skip=True)
        if spec.format:
            try:
                parsed = self.parse(raw, spec.format)
            except RowProblem as exc:
                raise RowProblem(f"column {column} ({name}): {exc}", key=N_("error_row_field"), column=column, field=name,
                                 problem=exc) from None
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
                raise RowProblem(f"column {column} ({name}): {exc}", key=N_("error_row_field"), column=column, field=name,
                                 problem=exc) from None
        if name in TEXT_FIELDS or name in ("reason", "role", "level", "kind", "outcome"):
            return cell_text(raw)
        return raw

    def code(self, table: dict[str, str | None], spec: FieldSpec, column: str, name: str,
             value: str, *, skip: bool) -> str | None:
        folded = self._folded.get(id(table))
        if folded is None:
            folded = self._folded[id(table)] = {k.strip().casefold(): v for k, v in table.items()}
        key = value.casefold()
        if key not in folded:
            list_name = spec.codes if isinstance(spec.codes, str) else f"of {name}"
            raise RowProblem(f"column {column} ({name}) holds a code not in the code list {list_name}",
                             key=N_("error_row_code"), column=column, field=name, codes=list_name)
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
                    cells["citizen_pseudonym"] = self.store.pseudonymise(cell_text(value))
                continue
            cells[column] = cell_text(value) if value is not None else None
        kept = {"case_id": case_id, "type": event_type, "source": self.source,
                "mapping": self.mapping.name, "row": cells}
        return Refusal(0, reason, self.store.scrub(kept), row.line)


def _holds(condition: Condition, value: Any) -> bool:
    if value is None:
        return False
    text = cell_text(value).casefold()
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


