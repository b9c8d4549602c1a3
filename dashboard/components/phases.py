"""The team steering view's phases: cases per phase against plan, cases past plan, and the
phase-to-phase flow of the last three months as a Sankey chart, and how a cohort completes."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html

from core.messages import N_
from dashboard.components.charts import graph
from dashboard.components.tables import scroll_area, table
from dashboard.context import DashboardContext
from dashboard.i18n import days, month_label, number, t
from metrics.calendar import add_months
from metrics.programme_service import ProgrammeService
from metrics.programmes import CLOSED_NODE, START

MAX_ATTENTION = 15


# the headings of this section by their part, keys in the message catalogue
LABELS = {
    "phases": N_("phase_section_title"), "phase": N_("phase_column"), "cases": N_("phase_cases"),
    "planned_days": N_("phase_planned_days"), "median_days": N_("phase_median_days"),
    "past_plan": N_("phase_past_plan"), "attention": N_("phase_attention"),
    "days_in_phase": N_("phase_days_in_phase"), "days_over": N_("phase_days_over"), "flow": N_("phase_flow"),
    "case": N_("phase_case"), "completion": N_("phase_completion"), "completed": N_("phase_completed"),
    "closed_otherwise": N_("phase_closed_otherwise"), "active": N_("phase_active"),
}


def label(part: str, lang: str) -> str:
    return t(LABELS[part], lang)


def _phase_name(names: dict, phase: str, lang: str) -> str:
    return (names or {}).get(lang) or (names or {}).get("en") or phase


def phase_names(context: DashboardContext, lang: str) -> dict[str, str]:
    """Every programme's phase ids named in `lang`, for tables that show a case's phase; an id
    two programmes share takes the first programme's name."""
    programmes = ProgrammeService(context.engine, context.zone, context.metrics.clock, model=context.metrics.model)
    names: dict[str, str] = {}
    for model in programmes.list_models():
        for phase in model["phases"]:
            names.setdefault(phase["id"], _phase_name(phase["names"], phase["id"], lang))
    return names


def node_label(node: str, names: dict[str, str], lang: str) -> str:
    """A flow node in the page's language: a phase by its name, the start, or how a case closed."""
    if node == START:
        return t("phase_flow_start", lang)
    if node.startswith(CLOSED_NODE):
        reason = t(f"close_{node.removeprefix(CLOSED_NODE)}", lang)
        return t("phase_flow_closed", lang).format(reason=reason)
    return names.get(node, node)


def flow_chart(links: list[dict], names: dict[str, str], lang: str):
    """A Sankey of phase-to-phase moves; nodes named in the page's language."""
    nodes: list[str] = []
    for link in links:
        for end in (link["source"], link["target"]):
            if end not in nodes:
                nodes.append(end)
    fig = go.Figure(go.Sankey(
        node={"label": [node_label(n, names, lang) for n in nodes], "pad": 14, "thickness": 14},
        link={"source": [nodes.index(link["source"]) for link in links],
              "target": [nodes.index(link["target"]) for link in links],
              "value": [link["cases"] for link in links]},
    ))
    fig.update_layout(height=280, margin={"l": 8, "r": 8, "t": 8, "b": 8}, font={"size": 12})
    return graph(fig, 280)


def completion_chart(points: list[dict], lang: str):
    """The cohort month by month: completed, closed otherwise and still active, stacked."""
    months = [month_label(p["month"], lang, short=True) for p in points]
    fig = go.Figure([
        go.Bar(name=label(key, lang), x=months, y=[p[key] for p in points], marker_color=colour)
        for key, colour in (("completed", "#1b7837"), ("closed_otherwise", "#b2abd2"), ("active", "#cccccc"))
    ])
    fig.update_xaxes(type="category")  # Babel's month names as they are, never re-read as dates
    fig.update_layout(barmode="stack", height=240, margin={"l": 8, "r": 8, "t": 8, "b": 8},
                      font={"size": 12}, legend={"orientation": "h", "y": -0.25})
    return graph(fig, 240)


def phase_section(programmes: ProgrammeService, team_id: str, current_month: str, lang: str):
    """One block per programme with active cases of the team in a phase; None when none."""
    blocks = []
    for model in programmes.list_models():
        programme = model["programme"]
        overview = programmes.phases(programme, team_id=team_id)
        if not any(row["cases"] for row in overview["phases"]):
            continue
        names = {p["id"]: _phase_name(p["names"], p["id"], lang) for p in model["phases"]}
        rows = [
            [names.get(r["phase"], r["phase"]), number(r["cases"], lang),
             number(r["planned_days"], lang) if r["planned_days"] is not None else "–",
             days(r["median_days_in_phase"], lang) if r["median_days_in_phase"] is not None else "–",
             number(r["past_plan"], lang)]
            for r in overview["phases"]
        ]
        headers = [label(k, lang) for k in ("phase", "cases", "planned_days", "median_days", "past_plan")]
        attention = [
            [r["case_id"], names.get(r["phase"], r["phase"]), days(r["days_in_phase"], lang),
             days(r["days_over"], lang)]
            for r in overview["needs_attention"][:MAX_ATTENTION]
        ]
        flow = programmes.flow(programme, add_months(current_month, -2), current_month, team_id=team_id)
        cohort = programmes.cohort_completion(
            programme, add_months(current_month, -11), add_months(current_month, -9), team_id=team_id
        )
        blocks.append(html.Div([
            html.H3(_phase_name(model["names"], programme, lang)),
            scroll_area(table(headers, rows, className="phase-table"), label("phases", lang)),
            html.H3(label("attention", lang)) if attention else None,
            scroll_area(table([label(k, lang) for k in ("case", "phase", "days_in_phase", "days_over")], attention,
                              className="attention-table"), label("attention", lang)) if attention else None,
            html.H3(label("flow", lang)) if flow["links"] else None,
            flow_chart(flow["links"], names, lang) if flow["links"] else None,
            html.H3(label("completion", lang)) if cohort["cohort"] else None,
            completion_chart(cohort["points"], lang) if cohort["cohort"] else None,
        ], className="programme-phases", **{"data-programme": programme}))
    if not blocks:
        return None
    return html.Section([html.H2(label("phases", lang)), *blocks], className="section", id="programme-phases")
