"""Provider reporting: referral channels per quarter and the funder's anonymised quarterly
report, with every count under 5 suppressed (docs/programmes.md, "Provider reporting")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from core.messages import N_
from core.programmes import ProcessModel
from metrics.calendar import DAY_US, MonthError, month_start, to_us
from metrics.casestate import FIGURE_OUTCOMES, NEVER, CaseHistory
from metrics.quality import INDICATORS, quality_indicators
from metrics.suppression import COMPLEMENTARY, MIN_CELL, PRIMARY, Equation, protect

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
SUPPRESSED = PRIMARY
NO_CHANNEL = "(unknown)"
FUNNEL_COUNTS = ("referred", "started", "completed", *(f"outcome_{o}" for o in FIGURE_OUTCOMES))


@dataclass(frozen=True, slots=True)
class Quarter:
    name: str
    months: tuple[str, str, str]
    next_month: str

    def bounds(self, zone: ZoneInfo) -> tuple[int, int]:
        return to_us(month_start(self.months[0], zone)), to_us(month_start(self.next_month, zone))


def parse_quarter(text: str) -> Quarter:
    match = QUARTER.match(text or "")
    if not match:
        raise MonthError("quarter must be YYYYQn, e.g. 2026Q3", key=N_("error_quarter_form"))
    year, number = int(match[1]), int(match[2])
    first = 3 * (number - 1) + 1
    months = tuple(f"{year}-{m:02d}" for m in range(first, first + 3))
    following = f"{year + 1}-01" if number == 4 else f"{year}-{first + 3:02d}"
    return Quarter(text, months, following)  # type: ignore[arg-type]


def quarters_between(first: str, last: str) -> list[Quarter]:
    a, b = parse_quarter(first), parse_quarter(last)
    out = []
    year, number = int(a.name[:4]), int(a.name[5])
    while (year, number) <= (int(b.name[:4]), int(b.name[5])):
        out.append(parse_quarter(f"{year}Q{number}"))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
        if len(out) > 40:
            raise MonthError("at most 40 quarters", key=N_("error_quarters_too_many"), most=40)
    return out


def _cohort_counts(cohort: Iterable[CaseHistory], now: int) -> dict[str, int]:
    row = dict.fromkeys(FUNNEL_COUNTS, 0)
    for case in cohort:
        row["referred"] += 1
        row["started"] += case.enrolled < now
        if case.closed < now and case.close_reason == "completed":
            row["completed"] += 1
            row[f"outcome_{case.close_outcome or 'none'}"] += 1
    return row


def cohort(cases: Iterable[CaseHistory], programme: str, first: int, end: int, now: int):
    return [
        c for c in cases
        if c.programme == programme and first <= c.opened < end and c.opened < now
    ]


def channel_rows(
    cases: Iterable[CaseHistory], programme: str, quarters: list[Quarter], zone: ZoneInfo, now: int
) -> list[dict[str, Any]]:
    """Per quarter of opening and channel: referred, started, completed and outcomes, as known now."""
    cases = list(cases)
    rows = []
    for quarter in quarters:
        first, end = quarter.bounds(zone)
        by_channel: dict[str, list[CaseHistory]] = {}
        for case in cohort(cases, programme, first, end, now):
            by_channel.setdefault(case.channel or NO_CHANNEL, []).append(case)
        for channel in sorted(by_channel):
            rows.append({"quarter": quarter.name, "channel": channel,
                         **_cohort_counts(by_channel[channel], now)})
    return rows


def phase_duration_rows(
    cases: Iterable[CaseHistory], model: ProcessModel, first: int, end: int, now: int
) -> list[dict[str, Any]]:
    """Per phase of the model: stays in the phase that ended in [first, end) (by the next phase
    change or the closing), and their median length in days, beside the plan."""
    stays: dict[str, list[float]] = {p: [] for p in model.phase_ids}
    end = min(end, now)
    for case in cases:
        if case.programme != model.programme or case.opened >= NEVER:
            continue
        changes = case.phase_changes(end)
        if not changes:
            continue
        bounds = [at for at, _ in changes[1:]] + [case.closed]
        for (entered, phase), left in zip(changes, bounds, strict=True):
            if phase in stays and first <= left < end:
                stays[phase].append((left - entered) / DAY_US)
    return [
        {
            "phase": phase.id,
            "name_da": phase.names.get("da"), "name_en": phase.names.get("en"),
            "name_de": phase.names.get("de"),
            "planned_days": phase.planned_days,
            "stays_ended": len(stays[phase.id]),
            "median_days": round(median(stays[phase.id]), 1) if stays[phase.id] else None,
        }
        for phase in model.phases
    ]


def _suppress_count(value: Any) -> Any:
    return SUPPRESSED if isinstance(value, int | float) and value < MIN_CELL else value


OUTCOME_COUNTS = tuple(c for c in FUNNEL_COUNTS if c.startswith("outcome_"))


def _protect_cohort_tables(funnel: list[dict[str, Any]], channels: list[dict[str, Any]]) -> None:
    """Primary and complementary suppression of the funnel (teams and their total) and the
    channels (whose rows add up to the same total), in place: no total, difference or ordering
    gives a hidden count back (metrics/suppression.py)."""
    tables = {"funnel": funnel, "channels": channels}
    values = {(name, i, c): row[c] for name, rows in tables.items()
              for i, row in enumerate(rows) for c in FUNNEL_COUNTS}
    total = ("funnel", len(funnel) - 1)  # the funnel's last row is the total
    equations = []
    for column in FUNNEL_COUNTS:
        equations.append(Equation((*total, column), tuple(("funnel", i, column) for i in range(len(funnel) - 1))))
        if channels:
            equations.append(Equation((*total, column), tuple(("channels", i, column) for i in range(len(channels)))))
    orderings = []
    for name, rows in tables.items():
        for i in range(len(rows)):
            equations.append(Equation((name, i, "completed"), tuple((name, i, c) for c in OUTCOME_COUNTS)))
            orderings += [((name, i, "started"), (name, i, "referred")),
                          ((name, i, "completed"), (name, i, "started"))]
    primary, complementary = protect(values, equations, orderings)
    for name, i, column in primary:
        tables[name][i][column] = PRIMARY
    for name, i, column in complementary:
        tables[name][i][column] = COMPLEMENTARY


def quarterly_tables(
    cases: Iterable[CaseHistory],
    model: ProcessModel,
    quarter: Quarter,
    zone: ZoneInfo,
    now: int,
    workers: dict[str, str | None],
) -> dict[str, list[dict[str, Any]]]:
    """The funder's tables, anonymised: teams and channels only (no case, worker or citizen
    ids), every count under 5 replaced by "<5", a share or rate derived from fewer than 5 cases
    or whose share × published count gives fewer than 5 replaced by "<5" as well (a median of
    days is a duration and always published), and counts that would give a "<5" back through a total, a difference or
    an ordering replaced by "x" (complementary suppression)."""
    cases = list(cases)
    first, end = quarter.bounds(zone)
    programme = model.programme
    members = cohort(cases, programme, first, end, now)
    by_team: dict[str, list[CaseHistory]] = {}
    for case in members:
        a = case.closed if case.closed < now else now
        team, _ = case.membership(a)
        by_team.setdefault(team or NO_CHANNEL, []).append(case)
    funnel = [{"team_id": team, **_cohort_counts(by_team[team], now)} for team in sorted(by_team)]
    funnel.append({"team_id": "total", **_cohort_counts(members, now)})
    channels = [
        {k: v for k, v in row.items() if k != "quarter"}
        for row in channel_rows(cases, programme, [quarter], zone, now)
    ]
    indicators = []
    for row in quality_indicators(cases, model, first, end, now, workers):
        if row["worker_id"] is not None:
            continue  # per team only: a worker row could single out a person's caseload
        out: dict[str, Any] = {"team_id": row["team_id"] or NO_CHANNEL}
        for name in INDICATORS:
            figure = row["indicators"][name]
            base = figure["denominator"] if name.endswith("_share") else figure["numerator"]
            out[f"{name}_cases" if name.endswith("_share") else f"{name}_count"] = (
                int(figure["denominator"]) if name.endswith("_share") else int(figure["numerator"])
            )
            value = figure["value"]
            out[name] = None if value is None else round(value, 3)
            out[f"{name}_standard"] = figure["standard"]
            out[f"{name}_status"] = figure["status"]
            # a share × its published cases gives the numerator back: hidden when that is small
            if base < MIN_CELL or (name.endswith("_share") and figure["numerator"] < MIN_CELL):
                out[name] = SUPPRESSED
                out[f"{name}_status"] = SUPPRESSED
        indicators.append(out)
    # a duration is no count of people: its median is published, its stays_ended hidden when small
    phases = phase_duration_rows(cases, model, first, end, now)
    count_columns = {*FUNNEL_COUNTS, "stays_ended",
                     *(f"{n}_cases" for n in INDICATORS), *(f"{n}_count" for n in INDICATORS)}
    _protect_cohort_tables(funnel, channels)
    tables = {"funnel": funnel, "channels": channels, "indicators": indicators, "phases": phases}
    for rows in tables.values():
        for row in rows:
            for column in count_columns & row.keys():
                row[column] = _suppress_count(row[column])
    return tables
