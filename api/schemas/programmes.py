"""Shapes of the programme routes' answers and bodies (api/routes/programmes.py; docs/programmes.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas import Answer, Body, Number

Names = dict[str, str]  # language → name
Counts = dict[str, int]
# a cell of the funder's tables: a number, "<5" or "x" where it is suppressed, or empty
Cell = Number | str | None


# -- process models ------------------------------------------------------------------------

class Phase(Answer):
    id: str
    names: Names
    planned_days: Number
    stage: str | None = Field(description="finding or securing (a job), or null")


class ProcessModel(Answer):
    programme: str
    names: Names
    phases: list[Phase]
    course_days: Number = Field(description="the sum of the phases' planned days")
    ratios: Counts = Field(description="a jobcoach's cases per stage: finding, securing")
    standards: dict[str, Number] = Field(description="the quality indicators' standards")
    preset: bool = Field(description="the model as shipped, not edited here")


class PhaseIn(Body):
    id: str
    names: Names | None = None
    planned_days: float
    stage: str | None = None


class ProcessModelIn(Body):
    """A process model as GET answers it (programme, course_days and preset are ignored)."""

    names: Names | None = None
    phases: list[PhaseIn]
    ratios: Counts | None = None
    standards: dict[str, float] | None = None


# -- phase views ---------------------------------------------------------------------------

class PhaseCount(Answer):
    phase: str
    names: Names
    stage: str | None
    cases: int
    planned_days: Number | None
    median_days_in_phase: Number | None
    past_plan: int


class CasePastPlan(Answer):
    case_id: str
    team_id: str | None
    holders: dict[str, str]
    phase: str
    days_in_phase: Number
    planned_days: Number
    days_over: Number


class PhaseView(Answer):
    programme: str
    as_of: str
    team_id: str | None
    worker_id: str | None
    phases: list[PhaseCount]
    without_phase: int
    needs_attention: list[CasePastPlan]


class FlowLink(Answer):
    source: str
    target: str
    cases: int


class Flow(Answer):
    programme: str
    from_: str = Field(alias="from")
    to: str
    team_id: str | None
    links: list[FlowLink]


class CompletionPoint(Answer):
    month: str
    referred: int
    completed: int
    closed_otherwise: int
    active: int
    completed_share: Number | None


class Completion(Answer):
    programme: str
    from_: str = Field(alias="from")
    to: str
    team_id: str | None
    cohort: int
    points: list[CompletionPoint]


class JobcoachLoadRow(Answer):
    worker_id: str
    team_id: str | None
    finding: int
    securing: int
    load: Number
    status: Literal["within", "above"]


class JobcoachLoads(Answer):
    as_of: str
    rows: list[JobcoachLoadRow]


# -- quality indicators --------------------------------------------------------------------

class Indicator(Answer):
    labels: Names
    value: Number | None
    numerator: Number
    denominator: Number
    standard: Number
    status: str | None


class IndicatorRow(Answer):
    team_id: str | None
    worker_id: str | None
    indicators: dict[str, Indicator]


class Indicators(Answer):
    programme: str
    from_: str = Field(alias="from")
    to: str
    as_of: str
    rows: list[IndicatorRow]


# -- provider reporting --------------------------------------------------------------------

class ChannelRow(Answer):
    quarter: str
    channel: str
    referred: int
    started: int
    completed: int
    outcome_job: int
    outcome_education: int
    outcome_extended_placement: int
    outcome_other: int
    outcome_none: int


class Channels(Answer):
    programme: str
    from_: str = Field(alias="from")
    to: str
    rows: list[ChannelRow]


class QuarterlyTables(Answer):
    funnel: list[dict[str, Cell]] = Field(description="per team, and the total")
    channels: list[dict[str, Cell]]
    indicators: list[dict[str, Cell]] = Field(description="per team")
    phases: list[dict[str, Cell]]


class QuarterlyReport(Answer):
    programme: str
    quarter: str
    tables: QuarterlyTables


# -- reference figures ---------------------------------------------------------------------

class ReferenceImport(Answer):
    imported: int


class ReferenceFigure(Answer):
    label: str
    metric: str
    month: str
    value: Number
    source: str | None


class TeamFigure(Answer):
    team_id: str | None
    value: Number | str | None = Field(description='"<5" for a figure of too small a group')


class Benchmark(Answer):
    metric: str
    month: str
    teams: list[TeamFigure]
    references: list[ReferenceFigure]
