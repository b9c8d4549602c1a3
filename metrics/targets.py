"""Targets, and goals broken down evenly into monthly milestones (re-planned as months pass)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from core.database import session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import GoalMilestone, MetricGoal, MetricTarget
from metrics.calendar import MonthError, add_months, months_between, parse_month
from metrics.definitions import TARGET_METRICS

FigureOf = Callable[[str, str, str], float | None]  # (team_id, metric, month) → figure


class TargetError(Invalid):
    pass


def _check(item: dict[str, Any], *, month_key: str) -> tuple[str, str, str, float]:
    team_id = item.get("team_id")
    metric = item.get("metric")
    month = item.get(month_key)
    value = item.get("value")
    if not isinstance(team_id, str) or not team_id:
        raise TargetError("team_id is required", key=N_("error_target_team"))
    if metric not in TARGET_METRICS:
        raise TargetError(f"metric must be one of {', '.join(TARGET_METRICS)}", key=N_("error_metric_unknown"),
                          metrics=", ".join(TARGET_METRICS))
    try:
        parse_month(month)
    except MonthError as exc:
        raise TargetError(f"{month_key}: {exc}", key=N_("error_target_month"), problem=exc) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TargetError("value must be a number from 0", key=N_("error_target_value"))
    if metric.endswith("_share") and value > 1:
        raise TargetError("a share is a fraction from 0 to 1", key=N_("error_target_share"))
    return team_id, metric, month, float(value)


def load_targets(engine: Engine, team_id: str | None = None) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        query = select(MetricTarget)
        if team_id is not None:
            query = query.where(MetricTarget.team_id == team_id)
        rows = session.exec(query).all()
        return sorted(
            ({"team_id": r.team_id, "metric": r.metric, "month": r.month, "value": r.value} for r in rows),
            key=lambda r: (r["team_id"], r["metric"], r["month"]),
        )


def save_targets(engine: Engine, items: Iterable[dict[str, Any]]) -> None:
    """Stores explicit monthly targets; a target with value null removes it."""
    checked = []
    removed = []
    for item in items:
        if item.get("value") is None:
            removed.append(_check({**item, "value": 0}, month_key="month")[:3])
        else:
            checked.append(_check(item, month_key="month"))
    now = utcnow()
    with session_scope(engine) as session:
        for key in removed:
            row = session.get(MetricTarget, key)
            if row is not None:
                session.delete(row)
        for team_id, metric, month, value in checked:
            row = session.get(MetricTarget, (team_id, metric, month))
            if row is None:
                row = MetricTarget(team_id=team_id, metric=metric, month=month, value=value, updated_at=now)
            else:
                row.value, row.updated_at = value, now
            session.add(row)


def plan(start_figure: float, goal: float, months: list[str]) -> dict[str, float]:
    """From the figure of the last complete month to the goal, evenly over the months left (the
    current month included, the goal's month last)."""
    count = len(months)
    return {
        month: start_figure + (goal - start_figure) * (k + 1) / count
        for k, month in enumerate(months)
    }


def save_goals(
    engine: Engine, items: Iterable[dict[str, Any]], current_month: str, figure_of: FigureOf
) -> list[dict[str, Any]]:
    """Stores goals and plans their milestones from this month on; passed months keep theirs."""
    checked = [_check({**item, "by": item.get("by")}, month_key="by") for item in items]
    now = utcnow()
    with session_scope(engine) as session:
        for team_id, metric, by_month, value in checked:
            row = session.get(MetricGoal, (team_id, metric))
            if row is None:
                row = MetricGoal(team_id=team_id, metric=metric, value=value, by_month=by_month,
                                 planned_in=current_month, updated_at=now)
            else:
                row.value, row.by_month, row.planned_in, row.updated_at = value, by_month, current_month, now
            session.add(row)
            _replan(session, row, current_month, figure_of)
    return load_goals(engine, [(t, m) for t, m, _, _ in checked])


def _replan(session, goal: MetricGoal, current_month: str, figure_of: FigureOf) -> None:
    months = months_between(current_month, goal.by_month)
    if not months:
        return
    # the running month's figure is still growing: planning from it would ask too much of it
    figure = figure_of(goal.team_id, goal.metric, add_months(current_month, -1)) or 0.0
    for month, value in plan(figure, goal.value, months).items():
        row = session.get(GoalMilestone, (goal.team_id, goal.metric, month))
        if row is None:
            row = GoalMilestone(team_id=goal.team_id, metric=goal.metric, month=month, value=value)
        else:
            row.value = value
        session.add(row)
    # months beyond a goal moved earlier are no longer part of its breakdown
    for row in session.exec(
        select(GoalMilestone).where(
            GoalMilestone.team_id == goal.team_id,
            GoalMilestone.metric == goal.metric,
            GoalMilestone.month > goal.by_month,
        )
    ):
        session.delete(row)
    goal.planned_in = current_month
    session.add(goal)


def replan_goals(engine: Engine, current_month: str, figure_of: FigureOf) -> None:
    """Once a month: the milestones of the months left are planned again from the figure of the
    month just completed; the milestones of passed months stay as they were."""
    with session_scope(engine) as session:
        stale = session.exec(
            select(MetricGoal).where(MetricGoal.planned_in < current_month, MetricGoal.by_month >= current_month)
        ).all()
        for goal in stale:
            _replan(session, goal, current_month, figure_of)


def load_goals(engine: Engine, keys: list[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        goals = session.exec(select(MetricGoal)).all()
        milestones = session.exec(select(GoalMilestone)).all()
        out = []
        for goal in sorted(goals, key=lambda g: (g.team_id, g.metric)):
            if keys is not None and (goal.team_id, goal.metric) not in keys:
                continue
            out.append(
                {
                    "team_id": goal.team_id,
                    "metric": goal.metric,
                    "value": goal.value,
                    "by": goal.by_month,
                    "planned_in": goal.planned_in,
                    "milestones": [
                        {"month": m.month, "value": m.value}
                        for m in sorted(milestones, key=lambda m: m.month)
                        if m.team_id == goal.team_id and m.metric == goal.metric
                    ],
                }
            )
        return out


def effective_targets(engine: Engine, first: str, last: str) -> dict[tuple[str, str, str], float]:
    """(team_id, metric, month) → target for the months first..last: explicit targets win over
    the goals' milestones."""
    out: dict[tuple[str, str, str], float] = {}
    with session_scope(engine) as session:
        for m in session.exec(
            select(GoalMilestone).where(GoalMilestone.month >= first, GoalMilestone.month <= last)
        ):
            out[(m.team_id, m.metric, m.month)] = m.value
        for t in session.exec(
            select(MetricTarget).where(MetricTarget.month >= first, MetricTarget.month <= last)
        ):
            out[(t.team_id, t.metric, t.month)] = t.value
    return out
