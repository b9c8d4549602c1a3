"""The monthly figures of metrics.md per team and per worker, and the cases behind each one."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.contract import READINESS_LEVELS, ROLES
from core.errors import Invalid
from core.messages import N_
from metrics.calendar import SECOND_US, MonthWindow
from metrics.casestate import CaseHistory

SECONDS_PER_DAY = 86_400


@dataclass(slots=True)
class CaseFigures:
    """What one case that counts in month M adds to the rows of its groups."""

    case_id: str
    team: str | None  # team at a = min(t, closed)
    holders: dict[str, str]  # role → worker at a
    active: bool
    in_placement: bool
    has_cv: bool
    readiness: str
    phase: str | None
    overdue: bool
    waiting_for_company_consultant: bool
    placement_starts: int
    follow_ups: int
    three_party_follow_ups: int
    hours: float | None  # the hours that count for month M, if any report
    closed_reason: str | None  # reason when closed within M
    days_to_company_consultant: float | None  # opened in M and assigned one before t
    # for the current month: the same figures hold for every t' < valid_until
    valid_until: int = 0

    @property
    def workers(self) -> set[str]:
        return set(self.holders.values())


def case_figures(case: CaseHistory, window: MonthWindow) -> CaseFigures | None:
    """The contribution of `case` to month M, or None when it does not count in M."""
    t = window.t_us
    start = window.start_us
    if not case.opened < t or case.closed < start:
        return None
    closed_before_t = case.closed < t
    if closed_before_t:
        team, holders = case.membership(case.closed)
        state = None
    else:
        state = case.state(t)
        team, holders = state.team, state.holders
    placement_starts = sum(1 for p in case.placements.values() if start <= p.started < t)
    follow_ups = three_party = 0
    for at, _seq, is_three_party in case.follow_ups:
        if start <= at < t:
            follow_ups += 1
            three_party += is_three_party
    days = None
    if start <= case.opened < t and case.first_company_consultant < t:
        elapsed_us = max(0, case.first_company_consultant - case.opened)
        days = round(elapsed_us / SECOND_US / SECONDS_PER_DAY, 1)
    active = state is not None and state.active
    figures = CaseFigures(
        case_id=case.case_id,
        team=team,
        holders=holders,
        active=active,
        in_placement=active and state.in_placement,
        has_cv=active and state.has_cv,
        readiness=state.readiness if active else "unknown",
        phase=state.phase if active else None,
        overdue=active and state.overdue,
        waiting_for_company_consultant=active and not state.ever_company_consultant,
        placement_starts=placement_starts,
        follow_ups=follow_ups,
        three_party_follow_ups=three_party,
        hours=case.hours_for(window.month),
        closed_reason=case.close_reason if start <= case.closed < t else None,
        days_to_company_consultant=days,
    )
    figures.valid_until = case.next_change(t, state.follow_up_due if state is not None else None)
    return figures


class GroupFigures:
    """The running totals of one row (a team or a worker)."""

    __slots__ = (
        "team_id", "worker_id", "active_cases", "caseload", "in_placement", "cv_done",
        "readiness", "phases", "follow_up_overdue", "waiting_for_company_consultant",
        "placement_starts", "follow_ups", "three_party_follow_ups", "with_ordinary_hours",
        "hours_list", "closed", "days_list",
    )

    def __init__(self, team_id: str | None, worker_id: str | None):
        self.team_id = team_id
        self.worker_id = worker_id
        self.active_cases = 0
        self.caseload: dict[str, int] = {}
        self.in_placement = 0
        self.cv_done = 0
        self.readiness = dict.fromkeys((*READINESS_LEVELS, "unknown"), 0)
        self.phases: dict[str, int] = {}
        self.follow_up_overdue = 0
        self.waiting_for_company_consultant = 0
        self.placement_starts = 0
        self.follow_ups = 0
        self.three_party_follow_ups = 0
        self.with_ordinary_hours = 0
        self.hours_list: list[float] = []
        self.closed: dict[str, int] = {}
        self.days_list: list[float] = []

    def add(self, case: CaseFigures) -> None:
        if case.active:
            self.active_cases += 1
            self.in_placement += case.in_placement
            self.cv_done += case.has_cv
            self.readiness[case.readiness] = self.readiness.get(case.readiness, 0) + 1
            if case.phase is not None:
                self.phases[case.phase] = self.phases.get(case.phase, 0) + 1
            self.follow_up_overdue += case.overdue
            self.waiting_for_company_consultant += case.waiting_for_company_consultant
            if self.worker_id is not None:
                for role, worker in case.holders.items():
                    if worker == self.worker_id:
                        self.caseload[role] = self.caseload.get(role, 0) + 1
        self.placement_starts += case.placement_starts
        self.follow_ups += case.follow_ups
        self.three_party_follow_ups += case.three_party_follow_ups
        if case.hours is not None and case.hours > 0:
            self.with_ordinary_hours += 1
            self.hours_list.append(case.hours)
        if case.closed_reason is not None:
            self.closed[case.closed_reason] = self.closed.get(case.closed_reason, 0) + 1
        if case.days_to_company_consultant is not None:
            self.days_list.append(case.days_to_company_consultant)

    def as_row(self) -> dict[str, Any]:
        active = self.active_cases
        return {
            "team_id": self.team_id,
            "worker_id": self.worker_id,
            "active_cases": active,
            "caseload": (
                {role: self.caseload.get(role, 0) for role in ROLES}
                if self.worker_id is not None
                else None
            ),
            "in_placement": self.in_placement,
            "placement_share": self.in_placement / active if active else None,
            "cv_done": self.cv_done,
            "cv_share": self.cv_done / active if active else None,
            "readiness": dict(self.readiness),
            "phases": dict(sorted(self.phases.items())),
            "follow_up_overdue": self.follow_up_overdue,
            "waiting_for_company_consultant": self.waiting_for_company_consultant,
            "placement_starts": self.placement_starts,
            "follow_ups": self.follow_ups,
            "three_party_follow_ups": self.three_party_follow_ups,
            "with_ordinary_hours": self.with_ordinary_hours,
            # fsum: the exact sum, rounded once, whatever order the cases came in
            "ordinary_hours": math.fsum(self.hours_list),
            "closed": dict(sorted(self.closed.items())),
            "median_days_to_company_consultant": (
                statistics.median(self.days_list) if self.days_list else None
            ),
            # how many cases that median is over (an extension: small groups are suppressed by it)
            "median_days_cases": len(self.days_list),
        }


@dataclass(frozen=True, slots=True)
class Organisation:
    """The organisation data the rows are laid out by."""

    teams: tuple[str, ...]
    workers: dict[str, str | None]  # worker_id → team_id

    @classmethod
    def empty(cls) -> Organisation:
        return cls((), {})


def team_rows(
    figures: Iterable[CaseFigures], organisation: Organisation, team_id: str | None = None
) -> list[dict[str, Any]]:
    """One row per team of the organisation, plus every other team a counting case is in."""
    groups = {team: GroupFigures(team, None) for team in organisation.teams}
    for case in figures:
        if case.team is None:
            continue
        group = groups.get(case.team)
        if group is None:
            group = groups[case.team] = GroupFigures(case.team, None)
        group.add(case)
    if team_id is not None:
        return [groups.get(team_id, GroupFigures(team_id, None)).as_row()]
    return [groups[key].as_row() for key in sorted(groups)]


def worker_rows(
    figures: Iterable[CaseFigures], organisation: Organisation, team_id: str | None = None
) -> list[dict[str, Any]]:
    """One row per worker of the organisation, plus every other worker holding a counting case;
    a worker's row follows the cases the worker holds, whatever team they are in."""
    groups = {
        worker: GroupFigures(team, worker) for worker, team in organisation.workers.items()
    }
    for case in figures:
        for worker in case.workers:
            group = groups.get(worker)
            if group is None:
                group = groups[worker] = GroupFigures(None, worker)
            group.add(case)
    rows = [groups[key].as_row() for key in sorted(groups)]
    if team_id is not None:
        rows = [row for row in rows if row["team_id"] == team_id]
    return rows


# Which cases make each count of a row (the drill-down); the predicate sees one case's figures.
DRILL_DOWN = {
    "active_cases": lambda c: c.active,
    "in_placement": lambda c: c.in_placement,
    "cv_done": lambda c: c.has_cv,
    "follow_up_overdue": lambda c: c.overdue,
    "waiting_for_company_consultant": lambda c: c.waiting_for_company_consultant,
    "placement_starts": lambda c: c.placement_starts > 0,
    "follow_ups": lambda c: c.follow_ups > 0,
    "three_party_follow_ups": lambda c: c.three_party_follow_ups > 0,
    "with_ordinary_hours": lambda c: c.hours is not None and c.hours > 0,
    "ordinary_hours": lambda c: c.hours is not None and c.hours > 0,
    "closed": lambda c: c.closed_reason is not None,
    "median_days_to_company_consultant": lambda c: c.days_to_company_consultant is not None,
    "counted": lambda c: True,
}


class UnknownField(Invalid, KeyError):
    """A drill-down field that names no column of the figures (still a KeyError, as it was)."""


def drill_down(
    figures: Iterable[CaseFigures],
    field: str,
    *,
    team_id: str | None = None,
    worker_id: str | None = None,
) -> list[dict[str, Any]]:
    """The cases behind `field` of one team's or worker's row, with what each adds to it."""
    base, _, key = field.partition(".")  # e.g. readiness.ready, phases.x, closed.moved
    predicate = DRILL_DOWN.get(base)
    if base == "readiness":
        predicate = (lambda c: c.active and c.readiness == key) if key else (lambda c: c.active)
    elif base == "phases":
        predicate = (lambda c: c.active and c.phase == key) if key else (lambda c: c.active and c.phase is not None)
    elif base == "caseload":
        def predicate(c: CaseFigures) -> bool:
            return c.active and any(
                w == worker_id and (not key or role == key) for role, w in c.holders.items()
            )
    elif base == "closed" and key:
        def predicate(c: CaseFigures) -> bool:
            return c.closed_reason == key
    if predicate is None:
        raise UnknownField(f"field must be one of {', '.join(DRILL_DOWN_FIELDS)}", key=N_("error_drill_down_field"),
                           fields=", ".join(DRILL_DOWN_FIELDS))
    out = []
    for case in figures:
        if team_id is not None and case.team != team_id:
            continue
        if worker_id is not None and worker_id not in case.holders.values():
            continue
        if not predicate(case):
            continue
        out.append(
            {
                "case_id": case.case_id,
                "team_id": case.team,
                "holders": dict(sorted(case.holders.items())),
                "active": case.active,
                "in_placement": case.in_placement,
                "has_cv": case.has_cv,
                "readiness": case.readiness if case.active else None,
                "phase": case.phase,
                "follow_up_overdue": case.overdue,
                "placement_starts": case.placement_starts,
                "follow_ups": case.follow_ups,
                "three_party_follow_ups": case.three_party_follow_ups,
                "ordinary_hours": case.hours,
                "closed_reason": case.closed_reason,
                "days_to_company_consultant": case.days_to_company_consultant,
            }
        )
    out.sort(key=lambda row: row["case_id"])
    return out


DRILL_DOWN_FIELDS = (*DRILL_DOWN, "readiness", "phases", "caseload", "share")
