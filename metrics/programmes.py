"""Figures of a programme's process model: cases per phase, time in phase against plan, flow,
cohort completion, and the jobcoach's phase-dependent caseload norm (docs/programmes.md)."""

from __future__ import annotations

from collections.abc import Iterable
from statistics import median
from typing import Any

from core.programmes import ProcessModel
from metrics.calendar import DAY_US
from metrics.casestate import NEVER, CaseHistory

NO_PHASE = "(none)"
UNKNOWN_PHASE = "(not in model)"
START = "(start)"
CLOSED_NODE = "closed:"  # a flow's end node: closed:<reason>


def _days(us: int) -> float:
    return round(us / DAY_US, 1)


def current_phase(case: CaseHistory, t: int) -> tuple[str | None, int | None]:
    """The phase at t and the instant the case entered it (its latest phase_changed)."""
    changes = case.phase_changes(t)
    if not changes:
        return None, None
    at, phase = changes[-1]
    return phase, at


def programme_cases(cases: Iterable[CaseHistory], programme: str) -> list[CaseHistory]:
    return [c for c in cases if c.programme == programme and c.opened < NEVER]


def _member(case: CaseHistory, t: int, team_id: str | None, worker_id: str | None):
    """The case's team and holders at a = min(t, closed), or None when outside the group."""
    a = case.closed if case.closed < t else t
    team, holders = case.membership(a)
    if team_id is not None and team != team_id:
        return None
    if worker_id is not None and worker_id not in holders.values():
        return None
    return team, holders


def phase_overview(
    cases: Iterable[CaseHistory], model: ProcessModel, t: int, *,
    team_id: str | None = None, worker_id: str | None = None,
) -> dict[str, Any]:
    """Active cases per phase at t, with time in phase against plan, and the cases past their
    phase's planned duration (the needs-attention list)."""
    in_phase: dict[str, list[float]] = {p: [] for p in model.phase_ids}
    in_phase[UNKNOWN_PHASE] = []
    no_phase = 0
    attention = []
    for case in cases:
        if not case.active(t):
            continue
        member = _member(case, t, team_id, worker_id)
        if member is None:
            continue
        phase, since = current_phase(case, t)
        if phase is None:
            no_phase += 1
            continue
        days = _days(t - since)
        planned = model.phase(phase)
        in_phase[phase if planned else UNKNOWN_PHASE].append(days)
        if planned is not None and days > planned.planned_days:
            team, holders = member
            attention.append({
                "case_id": case.case_id, "team_id": team, "holders": holders, "phase": phase,
                "days_in_phase": days, "planned_days": planned.planned_days,
                "days_over": round(days - planned.planned_days, 1),
            })
    rows = []
    for phase_id, durations in in_phase.items():
        planned = model.phase(phase_id)
        if planned is None and not durations:
            continue
        over = sum(1 for d in durations if planned is not None and d > planned.planned_days)
        rows.append({
            "phase": phase_id,
            "names": planned.names if planned else {},
            "stage": planned.stage if planned else None,
            "cases": len(durations),
            "planned_days": planned.planned_days if planned else None,
            "median_days_in_phase": median(durations) if durations else None,
            "past_plan": over,
        })
    attention.sort(key=lambda r: -r["days_over"])
    return {"phases": rows, "without_phase": no_phase, "needs_attention": attention}


def phase_flow(
    cases: Iterable[CaseHistory], model: ProcessModel, first: int, end: int, *,
    team_id: str | None = None,
) -> list[dict[str, Any]]:
    """Phase-to-phase moves with occurred_at in [first, end): from the phase before (or the
    start), to the phase entered; a case closed in the period moves on to `closed:<reason>`."""
    links: dict[tuple[str, str], int] = {}
    for case in cases:
        if case.opened >= end or (team_id is not None and _member(case, end, team_id, None) is None):
            continue
        previous = START
        for at, phase in case.phase_changes(end):
            if at >= first and phase != previous:
                key = (previous, phase)
                links[key] = links.get(key, 0) + 1
            previous = phase
        if first <= case.closed < end:
            key = (previous, f"{CLOSED_NODE}{case.close_reason}")
            links[key] = links.get(key, 0) + 1
    order = {p: i for i, p in enumerate((START, *model.phase_ids))}
    return [
        {"source": s, "target": t, "cases": n}
        for (s, t), n in sorted(links.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0]))
    ]


def cohort_completion(
    cases: Iterable[CaseHistory], first: int, end: int, month_ends: list[tuple[str, int]], *,
    now: int = NEVER, team_id: str | None = None,
) -> dict[str, Any]:
    """Of the cases opened in [first, end): at the end of each month, how many are completed,
    closed otherwise, and still active (a team's cohort: its cases at min(now, closed))."""
    cohort = [
        c for c in cases
        if first <= c.opened < end and c.opened < now
        and (team_id is None or _member(c, now, team_id, None) is not None)
    ]
    points = []
    for month, t in month_ends:
        completed = sum(1 for c in cohort if c.closed < t and c.close_reason == "completed")
        closed = sum(1 for c in cohort if c.closed < t)
        opened = sum(1 for c in cohort if c.opened < t)
        points.append({
            "month": month, "referred": opened, "completed": completed,
            "closed_otherwise": closed - completed, "active": opened - closed,
            "completed_share": completed / len(cohort) if cohort else None,
        })
    return {"cohort": len(cohort), "points": points}


def jobcoach_load(
    cases: Iterable[CaseHistory], models: dict[str, ProcessModel], t: int
) -> dict[str, dict[str, Any]]:
    """Per jobcoach at t: active cases finding a job and securing it, and the load against the
    ratios of the case's programme (1:5 finding, 1:6 securing by default): the sum of
    cases / ratio over the stages; above 1 is above the norm. A case in no phase, or in a
    phase of neither stage, counts as finding: the stricter ratio."""
    held = []
    for case in cases:
        if not case.active(t):
            continue
        _team, holders = case.membership(t)
        coach = holders.get("jobcoach")
        if coach is not None:
            held.append((coach, case.programme, current_phase(case, t)[0]))
    return _coach_rows(held, models)


def jobcoach_load_of_month(
    figures: Iterable[Any], programme_of: dict[str, CaseHistory], models: dict[str, ProcessModel]
) -> dict[str, dict[str, Any]]:
    """The same loads from a month's per-case figures at t (metrics/milestones.CaseFigures):
    their holders and phase are those at t for every active case, so the month's cached
    figures serve instead of a scan of every case."""
    held = [
        (f.holders["jobcoach"], programme_of[f.case_id].programme, f.phase)
        for f in figures
        if f.active and "jobcoach" in f.holders
    ]
    return _coach_rows(held, models)


def _coach_rows(
    held: Iterable[tuple[str, str | None, str | None]], models: dict[str, ProcessModel]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for coach, programme, phase in held:
        model = models.get(programme or "")
        stage = "finding"
        if model is not None and phase is not None:
            planned = model.phase(phase)
            if planned is not None and planned.stage == "securing":
                stage = "securing"
        ratios = model.ratios if model is not None else {"finding": 5, "securing": 6}
        row = out.setdefault(coach, {"worker_id": coach, "finding": 0, "securing": 0, "load": 0.0})
        row[stage] += 1
        row["load"] += 1 / ratios[stage]
    for row in out.values():
        row["load"] = round(row["load"], 4)
        row["status"] = "above" if row["load"] > 1 + 1e-9 else "within"
    return out
