"""Plotly charts in the dashboard's calm style: trends with target lines, mixes, funnels, spreads."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc

from core.outputs import chart_text
from dashboard.i18n import locale, metric_label, month_label, readiness_label, role_label, t
from dashboard.steering import READINESS_SHOWN
from metrics.definitions import BY_NAME

INK = "#1f2933"
MUTED = "#7b8794"
BLUE = "#2b6cb0"
TEAM_COLOURS = ("#2b6cb0", "#d97706", "#0f766e", "#9d174d", "#4c1d95", "#65a30d", "#be123c", "#0369a1")
# Readiness from dark (ready) to light, so it reads in greyscale print too.
READINESS_COLOURS = {"ready": "#0f766e", "close": "#5fa8a0", "far": "#b8d8d4", "unknown": "#d9dee3"}
CONFIG = {"displayModeBar": False, "responsive": True}


# keys whose strings Plotly draws through its HTML subset: trace and legend names, categories and
# their tick texts, bar and hover texts, Sankey and pie labels, titles and annotations
TEXT_KEYS = frozenset({"name", "x", "y", "text", "hovertext", "labels", "label", "ticktext", "title",
                       "annotation_text", "legendgrouptitle", "parents", "ids"})


def _plain(value, key: str | None = None):
    if isinstance(value, dict):
        return {k: _plain(v, k if k in TEXT_KEYS or k == "text" else None) if k != "hovertemplate" else v
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, key) for v in value]
    if key is not None and isinstance(value, str):
        return chart_text(value)
    return value


def plain_figure(fig: go.Figure) -> dict:
    """The figure as a plain dict with every text from data escaped (`core.outputs.chart_text`):
    a team called `<a href=…>` is drawn as those characters, not as a link."""
    data = fig.to_plotly_json()
    return {"data": [_plain(trace) for trace in data.get("data", [])],
            "layout": _plain(data.get("layout", {}))}


def graph(fig: go.Figure, height: int | None = None, **kwargs):
    """The one way a figure reaches the page: its texts escaped, its height its own (a responsive
    graph otherwise stretches to 450 px)."""
    height = height or fig.layout.height
    return dcc.Graph(figure=plain_figure(fig), config=CONFIG, className="chart",
                     style={"height": f"{height}px"}, **kwargs)


_graph = graph


def _layout(fig: go.Figure, lang: str, height: int = 260, share: bool = False) -> go.Figure:
    fig.update_layout(
        template="simple_white",
        height=height,
        margin={"l": 48, "r": 12, "t": 28, "b": 36},
        font={"family": "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", "size": 13, "color": INK},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        separators=",." if locale(lang).startswith(("da", "de")) else ".,",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode="x unified",
    )
    fig.update_yaxes(gridcolor="#eef1f4", showgrid=True, zeroline=False, tickformat=".0%" if share else None,
                     rangemode="tozero")
    return fig


def trend_chart(points: list[dict], metric: str, lang: str, *, graph_id=None, height: int = 260):
    """Monthly values as bars (flows) or a line (stocks), with the target as a dashed line."""
    months = [month_label(p["month"], lang, short=True) for p in points]
    # a month not reported yet is a gap with its label, never a dip to 0
    pending = [p["value"] is not None and p.get("reported", True) is False for p in points]
    values = [None if gap else p["value"] for p, gap in zip(points, pending, strict=True)]
    targets = [p.get("target") for p in points]
    fig = go.Figure()
    definition = BY_NAME[metric]
    if definition.kind == "flow":
        fig.add_bar(x=months, y=values, name=metric_label(metric, lang), marker_color=BLUE)
    else:
        fig.add_scatter(x=months, y=values, name=metric_label(metric, lang), mode="lines+markers",
                        line={"color": BLUE, "width": 3})
    for month, gap in zip(months, pending, strict=True):
        if gap:
            fig.add_annotation(x=month, y=0, yref="y", text=t("not_reported_yet", lang), textangle=-90,
                               showarrow=False, yanchor="bottom", font={"size": 11, "color": MUTED})
    if any(v is not None for v in targets):
        fig.add_scatter(x=months, y=targets, name=t("target", lang), mode="lines",
                        line={"color": INK, "dash": "dash", "width": 2}, line_shape="hv")
    _layout(fig, lang, height, share=definition.value == "share")
    fig.update_xaxes(type="category")  # Babel's month names as they are, never re-read as dates
    return _graph(fig, **({"id": graph_id} if graph_id else {}))


def readiness_bar(readiness: dict[str, int], lang: str):
    """The team's active cases by readiness as one stacked bar (ready → unknown)."""
    fig = go.Figure()
    for level in READINESS_SHOWN:
        count = readiness.get(level, 0)
        fig.add_bar(y=[""], x=[count], name=readiness_label(level, lang), orientation="h",
                    marker_color=READINESS_COLOURS[level], text=[count], textposition="inside",
                    insidetextanchor="middle")
    fig.update_layout(barmode="stack", showlegend=True)
    _layout(fig, lang, 140)
    fig.update_layout(margin={"l": 8, "r": 8, "t": 30, "b": 8}, hovermode="closest",
                      legend={"x": 0, "xanchor": "left", "traceorder": "normal"})
    fig.update_xaxes(visible=False)
    return _graph(fig)


def funnel_chart(row: dict, lang: str):
    stages = [t("referred", lang), t("started", lang), t("completed", lang)]
    values = [row.get("referred", 0), row.get("started", 0), row.get("completed", 0)]
    fig = go.Figure(go.Funnel(y=stages, x=values, marker={"color": [BLUE, "#5b8fc7", "#9dbde0"]},
                              textinfo="value+percent initial"))
    _layout(fig, lang, 220)
    fig.update_layout(hovermode="closest", margin={"l": 90, "r": 12, "t": 8, "b": 8})
    return _graph(fig)


def caseload_spread(points: list[tuple[str, str, int]], norms: dict, lang: str, team_names: dict[str, str]):
    """One dot per worker and role, by team, over the role's norm band (shaded)."""
    fig = go.Figure()
    roles = [r for r in ("caseworker", "company_consultant") if any(p[1] == r for p in points)]
    for i, role in enumerate(roles):
        xs = [team_names.get(p[0], p[0]) for p in points if p[1] == role]
        ys = [p[2] for p in points if p[1] == role]
        fig.add_scatter(x=xs, y=ys, mode="markers", name=role_label(role, lang),
                        marker={"size": 11, "color": TEAM_COLOURS[i], "symbol": ("circle", "diamond")[i % 2],
                                "line": {"width": 1, "color": "white"}},
                        offsetgroup=role)
        band = norms.get(role)
        if band is not None and band.high is not None:
            fig.add_hrect(y0=band.low or 0, y1=band.high, fillcolor=TEAM_COLOURS[i], opacity=0.08, line_width=0,
                          annotation_text=f"{t('norm', lang)} {role_label(role, lang).lower()} {band.low}–{band.high}",
                          annotation_position="top left", annotation_font_size=11)
    fig.update_layout(scattermode="group")
    _layout(fig, lang, 320)
    fig.update_layout(hovermode="closest")
    return _graph(fig)


def team_lines(series: dict[str, list[dict]], metric: str, lang: str, team_names: dict[str, str],
               not_reported: tuple[str, ...] = ()):
    """One line per team over the chosen months; a month in `not_reported` is a labelled gap."""
    fig = go.Figure()
    for i, (team, points) in enumerate(series.items()):
        fig.add_scatter(x=[month_label(p["month"], lang, short=True) for p in points],
                        y=[p["value"] for p in points], name=team_names.get(team, team), mode="lines+markers",
                        line={"color": TEAM_COLOURS[i % len(TEAM_COLOURS)], "width": 2})
    for month in not_reported:
        fig.add_annotation(x=month_label(month, lang, short=True), y=0, text=t("not_reported_yet", lang),
                           textangle=-90, showarrow=False, yanchor="bottom", font={"size": 11, "color": MUTED})
    _layout(fig, lang, 300, share=BY_NAME[metric].value == "share")
    fig.update_xaxes(type="category")  # Babel's month names as they are, never re-read as dates
    return _graph(fig)
