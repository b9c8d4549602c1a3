"""The team's caseload as an XLSX sheet, in the shape teams keep today (one row per case), and
back: the differences between an edited sheet and the board become case events, shown before
services/recording.py records them (source "dashboard").
No citizen identifier is ever in the sheet: the case id and the short pseudonym only."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, request
from openpyxl import Workbook

from core.access import Action
from core.contract import READINESS_LEVELS
from core.messages import LANGUAGES
from core.numbers import DEFAULT_LOCALE, parse_float
from core.outputs import append_row
from dashboard.context import DashboardContext
from dashboard.i18n import readiness_label, t
from dashboard.scope import audit_open, current_user, permit, scope_team
from ingest.limits import ARCHIVE_LIMITS, ArchiveLimits, ArchiveRefused, open_workbook, sheet_rows
from metrics.calendar import add_months, month_of, to_us
from services.actor import Actor
from services.recording import SOURCE

SHEET_PATH = "/caseload.xlsx"
SHEET_NAME = "Sager"
MAX_BYTES = 2_000_000
MAX_ROWS = 20_000
CELL_CHARS = 200  # the longest cell read back (an employer's name); a longer one refuses the sheet
YES = {"ja", "yes", "y", "x", "1", "true", "✓"}
NO = {"nej", "no", "nein", "n", "0", "false", "", "-", "–"}
# the columns, by key; their headings are the user's language (any of the three is read back)
COLUMNS = ("case_id", "citizen", "worker", "cv", "readiness", "placement")


@dataclass
class SheetCase:
    case_id: str
    citizen: str | None
    worker: str | None  # the caseworker holding the case
    cv: bool
    readiness: str
    placement: str | None  # the employer of the current placement
    placement_id: str | None
    hours: dict[str, float | None]  # month → ordinary hours


@dataclass
class Change:
    row: int
    case_id: str
    what: str  # event type
    value: str  # as shown in the preview
    event: dict[str, Any] | None  # None: a problem, nothing recorded
    problem: str | None = None
    before: str = ""  # what the board holds now


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the whole sheet cannot be read

    @property
    def events(self) -> list[dict[str, Any]]:
        return [c.event for c in self.changes if c.event is not None]

    def digest(self) -> str:
        import orjson

        return hashlib.sha256(orjson.dumps(self.events, option=orjson.OPT_SORT_KEYS)).hexdigest()


def sheet_months(context: DashboardContext) -> list[str]:
    current = month_of(context.metrics.clock(), context.zone)
    return [add_months(current, -1), current]


def team_cases(context: DashboardContext, team_id: str) -> list[SheetCase]:
    """The team's active cases now, with what the sheet shows of each."""
    now = context.metrics.clock()
    months = sheet_months(context)
    model = context.metrics.model
    t_now = to_us(now) + 1
    with model.reading():
        histories = [model.cases[c] for c in sorted(model.team_cases.get(team_id, ())) if c in model.cases]
        out = []
        for history in histories:
            if not history.active(t_now):
                continue
            state = history.state(t_now)
            if state.team != team_id:
                continue
            placement = state.placement
            out.append(SheetCase(
                case_id=history.case_id, citizen=(history.citizen or "")[:8] or None,
                worker=state.holders.get("caseworker"), cv=state.has_cv, readiness=state.readiness,
                placement=(placement.employer or placement.placement_id) if placement else None,
                placement_id=placement.placement_id if placement else None,
                hours={m: history.hours_for(m) for m in months},
            ))
    return out


def _headings(lang: str, months: list[str]) -> list[str]:
    return [t(f"xlsx_{c}", lang) for c in COLUMNS] + [f"{t('xlsx_hours', lang)} {m}" for m in months]


def _text(value: Any) -> str:
    # stored as text by append_row: a spreadsheet never runs it (employer names come from sources)
    return "" if value is None else str(value)


def write_sheet(context: DashboardContext, team_id: str, lang: str) -> bytes:
    months = sheet_months(context)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    append_row(sheet, _headings(lang, months))
    for case in team_cases(context, team_id):
        append_row(sheet, [
            _text(case.case_id), _text(case.citizen), _text(case.worker),
            t("yes", lang) if case.cv else t("no", lang), readiness_label(case.readiness, lang),
            _text(case.placement), *[case.hours[m] for m in months],
        ])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (16, 12, 14, 8, 14, 28, 14, 14), strict=False):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _plain(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return text[1:] if text.startswith("'") else text


def _readiness_codes() -> dict[str, str]:
    codes = {}
    for level in (*READINESS_LEVELS, "unknown"):
        codes[level] = level
        for lang in LANGUAGES:
            codes[readiness_label(level, lang).lower()] = level
    return codes


def _column_of(heading: Any) -> str | None:
    text = _plain(heading).lower()
    for key in COLUMNS:
        if any(text == t(f"xlsx_{key}", lang).lower() for lang in LANGUAGES):
            return key
    for lang in LANGUAGES:
        prefix = t("xlsx_hours", lang).lower() + " "
        if text.startswith(prefix):
            return "hours:" + text.removeprefix(prefix).strip()
    return None


def read_sheet(content: bytes, limits: ArchiveLimits = ARCHIVE_LIMITS) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """(row number, values by column key) of every row, or the problems (i18n keys)."""
    if len(content) > MAX_BYTES:
        return [], ["sheet_too_big"]
    try:
        # the archive's sizes are checked before openpyxl unpacks anything (ingest/limits.py)
        book = open_workbook(content, limits)
    except ArchiveRefused as exc:
        return [], ["sheet_too_big" if "at most" in str(exc) else "sheet_not_xlsx"]
    try:
        rows = sheet_rows(book.worksheets[0], limits)
        header = next(rows, None)
        if header is None:
            return [], ["sheet_no_header"]
        keys = [_column_of(h) for h in header]
        if "case_id" not in keys:
            return [], ["sheet_no_header"]
        out = []
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS:
                return [], ["sheet_too_big"]
            values = {k: _plain(v) for k, v in zip(keys, row, strict=False) if k}
            if any(len(v) > CELL_CHARS for v in values.values()):
                return [], ["sheet_cell_too_long"]
            if any(values.values()):
                out.append((number, values))
    except ArchiveRefused:
        return [], ["sheet_too_big"]
    except Exception:  # openpyxl raises many kinds for a sheet it cannot parse
        return [], ["sheet_not_xlsx"]
    finally:
        book.close()
    return out, []


def _hours(text: str, lang: str) -> float | None:
    """Hours in a cell: a number cell, or text as the person types it in their language
    (core/numbers.py); ValueError if it is not a number."""
    return parse_float(text, lang)


def diff_sheet(context: DashboardContext, actor: Actor, team_id: str, content: bytes,
               lang: str = DEFAULT_LOCALE) -> Diff:
    """What recording the edited sheet would send: one event per changed cell."""
    rows, problems = read_sheet(content, context.store.archive_limits if context.store else ARCHIVE_LIMITS)
    if problems:
        return Diff(problems=problems)
    known = {c.case_id: c for c in team_cases(context, team_id)}
    workers = set(context.directory.workers_of(team_id))
    months = sheet_months(context)
    codes = _readiness_codes()
    today = context.metrics.clock().astimezone(context.zone).date().isoformat()
    upload = hashlib.sha256(content).hexdigest()[:16]
    diff = Diff()

    def event(case_id: str, what: str, n: int, **fields) -> dict[str, Any]:
        key = hashlib.sha256(f"{upload}\x1f{case_id}\x1f{what}\x1f{n}".encode()).hexdigest()[:24]
        return {"event_id": f"sheet-{key}", "source": SOURCE, "type": what, "case_id": case_id,
                "occurred_at": today, "recorded_by": actor.name, "via": "sheet", **fields}

    def problem(row: int, case_id: str, what: str, value: str, key: str) -> None:
        diff.changes.append(Change(row, case_id, what, value, None, key))

    for number, values in rows:
        case_id = values.get("case_id", "")
        case = known.get(case_id)
        if case is None:
            problem(number, case_id, "", "", "sheet_unknown_case")
            continue
        worker = values.get("worker")
        if worker is not None and worker != (case.worker or ""):
            if worker in workers:
                diff.changes.append(Change(number, case_id, "worker_assigned", worker, event(
                    case_id, "worker_assigned", 0, worker_id=worker, role="caseworker"), before=case.worker or ""))
            else:
                problem(number, case_id, "worker_assigned", worker, "invalid_worker")
        cv = values.get("cv")
        if cv is not None:
            wants = True if cv.lower() in YES else False if cv.lower() in NO else None
            if wants is None:
                problem(number, case_id, "cv_completed", cv, "sheet_bad_yes_no")
            elif wants and not case.cv:
                diff.changes.append(Change(number, case_id, "cv_completed", cv, event(case_id, "cv_completed", 0)))
            elif not wants and case.cv:
                problem(number, case_id, "cv_completed", cv, "sheet_cv_cannot_be_removed")
        readiness = values.get("readiness")
        if readiness:
            level = codes.get(readiness.lower())
            if level is None or (level == "unknown" and case.readiness != "unknown"):
                problem(number, case_id, "readiness_assessed", readiness, "invalid_level")
            elif level != case.readiness:
                diff.changes.append(Change(number, case_id, "readiness_assessed", readiness, event(
                    case_id, "readiness_assessed", 0, level=level), before=case.readiness))
        placement = values.get("placement")
        if placement is not None and placement != (case.placement or ""):
            if case.placement_id:
                diff.changes.append(Change(number, case_id, "placement_ended", "", event(
                    case_id, "placement_ended", 0, placement_id=case.placement_id), before=case.placement or ""))
            if placement:
                new_id = "P-" + hashlib.sha256(f"{upload}\x1f{case_id}".encode()).hexdigest()[:10].upper()
                diff.changes.append(Change(number, case_id, "placement_started", placement, event(
                    case_id, "placement_started", 0, placement_id=new_id, employer=placement, kind="internship")))
        for key, text in values.items():
            if not key.startswith("hours:"):
                continue
            month = key.removeprefix("hours:")
            if month not in months:
                continue  # a month the sheet was not made with: read-only
            try:
                hours = _hours(text, lang)
            except ValueError:
                problem(number, case_id, "hours_reported", text, "invalid_hours")
                continue
            if hours is None or hours == case.hours.get(month):
                continue
            if not 0 <= hours <= 744:
                problem(number, case_id, "hours_reported", text, "invalid_hours")
                continue
            old = case.hours.get(month)
            diff.changes.append(Change(number, case_id, "hours_reported", f"{month}: {text}", event(
                case_id, "hours_reported", months.index(month), month=month, hours=hours),
                before="" if old is None else f"{month}: {old:g}"))
    return diff


def install(server: Flask, context: DashboardContext) -> None:
    @server.get(SHEET_PATH)
    def download_caseload_sheet():
        user = current_user()
        permit(user, Action.caseload_sheet)
        team_id = scope_team(user, context.metrics.organisation(), request.args.get("team"))
        audit_open(context, user, "export_caseload_sheet", team_id=team_id, always=True)
        stamp = datetime.now(context.zone).strftime("%Y-%m-%d")
        return Response(
            write_sheet(context, team_id, g.lang),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="overblik-{team_id}-{stamp}.xlsx"'},
        )
