"""The team's caseload as an XLSX sheet that remembers what it was made from, and back: only the
cells the user changed since the download become case events, shown before
services/recording.py records them (source "dashboard"); a row changed on the board meanwhile is
a conflict the user resolves, never overwritten.
No citizen identifier is ever in the sheet: the case id and the short pseudonym only."""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from flask import Flask, Response, g, request
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from core.access import Action
from core.contract import PLACEMENT_KINDS, READINESS_LEVELS
from core.messages import LANGUAGES
from core.numbers import DEFAULT_LOCALE, parse_float
from core.outputs import append_row
from core.settings import Settings
from dashboard.auth import session_secret
from dashboard.context import DashboardContext
from dashboard.i18n import readiness_label, t
from dashboard.scope import audit_open, current_user, permit, scope_team
from ingest.limits import ARCHIVE_LIMITS, ArchiveLimits, ArchiveRefused, open_workbook, sheet_rows
from metrics.calendar import add_months, month_of, to_us
from services.actor import Actor
from services.recording import SOURCE

SHEET_PATH = "/caseload.xlsx"
SHEET_NAME = "Sager"
LISTS_SHEET = "lists"  # hidden: the dropdowns' labels
VERSION_SHEET = "version"  # very hidden, signed: every row's values as downloaded
FORMAT = "overblik-caseload-2"
MAX_BYTES = 2_000_000
MAX_ROWS = 20_000
CELL_CHARS = 200  # the longest cell read back (an employer's name); a longer one refuses the sheet
VERSION_CHARS = 4000  # a version row's values, as JSON
YES = {"ja", "yes", "y", "x", "1", "true", "✓"}
NO = {"nej", "no", "nein", "n", "0", "false", "", "-", "–"}
# the columns, by key; their headings are the user's language (any of the three is read back)
COLUMNS = ("case_id", "citizen", "worker", "cv", "readiness", "placement", "placement_kind")
DEFAULT_KIND = "internship"  # a placement typed into the sheet without a kind


@dataclass
class SheetCase:
    case_id: str
    citizen: str | None
    worker: str | None  # the caseworker holding the case
    cv: bool
    readiness: str
    placement: str | None  # the employer of the current placement
    placement_id: str | None
    placement_kind: str | None
    hours: dict[str, float | None]  # month → ordinary hours

    def values(self, months: list[str]) -> dict[str, Any]:
        """What the sheet shows of the case, as codes: the row's version."""
        return {"worker": self.worker, "cv": self.cv, "readiness": self.readiness, "placement": self.placement,
                "placement_kind": self.placement_kind if self.placement else None,
                **{f"hours:{m}": self.hours.get(m) for m in months}}


@dataclass
class Change:
    row: int
    case_id: str
    what: str  # event type
    value: str  # the sheet's value, as shown in the preview
    event: dict[str, Any] | None  # None: a problem, nothing recorded
    problem: str | None = None
    before: str = ""  # what the board holds now
    downloaded: str = ""  # what the sheet held when it was downloaded
    conflict: bool = False  # the case changed on the board since the download: recorded only if chosen


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the whole sheet cannot be read

    @property
    def events(self) -> list[dict[str, Any]]:
        """What confirming records without a choice: the user's changes on rows not changed since."""
        return [c.event for c in self.changes if c.event is not None and not c.conflict]

    @property
    def conflicts(self) -> list[str]:
        """The cases whose rows conflict, in the sheet's order."""
        return list(dict.fromkeys(c.case_id for c in self.changes if c.conflict and c.event is not None))

    def chosen(self, cases: list[str] | None) -> list[dict[str, Any]]:
        """The conflicting rows' events for the cases the user chose to record from the sheet."""
        wanted = set(cases or ())
        return [c.event for c in self.changes if c.conflict and c.event is not None and c.case_id in wanted]

    def digest(self) -> str:
        every = [[c.conflict, c.event] for c in self.changes if c.event is not None]
        return hashlib.sha256(orjson.dumps(every, option=orjson.OPT_SORT_KEYS)).hexdigest()


def sheet_months(context: DashboardContext) -> list[str]:
    current = month_of(context.metrics.clock(), context.zone)
    return [add_months(current, -1), current]


def team_cases(context: DashboardContext, team_id: str, months: list[str] | None = None) -> list[SheetCase]:
    """The team's active cases now, with what the sheet shows of each."""
    now = context.metrics.clock()
    months = months or sheet_months(context)
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
                placement_kind=(placement.kind or DEFAULT_KIND) if placement else None,
                hours={m: history.hours_for(m) for m in months},
            ))
    return out


# -- the version: what each row held when downloaded, signed with the server's key -----------------

def sheet_key(settings: Settings) -> bytes:
    """The key the sheet's versions are signed with, derived from the session secret."""
    return hmac.new(session_secret(settings), b"caseload-sheet", hashlib.sha256).digest()


def _sign(key: bytes, *parts: Any) -> str:
    return hmac.new(key, orjson.dumps([FORMAT, *parts], option=orjson.OPT_SORT_KEYS), hashlib.sha256).hexdigest()


def version_rows(key: bytes, team_id: str, months: list[str], cases: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The version sheet: a signed heading (team, months), then per case its values as downloaded,
    each signed over the team, the months, the case id and the values."""
    rows = [[FORMAT, team_id, orjson.dumps(months).decode(), _sign(key, team_id, months)]]
    for case_id, values in cases.items():
        rows.append([case_id, orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode(),
                     _sign(key, team_id, months, case_id, values)])
    return rows


# -- labels: written in the user's language, read back in any of the three -------------------------

def _worker_labels(context: DashboardContext, workers: list[str]) -> dict[str, str]:
    """Worker id → the label the sheet shows: the name, with the id where two share a name."""
    names = {w: context.directory.worker_name(w) for w in workers}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {w: name if counts[name] == 1 else f"{name} ({w})" for w, name in names.items()}


def _kind_label(kind: str | None, lang: str) -> str:
    return t(f"placement_kind_{kind}", lang) if kind else ""


def _codes(labels) -> dict[str, str]:
    """Label (any language, any case) or code → code."""
    out = {}
    for code in labels[0]:
        out[code.lower()] = code
        for lang in LANGUAGES:
            out[labels[1](code, lang).strip().lower()] = code
    return out


def _readiness_codes() -> dict[str, str]:
    return _codes(((*READINESS_LEVELS, "unknown"), readiness_label))


def _kind_codes() -> dict[str, str]:
    return _codes((PLACEMENT_KINDS, _kind_label))


def _yes_no() -> tuple[set[str], set[str]]:
    return (YES | {t("yes", lang).lower() for lang in LANGUAGES}), (NO | {t("no", lang).lower() for lang in LANGUAGES})


# -- writing ----------------------------------------------------------------------------------------

def _headings(lang: str, months: list[str]) -> list[str]:
    return [t(f"xlsx_{c}", lang) for c in COLUMNS] + [f"{t('xlsx_hours', lang)} {m}" for m in months]


def _text(value: Any) -> str:
    # stored as text by append_row: a spreadsheet never runs it (employer names come from sources)
    return "" if value is None else str(value)


def _dropdown(sheet, column: str, rows: int, source: str, lang: str) -> None:
    check = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                           errorTitle=t("sheet_pick_title", lang), error=t("sheet_pick_from_list", lang))
    sheet.add_data_validation(check)
    check.add(f"{column}2:{column}{max(rows, 2)}")


def write_sheet(context: DashboardContext, team_id: str, lang: str) -> bytes:
    months = sheet_months(context)
    cases = team_cases(context, team_id, months)
    members = context.directory.workers_of(team_id)
    labels = _worker_labels(context, list(dict.fromkeys([*members, *(c.worker for c in cases if c.worker)])))
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    append_row(sheet, _headings(lang, months))
    written = {}
    for case in cases:
        coded = written[case.case_id] = (labels.get(case.worker or "", _text(case.worker)),
                                         t("yes", lang) if case.cv else t("no", lang),
                                         readiness_label(case.readiness, lang), _kind_label(case.placement_kind, lang))
        append_row(sheet, [_text(case.case_id), _text(case.citizen), *coded[:3], _text(case.placement), coded[3],
                           *[case.hours[m] for m in months]])
    sheet.freeze_panes = "B2"
    for letter, width in zip("ABCDEFGHI", (16, 12, 22, 8, 14, 28, 18, 14, 14), strict=False):
        sheet.column_dimensions[letter].width = width

    # the dropdowns' labels, one list per column, in a hidden sheet the validations point into
    lists = book.create_sheet(LISTS_SHEET)
    choices = [
        [t("yes", lang), t("no", lang)],
        [readiness_label(level, lang) for level in READINESS_LEVELS],
        [_kind_label(k, lang) for k in PLACEMENT_KINDS],
        [labels[w] for w in members],
    ]
    for i in range(max(len(c) for c in choices)):
        append_row(lists, [c[i] if i < len(c) else None for c in choices])
    lists.sheet_state = "hidden"
    last = len(cases) + 1
    for column, list_column, options in (("D", "A", choices[0]), ("E", "B", choices[1]), ("G", "C", choices[2]),
                                         ("C", "D", choices[3])):
        if options:
            _dropdown(sheet, column, last, f"{LISTS_SHEET}!${list_column}$1:${list_column}${len(options)}", lang)
    hours = DataValidation(type="decimal", operator="between", formula1="0", formula2="744", allow_blank=True,
                           showErrorMessage=True, errorTitle=t("sheet_pick_title", lang), error=t("invalid_hours", lang))
    sheet.add_data_validation(hours)
    hours.add(f"H2:{chr(ord('H') + len(months) - 1)}{max(last, 2)}")

    version = book.create_sheet(VERSION_SHEET)
    # the coded cells' text as written, too: a cell left as it was reads as unchanged even when a
    # worker is renamed or a label reworded before the upload
    for row in version_rows(sheet_key(context.settings), team_id, months, {c.case_id: {
            **c.values(months), "shown": dict(zip(("worker", "cv", "readiness", "placement_kind"), written[c.case_id],
                                                  strict=True))} for c in cases}):
        append_row(version, row)
    version.sheet_state = "veryHidden"  # out of sight in Excel's "unhide" list too
    version.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- reading ----------------------------------------------------------------------------------------

@dataclass
class Upload:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, values by column)
    team_id: str = ""
    months: list[str] = field(default_factory=list)
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)  # case id → values as downloaded
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # case id → coded cells' text as downloaded
    problems: list[str] = field(default_factory=list)


def _plain(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return text[1:] if text.startswith("'") else text


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


def _read_versions(book, key: bytes, limits: ArchiveLimits, upload: Upload) -> None:
    """The signed version sheet into `upload`, or the refusal: none (an old or hand-made sheet),
    or one whose signatures do not hold (edited by hand)."""
    if VERSION_SHEET not in book.sheetnames:
        upload.problems.append("sheet_no_version")
        return
    rows = sheet_rows(book[VERSION_SHEET], limits)
    head = [_plain(v) for v in next(rows, ())]
    if len(head) < 4 or head[0] != FORMAT:
        upload.problems.append("sheet_no_version")
        return
    try:
        months = orjson.loads(head[2])
        if not (isinstance(months, list) and all(isinstance(m, str) for m in months)) \
                or not hmac.compare_digest(head[3], _sign(key, head[1], months)):
            raise ValueError
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS:
                upload.problems.append("sheet_too_big")
                return
            cells = [_plain(v) for v in row[:3]]
            if not any(cells):
                continue
            if len(cells) < 3 or len(cells[1]) > VERSION_CHARS:
                raise ValueError
            values = orjson.loads(cells[1])
            if not isinstance(values, dict) or not hmac.compare_digest(
                    cells[2], _sign(key, head[1], months, cells[0], values)):
                raise ValueError
            upload.labels[cells[0]] = values.pop("shown", None) or {}
            upload.versions[cells[0]] = values
    except (ValueError, orjson.JSONDecodeError):
        upload.versions.clear()
        upload.problems.append("sheet_tampered")
        return
    upload.team_id, upload.months = head[1], months


def read_sheet(content: bytes, key: bytes, limits: ArchiveLimits = ARCHIVE_LIMITS) -> Upload:
    """Every edited row with its values by column key, and the versions they were downloaded at;
    or the problems (i18n keys) that refuse the whole sheet."""
    if len(content) > MAX_BYTES:
        return Upload(problems=["sheet_too_big"])
    try:
        # the archive's sizes are checked before openpyxl unpacks anything (ingest/limits.py)
        book = open_workbook(content, limits)
    except ArchiveRefused as exc:
        return Upload(problems=["sheet_too_big" if "at most" in str(exc) else "sheet_not_xlsx"])
    upload = Upload()
    try:
        data = next((s for s in book.worksheets if s.title not in (LISTS_SHEET, VERSION_SHEET)), None)
        rows = sheet_rows(data, limits) if data is not None else iter(())
        header = next(rows, None)
        keys = [_column_of(h) for h in header or ()]
        if "case_id" not in keys:
            return Upload(problems=["sheet_no_header"])
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS:
                return Upload(problems=["sheet_too_big"])
            values = {k: _plain(v) for k, v in zip(keys, row, strict=False) if k}
            if any(len(v) > CELL_CHARS for v in values.values()):
                return Upload(problems=["sheet_cell_too_long"])
            if any(values.values()):
                upload.rows.append((number, values))
        _read_versions(book, key, limits, upload)
    except ArchiveRefused:
        return Upload(problems=["sheet_too_big"])
    except Exception:  # openpyxl raises many kinds for a sheet it cannot parse
        return Upload(problems=["sheet_not_xlsx"])
    finally:
        book.close()
    if upload.problems:
        return Upload(problems=upload.problems)
    return upload


def _hours(text: str, lang: str) -> float | None:
    """Hours in a cell: a number cell, or text as the person types it in their language
    (core/numbers.py); ValueError if it is not a number."""
    return parse_float(text, lang)


def _coded(text: str, codes: dict[str, str], column: str, problem: str) -> str:
    """The code a dropdown's label (in any of the three languages) or the code itself stands for."""
    code = codes.get(text.lower())
    if code is None:
        raise _Unreadable(column, problem)
    return code


class _Unreadable(ValueError):
    """A cell the user changed to something the column cannot hold: (column, i18n key)."""


def diff_sheet(context: DashboardContext, actor: Actor, team_id: str, content: bytes,
               lang: str = DEFAULT_LOCALE) -> Diff:
    """What recording the edited sheet would send: one event per cell the user changed since the
    download, a conflict where the board changed that case's row too, nothing for rows the user
    did not touch."""
    upload = read_sheet(content, sheet_key(context.settings),
                        context.store.archive_limits if context.store else ARCHIVE_LIMITS)
    if upload.problems:
        return Diff(problems=upload.problems)
    if upload.team_id != team_id:
        return Diff(problems=["sheet_other_team"])
    months = upload.months
    editable = set(sheet_months(context))
    now = {c.case_id: c for c in team_cases(context, team_id, months)}
    members = context.directory.workers_of(team_id)
    workers = _worker_labels(context, list(dict.fromkeys(
        [*members, *(v.get("worker") for v in upload.versions.values() if v.get("worker")),
         *(c.worker for c in now.values() if c.worker)])))
    worker_ids = {label.lower(): w for w, label in workers.items()} | {w.lower(): w for w in workers}
    readiness_codes, kind_codes = _readiness_codes(), _kind_codes()
    yes, no = _yes_no()
    today = context.metrics.clock().astimezone(context.zone).date().isoformat()
    digest = hashlib.sha256(content).hexdigest()[:16]
    diff = Diff()

    def event(case_id: str, what: str, n: int, **fields) -> dict[str, Any]:
        key = hashlib.sha256(f"{digest}\x1f{case_id}\x1f{what}\x1f{n}".encode()).hexdigest()[:24]
        return {"event_id": f"sheet-{key}", "source": SOURCE, "type": what, "case_id": case_id,
                "occurred_at": today, "recorded_by": actor.name, "via": "sheet", **fields}

    def shown(column: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if column == "worker":
            return workers.get(value, value)
        if column == "cv":
            return t("yes", lang) if value else t("no", lang)
        if column == "readiness":
            return readiness_label(value, lang)
        if column.startswith("hours:"):
            return f"{column.removeprefix('hours:')}: {value:g}"
        return str(value)

    def placement_shown(values: dict[str, Any]) -> str:
        if not values.get("placement"):
            return ""
        return f"{values['placement']} ({_kind_label(values.get('placement_kind') or DEFAULT_KIND, lang)})"

    def read(column: str, text: str, was: Any) -> Any:
        """The sheet's cell as a code; `was` where the cell says nothing new (a blank level or
        hours cell: nothing in the sheet removes those)."""
        if column == "worker":
            if not text:
                if was:
                    raise _Unreadable(column, "invalid_worker")  # a case always has its caseworker
                return None
            found = worker_ids.get(text.lower())
            if found is None or (found != was and found not in members):
                raise _Unreadable(column, "invalid_worker")
            return found
        if column == "cv":
            if text.lower() in yes:
                return True
            if text.lower() in no:
                return False
            raise _Unreadable(column, "sheet_bad_yes_no")
        if column == "readiness":
            return _coded(text, readiness_codes, column, "invalid_level") if text else was
        if column == "placement":
            return text or None
        if column == "placement_kind":
            return _coded(text, kind_codes, column, "invalid_kind") if text else None
        try:
            hours = _hours(text, lang)
        except ValueError:
            raise _Unreadable(column, "invalid_hours") from None
        if hours is None:
            return was
        if not 0 <= hours <= 744:
            raise _Unreadable(column, "invalid_hours")
        return hours

    seen: set[str] = set()
    for number, cells in upload.rows:
        case_id = cells.get("case_id", "")
        downloaded = upload.versions.get(case_id)
        if downloaded is None:
            diff.changes.append(Change(number, case_id, "", "", None, "sheet_unknown_case"))
            continue
        if case_id in seen:
            diff.changes.append(Change(number, case_id, "", "", None, "sheet_case_twice"))
            continue
        seen.add(case_id)
        # the cells the user changed against the version they downloaded
        shown_then = upload.labels.get(case_id, {})
        sheet: dict[str, Any] = {}
        problems: list[tuple[str, str, str]] = []
        for column, was in downloaded.items():
            if column not in cells:
                continue
            if cells[column] == shown_then.get(column):
                continue  # the cell as it was written
            try:
                value = read(column, cells[column], was)
            except _Unreadable as exc:
                problems.append((exc.args[0], cells[column], exc.args[1]))
                continue
            if column == "placement_kind":
                continue  # read with its placement below
            if value != was:
                sheet[column] = value
        kind_text = cells.get("placement_kind", "")
        kind = kind_codes.get(kind_text.lower()) if kind_text else None
        placement = sheet.get("placement", downloaded.get("placement"))
        if "placement" in sheet or (placement and kind and kind != downloaded.get("placement_kind")):
            sheet["placement"] = placement
            sheet["placement_kind"] = (kind or downloaded.get("placement_kind") or DEFAULT_KIND) if placement else None
        if not sheet and not problems:
            continue  # a row the user did not touch: whatever the board holds now stands
        for column, text, key in problems:
            what = {"worker": "worker_assigned", "cv": "cv_completed", "readiness": "readiness_assessed"}.get(
                column, "placement_started" if column.startswith("placement") else "hours_reported")
            diff.changes.append(Change(number, case_id, what, text, None, key))
        case = now.get(case_id)
        if case is None:
            diff.changes.append(Change(number, case_id, "", "", None, "sheet_unknown_case"))
            continue
        current = case.values(months)
        conflict = current != downloaded

        def change(what: str, column: str, value: str, made: dict[str, Any] | None, problem: str | None = None,
                   before: str | None = None, at_download: str | None = None, *, row: int = number,
                   case_id: str = case_id, current: dict[str, Any] = current, downloaded: dict[str, Any] = downloaded,
                   conflict: bool = conflict) -> None:
            diff.changes.append(Change(
                row, case_id, what, value, made, problem,
                before=shown(column, current.get(column)) if before is None else before,
                downloaded=shown(column, downloaded.get(column)) if at_download is None else at_download,
                conflict=conflict and made is not None))

        if conflict:  # what the board changed in the row meanwhile, beside what the sheet changed
            for column in (c for c in COLUMNS[2:] if current.get(c) != downloaded.get(c) and c not in sheet):
                if column == "placement_kind":
                    continue
                what = {"worker": "worker_assigned", "cv": "cv_completed", "readiness": "readiness_assessed",
                        "placement": "placement_started"}[column]
                diff.changes.append(Change(number, case_id, what, shown(column, downloaded.get(column)), None,
                                           before=shown(column, current.get(column)),
                                           downloaded=shown(column, downloaded.get(column)), conflict=True))
            for column in (c for c in current if c.startswith("hours:") and current[c] != downloaded.get(c)
                           and c not in sheet):
                diff.changes.append(Change(number, case_id, "hours_reported", shown(column, downloaded.get(column)),
                                           None, before=shown(column, current.get(column)),
                                           downloaded=shown(column, downloaded.get(column)), conflict=True))

        worker = sheet.get("worker")
        if "worker" in sheet and worker != current["worker"]:
            change("worker_assigned", "worker", workers.get(worker, worker),
                   event(case_id, "worker_assigned", 0, worker_id=worker, role="caseworker"))
        if "cv" in sheet and sheet["cv"] != current["cv"]:
            if sheet["cv"]:
                change("cv_completed", "cv", t("yes", lang), event(case_id, "cv_completed", 0))
            else:
                change("cv_completed", "cv", t("no", lang), None, "sheet_cv_cannot_be_removed")
        if "readiness" in sheet and sheet["readiness"] != current["readiness"]:
            level = sheet["readiness"]
            if level == "unknown":
                change("readiness_assessed", "readiness", readiness_label(level, lang), None, "invalid_level")
            else:
                change("readiness_assessed", "readiness", readiness_label(level, lang),
                       event(case_id, "readiness_assessed", 0, level=level))
        if "placement" in sheet and (sheet["placement"], sheet["placement_kind"]) != (
                current["placement"], current["placement_kind"]):
            now_shown, then_shown = placement_shown(current), placement_shown(downloaded)
            if case.placement_id:
                change("placement_ended", "placement", "", event(case_id, "placement_ended", 0,
                       placement_id=case.placement_id), before=now_shown, at_download=then_shown)
            if sheet["placement"]:
                new_id = "P-" + hashlib.sha256(f"{digest}\x1f{case_id}".encode()).hexdigest()[:10].upper()
                change("placement_started", "placement", placement_shown(sheet), event(
                    case_id, "placement_started", 0, placement_id=new_id, employer=sheet["placement"],
                    kind=sheet["placement_kind"]), before=now_shown, at_download=then_shown)
        for column, hours in sheet.items():
            if not column.startswith("hours:") or hours == current.get(column):
                continue
            month = column.removeprefix("hours:")
            if month not in editable:
                change("hours_reported", column, shown(column, hours), None, "sheet_month_closed")
                continue
            change("hours_reported", column, shown(column, hours), event(
                case_id, "hours_reported", months.index(month), month=month, hours=hours))
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
