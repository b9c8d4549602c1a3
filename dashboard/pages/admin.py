"""Administration at a glance: teams, workers, targets and goals, norms, sources and the quarantine."""

from __future__ import annotations

from types import SimpleNamespace

from dash import html

from core.access import Action
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import (
    day_label,
    figure,
    metric_label,
    month_label,
    number,
    role_label,
    t,
    time_label,
)
from dashboard.scope import permit
from ingest.organisation import list_teams, list_workers
from ingest.quarantine import list_quarantine
from ingest.sources import list_sources

QUARANTINE_SHOWN = 200


def _section(title: str, body, count: int | None = None):
    heading = f"{title} ({count})" if count is not None else title
    return html.Section([html.H2(heading), html.Div(body, className="table-wrap")], className="section")


def layout(context: DashboardContext, user, lang: str, query: dict):
    permit(user, Action.write_organisation)
    metrics = context.metrics
    none = t("none", lang)
    teams = list_teams(context.engine)
    workers = list_workers(context.engine)
    team_name = context.directory.team_name
    sections = [html.Div([html.H1(t("nav_admin", lang))], className="page-head")]
    sections.append(_section(t("teams", lang), table(
        [t("team", lang), "id", t("unit", lang)],
        [[team.name, html.Span(team.team_id, className="mono"), team.unit or none] for team in teams],
        className="compact"), len(teams)))
    sections.append(_section(t("workers", lang), table(
        [t("worker", lang), "id", t("team", lang), t("role", lang)],
        [[w.name, html.Span(w.worker_id, className="mono"), team_name(w.team_id),
          ", ".join(role_label(r, lang) for r in w.roles)] for w in workers],
        className="compact"), len(workers)))
    permit(user, Action.read_targets)
    targets = metrics.get_targets()
    sections.append(_section(t("targets", lang), table(
        [t("team", lang), t("metric", lang), t("month", lang), t("target", lang)],
        [[team_name(x["team_id"]), metric_label(x["metric"], lang), month_label(x["month"], lang),
          figure(x["metric"], x["value"], lang)] for x in targets[:300]],
        className="compact") if targets else html.P(none), len(targets)))
    goals = metrics.get_goals()
    sections.append(_section(t("goals", lang), table(
        [t("team", lang), t("metric", lang), t("to_month", lang), t("target", lang), t("milestones", lang)],
        [[team_name(g["team_id"]), metric_label(g["metric"], lang), month_label(g["by"], lang),
          figure(g["metric"], g["value"], lang),
          ", ".join(f"{month_label(m['month'], lang, short=True)}: {figure(g['metric'], m['value'], lang)}"
                    for m in g["milestones"]) or none] for g in goals],
        className="compact") if goals else html.P(none), len(goals)))
    permit(user, Action.read_norms)
    norms = metrics.get_norms()
    sections.append(_section(t("norms", lang), table(
        [t("role", lang), t("norm", lang)],
        [[role_label(n["role"], lang), f"{number(n.get('low'), lang)}–{number(n['high'], lang)}"
          if n.get("high") is not None else t("no_norm", lang)] for n in norms],
        className="compact") if norms else html.P(none), len(norms)))
    permit(user, Action.read_sources)
    sources = list_sources(context.engine)
    sections.append(_section(t("sources", lang), table(
        [t("source", lang), t("kind", lang), t("enabled", lang), t("last_success", lang), t("events_taken", lang),
         t("last_error", lang)],
        [[s.name, s.kind, t("yes", lang) if s.enabled else t("no", lang),
          time_label(s.last_success_at, context.zone, lang) if s.last_success_at else none,
          number(s.events_taken, lang), s.last_error or none] for s in sources],
        className="compact") if sources else html.P(none), len(sources)))
    permit(user, Action.read_quarantine)
    # list_quarantine reads the store's engine only; the dashboard holds no EventStore of its own
    entries = list_quarantine(SimpleNamespace(engine=context.engine), limit=QUARANTINE_SHOWN)
    # the refused event itself is left out: it may hold a citizen's identifier as sent
    sections.append(_section(t("quarantine", lang), table(
        ["#", t("received", lang), t("source", lang), t("col_case", lang), t("kind", lang), t("reason", lang),
         t("attempts", lang)],
        [[str(q["id"]), day_label(q["received_at"], context.zone, lang), q["source"] or q["origin"] or none,
          html.Span(q["case_id"] or none, className="mono"), q["type"] or none, q["reason"],
          number(q["attempts"], lang)] for q in entries],
        className="compact") if entries else html.P("✓ " + t("quarantine_empty", lang)), len(entries)))
    sections.append(html.P(t("admin_resubmit_hint", lang), className="muted"))
    return html.Div(sections)

