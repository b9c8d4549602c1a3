"""Monthly targets, goals with their milestones, and the caseload norms: setting them."""

from __future__ import annotations

from typing import Any

from core.access import Action
from core.audit import AuditAction
from metrics.service import MetricsService
from services.actor import Actor


def _value(value: Any) -> str:
    if value is None:
        return " removed"
    return f" = {value:g}" if isinstance(value, int | float) and not isinstance(value, bool) else f" = {value}"


def _change(items: list[dict[str, Any]], when: str) -> tuple[str | None, str]:
    """The team (when one) and the detail of a change: which teams, figures and months."""
    teams = sorted({str(i.get("team_id")) for i in items})
    what = [f"{i.get('metric')} {i.get(when)}{_value(i.get('value'))}" for i in items]
    return (teams[0] if len(teams) == 1 else None), f"{len(items)} for {', '.join(teams)}: {', '.join(what)}"


def set_targets(metrics: MetricsService, actor: Actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sets explicit monthly targets; a value of None removes one. Answers every target."""
    actor.authorise(Action.write_targets)
    saved = metrics.put_targets(items)
    team_id, detail = _change(items, "month")
    actor.record(metrics.engine, AuditAction.set_targets, team_id=team_id, detail=detail)
    return saved


def set_goals(metrics: MetricsService, actor: Actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sets goals; answers them with their monthly milestones."""
    actor.authorise(Action.write_targets)
    saved = metrics.put_goals(items)
    team_id, detail = _change(items, "by")
    actor.record(metrics.engine, AuditAction.set_goals, team_id=team_id, detail=detail)
    return saved


def _band(band: dict[str, Any]) -> str:
    low, high = band.get("low"), band.get("high")
    return f"{band['role']} {'-' if low is None else low}-{'-' if high is None else high}"


def set_norms(metrics: MetricsService, actor: Actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Changes the organisation's caseload norm bands; answers every band."""
    actor.authorise(Action.write_norms)
    saved = metrics.put_norms(items)
    actor.record(metrics.engine, AuditAction.set_norms, detail="; ".join(_band(b) for b in saved))
    return saved
