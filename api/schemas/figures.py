"""Shapes of the steering figures' answers and bodies (api/routes/figures.py; docs/metrics.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas import Answer, Body, Number

Counts = dict[str, int]  # an object-valued figure: key → cases (a key with 0 may be left out)
Status = Literal["on_track", "at_risk", "behind"]


class Labels(Answer):
    da: str
    en: str
    de: str


class FigureDefinition(Answer):
    name: str
    kind: Literal["stock", "flow"]
    labels: Labels
    value: Literal["count", "share", "hours", "days", "object"]
    higher_is_better: bool | None
    targetable: bool
    definition: str


# -- a month's figures ---------------------------------------------------------------------

class TargetStatus(Answer):
    target: Number
    status: Status | None


class Forecast(Answer):
    """The month-end figure at this month's pace (docs/metrics.md, "Month-end forecast")."""

    low: Number
    expected: Number
    high: Number


class MonthProgress(Answer):
    """A targetable figure in the running month: what today's status compares it with."""

    reported: bool = Field(description="false: reported after the month, its deadline not passed")
    working_days_elapsed: int
    working_days: int
    compared_with: Number | None = Field(description="the target pro-rated to the working days elapsed "
                                                     "(flows) or the full target (stocks); null without one")
    forecast: Forecast | None = Field(description="flows only, from the first working day's end")


class WorkerJobcoachLoad(Answer):
    """A jobcoach's phase-dependent load: cases finding a job count 1/5, securing one 1/6."""

    worker_id: str
    finding: int
    securing: int
    load: Number
    status: Literal["within", "above"]


class MilestoneRow(Answer):
    """One team's (worker_id null) or one worker's figures of the month, every field of metrics.md."""

    team_id: str | None
    worker_id: str | None
    active_cases: int
    caseload: Counts | None = Field(description="a worker's active cases per role; null in team rows")
    in_placement: int
    placement_share: Number | None
    cv_done: int
    cv_share: Number | None
    readiness: Counts
    phases: Counts
    follow_up_overdue: int
    waiting_for_company_consultant: int
    placement_starts: int
    follow_ups: int
    three_party_follow_ups: int
    with_ordinary_hours: int
    ordinary_hours: Number
    closed: Counts
    median_days_to_company_consultant: Number | None
    median_days_cases: int = Field(description="how many cases the median is over")
    targets: dict[str, TargetStatus] = Field(description="team rows: metric → target and status")
    caseload_flags: dict[str, Literal["above"]] = Field(
        default_factory=dict, description="worker rows only: each role whose caseload is above its norm")
    jobcoach_load: WorkerJobcoachLoad | None = Field(None, description="worker rows of jobcoaches only")
    not_reported_yet: list[str] = Field(
        default_factory=list, description="figures reported after the month whose deadline has not passed: "
        "their value is not final and their status is null")
    month_progress: dict[str, MonthProgress] = Field(
        default_factory=dict, description="team rows of the running month: metric → pro-rated target, forecast")


class Milestones(Answer):
    month: str
    as_of: str
    rows: list[MilestoneRow]


class CaseInFigure(Answer):
    """One case behind a figure, with what it adds to it (no citizen data)."""

    case_id: str
    team_id: str | None
    holders: dict[str, str]
    active: bool
    in_placement: bool
    has_cv: bool
    readiness: str | None
    phase: str | None
    follow_up_overdue: bool
    placement_starts: int
    follow_ups: int
    three_party_follow_ups: int
    ordinary_hours: Number | None
    closed_reason: str | None
    days_to_company_consultant: Number | None


class MilestoneCases(Answer):
    month: str
    as_of: str
    team_id: str | None
    worker_id: str | None
    field: str
    count: int
    cases: list[CaseInFigure]


class TrendPoint(Answer):
    month: str
    value: Number | Counts | None = Field(description="null for a month not begun")
    target: Number | None
    reported: bool = Field(True, description="false while the figure of a month begun is not reported yet")


class Trend(Answer):
    metric: str
    team_id: str | None
    worker_id: str | None
    scalar: bool
    points: list[TrendPoint]


# -- the case board and the funnel ---------------------------------------------------------

class Placement(Answer):
    placement_id: str
    employer: str | None
    kind: str | None
    since: str | None


class BoardCase(Answer):
    case_id: str
    citizen: str | None = Field(description="a short pseudonym, never the citizen's number")
    roles: list[str]
    other_holders: dict[str, str]
    team_id: str | None
    opened_at: str | None
    days_since_opened: int
    has_cv: bool
    readiness: str
    phase: str | None
    placement: Placement | None
    open_placements: int
    follow_up_due: str | None
    overdue: bool
    hours_last_month: Number | None
    hours_this_month: Number | None
    latest_event_at: str | None


class Board(Answer):
    worker_id: str
    as_of: str
    caseload: Counts
    caseload_flags: dict[str, Literal["above"]]
    cases: list[BoardCase]


class FunnelRow(Answer):
    team_id: str | None
    referred: int
    started: int
    completed: int
    outcomes: Counts


class Funnel(Answer):
    programme: str
    from_: str = Field(alias="from")
    to: str
    as_of: str
    rows: list[FunnelRow]


# -- targets, goals, norms -----------------------------------------------------------------

class Target(Answer):
    team_id: str
    metric: str
    month: str
    value: Number


class TargetIn(Body):
    team_id: str
    metric: str
    month: str = Field(description="YYYY-MM")
    value: float | None = Field(None, description="null removes the target")


class GoalMilestone(Answer):
    month: str
    value: Number


class Goal(Answer):
    team_id: str
    metric: str
    value: Number
    by: str
    planned_in: str
    milestones: list[GoalMilestone]


class GoalIn(Body):
    team_id: str = Field(description="a team, or * for the whole organisation")
    metric: str
    value: float
    by: str = Field(description="YYYY-MM: the month the goal is to be reached in")


class NormBand(Answer):
    role: str
    low: int | None
    high: int | None


class NormBandIn(Body):
    role: str
    low: int | None = Field(None, description="a role without low and high has no norm")
    high: int | None = None


# -- closed months -------------------------------------------------------------------------

class Close(Answer):
    month: str
    scope: str = Field(description="the team, or * for the whole organisation")
    closed_at: str
    closed_by: str | None


class ClosedRow(Answer):
    team_id: str | None
    worker_id: str | None
    frozen: dict[str, Any] = Field(description="the row as it was closed")
    live: dict[str, Any] = Field(description="the row as it is now ({} if it is no longer there)")
    difference: dict[str, Any] = Field(description="each figure that changed: live − frozen")


class ClosedMonth(Answer):
    month: str
    scope: str
    closed_at: str
    closed_by: str | None
    as_of: str
    rows: list[ClosedRow]
