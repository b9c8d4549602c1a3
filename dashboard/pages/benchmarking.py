"""Benchmarking for managers: teams side by side, a ranked scoreboard, caseload spread, a range of months."""

from __future__ import annotations

from dash import Input, Output, dcc, html
from flask import g

from core.access import Action
from dashboard import ids
from dashboard.components.cards import explained_label
from dashboard.components.charts import caseload_spread, team_lines
from dashboard.components.reference import reference_section
from dashboard.components.status import status_badge, trend_arrow
from dashboard.components.tables import scroll_area, table
from dashboard.context import DashboardContext
from dashboard.i18n import figure, metric_label, month_label, shown, t, time_label
from dashboard.scope import current_user, permit
from metrics.calendar import add_months, months_between
from metrics.definitions import BY_NAME, SCALAR_METRICS
from metrics.norms import NormBand
from metrics.suppression import hidden

DEFAULT_METRIC = "placement_starts"
MAX_MONTHS = 24


def layout(context: DashboardContext, user, lang: str, query: dict):
    months = context.recent_months(25)
    options = [{"label": month_label(m, lang), "value": m} for m in months]
    return html.Div(
        [
            html.Div([html.H1(t("nav_benchmarking", lang)), html.Span(id=ids.BENCH_AS_OF, className="as-of")],
                     className="page-head"),
            html.Div(
                [
                    html.Label([t("from_month", lang), dcc.Dropdown(
                        id=ids.BENCH_FROM, value=months[6], options=options, clearable=False)], className="control"),
                    # the last whole month first: a month just begun would rank every team "behind"
                    html.Label([t("to_month", lang), dcc.Dropdown(
                        id=ids.BENCH_TO, value=months[1], options=options, clearable=False)], className="control"),
                    html.Label([t("metric", lang), dcc.Dropdown(
                        id=ids.BENCH_METRIC, value=DEFAULT_METRIC, clearable=False,
                        options=[{"label": metric_label(m, lang), "value": m} for m in SCALAR_METRICS])],
                        className="control control-wide"),
                    html.P(t("small_group_note", lang), className="muted hint"),
                ],
                className="toolbar no-print",
            ),
            html.Div(id=ids.BENCH_BODY),
        ]
    )


def _team_names(context: DashboardContext, rows: list[dict], known: set[str], lang: str) -> dict[str, str]:
    """Each row's team by name; a team_id that cases name but the organisation data does not
    (metrics.md shows their cases under it) is named as such, never passed off as a team."""
    name = context.directory.team_name
    return {r["team_id"]: name(r["team_id"]) if r["team_id"] in known
            else t("unknown_team", lang).format(team_id=r["team_id"]) for r in rows}


def _rank(rows: list[dict], metric: str) -> list[dict]:
    higher = BY_NAME[metric].higher_is_better is not False
    known = [r for r in rows if r[metric] is not None]
    known.sort(key=lambda r: r[metric], reverse=higher)
    return known + [r for r in rows if r[metric] is None]


def register(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.BENCH_BODY, "children"),
        Output(ids.BENCH_AS_OF, "children"),
        Input(ids.LIVE_VERSION, "data"),
        Input(ids.BENCH_FROM, "value"),
        Input(ids.BENCH_TO, "value"),
        Input(ids.BENCH_METRIC, "value"),
    )
    def show_benchmarking(_version, first, last, metric):
        permit(current_user(), Action.view_benchmarking)
        lang = g.lang
        metrics = context.metrics
        if metric not in SCALAR_METRICS:
            metric = DEFAULT_METRIC
        last = last or add_months(context.current_month(), -1)
        first = first or add_months(last, -5)
        if first > last:
            first, last = last, first
        months = months_between(first, last)[-MAX_MONTHS:]
        first = months[0]
        result = metrics.milestones(last, "team")
        known = set(metrics.organisation().teams)
        # the teams of the organisation data first and ranked; cases of an unknown team after
        # them, in a group of their own (docs/metrics.md, "Cases of an unknown team")
        rows = [r for r in result["rows"] if r["team_id"] in known] + \
            [r for r in result["rows"] if r["team_id"] not in known]
        previous = {r["team_id"]: r for r in metrics.rows(add_months(last, -1), "team")[1]}
        team_names = _team_names(context, rows, known, lang)

        scoreboard = []
        ranked = _rank([r for r in rows if r["team_id"] in known], metric)
        for rank, row in [*enumerate(ranked, start=1), *(("–", r) for r in rows if r["team_id"] not in known)]:
            team = row["team_id"]
            target = row["targets"].get(metric)
            scoreboard.append([
                rank,
                html.Strong(team_names[team], className=None if team in known else "unknown-team"),
                html.Span(shown(metric, row[metric], lang, row), className="cell-figure",
                          **{"data-metric": metric, "data-team": team}),
                trend_arrow(row[metric], previous.get(team, {}).get(metric), lang),
                figure(metric, target["target"], lang) if target else "–",
                status_badge((target or {}).get("status"), lang,
                             reported=metric not in row.get("not_reported_yet", ())),
            ])
        side_rows = []
        for name_ in SCALAR_METRICS:
            side_rows.append([explained_label(name_, lang)] + [
                html.Span(shown(name_, row[name_], lang, row), className="cell-figure",
                          **{"data-metric": name_, "data-team": row["team_id"]})
                for row in rows
            ])
        # benchmarking is for managers and admins, who have no team of their own: never exact
        # (metrics/suppression.py); the chart leaves out what the tables show as "<5"
        by_month = {month: {r["team_id"]: r for r in metrics.rows(month, "team")[1]} for month in months}
        # a month whose figure is not reported yet is a gap, never a dip to 0
        reported = {month: metrics.month_clock(month).reported(metric) for month in months}
        series = {
            team: [{"month": month,
                    "value": None if hidden(metric, value, row, exact=False) or not reported[month] else value}
                   for month in months
                   for row in [by_month[month].get(team, {})] for value in [row.get(metric)]]
            for team in team_names
        }
        norm_bands = {b["role"]: NormBand(b["role"], b["low"], b["high"]) for b in metrics.get_norms()}
        spread = [
            (r["team_id"], role, count)
            for r in metrics.rows(last, "worker")[1]
            if r["team_id"] in team_names
            for role, count in (r["caseload"] or {}).items()
            if count and role in ("caseworker", "company_consultant")
        ]
        body = [
            html.Div([
                html.Section([
                    html.H2(f"{t('scoreboard', lang)}: {metric_label(metric, lang)}, {month_label(last, lang)}"),
                    table([t("rank", lang), t("team", lang), explained_label(metric, lang), "", t("target", lang),
                           t("status", lang)], scoreboard, className="scoreboard"),
                ], className="section"),
                html.Section([
                    html.H2(f"{metric_label(metric, lang)} {t('over_months', lang)}: "
                            f"{month_label(first, lang)} – {month_label(last, lang)}"),
                    team_lines(series, metric, lang, team_names,
                               tuple(month for month in months if not reported[month])),
                ], className="section"),
            ], className="two-columns"),
            reference_section(context.engine, metric, last, rows, team_names, lang),
            html.Section([
                html.H2(f"{t('side_by_side', lang)}, {month_label(last, lang)}"),
                scroll_area(table([t("metric", lang)] + [team_names[r["team_id"]] for r in rows], side_rows,
                                  className="side-by-side"), t("side_by_side", lang)),
            ], className="section"),
            html.Section([
                html.H2(f"{t('caseload_spread', lang)}, {month_label(last, lang)}"),
                caseload_spread(spread, norm_bands, lang, team_names),
            ], className="section"),
        ]
        return body, f"{t('as_of', lang)} {time_label(result['as_of'], context.zone, lang)}"
