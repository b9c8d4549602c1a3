"""Team steering: the month's milestones per team and worker, charts, overdue list, drill-down."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import g
from plotly.utils import PlotlyJSONEncoder

from core.access import Action
from dashboard import ids
from dashboard.components.agreement_log import agreement_section, keep_agreements
from dashboard.components.cards import explained_label, figure_card, metric_value
from dashboard.components.charts import funnel_chart, readiness_bar, trend_chart
from dashboard.components.phases import phase_names, phase_section
from dashboard.components.quality import quality_section
from dashboard.components.status import norm_flag, trend_arrow
from dashboard.components.tables import scroll_area, table
from dashboard.context import DashboardContext
from dashboard.downloads import PACK_PATH
from dashboard.i18n import (
    figure,
    metric_label,
    month_label,
    number,
    readiness_label,
    role_label,
    shown,
    t,
    time_label,
)
from dashboard.inputs import clicked
from dashboard.scope import (
    audit_open,
    current_user,
    permit,
    scope_team,
    sees_exactly,
    visible_teams,
)
from dashboard.steering import CHARTS, OTHER_FIGURES, WORKER_COLUMNS
from metrics.calendar import add_months
from metrics.definitions import BY_NAME, TARGET_METRICS
from metrics.programme_service import ProgrammeService
from metrics.suppression import visible_points

FUNNEL_PROGRAMME = "mestring"


def month_options(context: DashboardContext, lang: str) -> list[dict]:
    return [{"label": month_label(m, lang), "value": m} for m in context.recent_months()]


def layout(context: DashboardContext, user, lang: str, query: dict):
    org = context.metrics.organisation()
    team_id = scope_team(user, org, query.get("team"))
    teams = visible_teams(user, org)
    month = query.get("month") if query.get("month") in context.recent_months() else context.current_month()
    body, as_of = figures_body(context, team_id, month, lang, exact=sees_exactly(user, org, team_id))
    return html.Div(
        [
            html.Div([html.H1(t("nav_team", lang)),
                      html.Span(as_of, id=ids.TEAM_AS_OF, className="as-of")],
                     className="page-head"),
            html.Div(
                [
                    html.Label([t("team", lang), dcc.Dropdown(
                        id=ids.TEAM_SELECT, value=team_id, clearable=False, searchable=False,
                        options=[{"label": context.directory.team_name(x), "value": x} for x in teams],
                        disabled=len(teams) < 2)], className="control"),
                    html.Label([t("month", lang), dcc.Dropdown(
                        id=ids.MONTH_SELECT, value=month, clearable=False, searchable=False,
                        options=month_options(context, lang))], className="control"),
                    html.P(t("drill_hint", lang), className="muted hint"),
                    html.A(t("download_pack", lang), id=ids.TEAM_PACK, className="button primary",
                           href=pack_href(team_id, month)),
                ],
                className="toolbar no-print",
            ),
            html.Section(
                [
                    html.Div([html.H2(id=ids.DRILL_TITLE),
                              html.Button(t("close", lang), id=ids.DRILL_CLOSE, className="button quiet no-print")],
                             className="drill-head"),
                    html.Div(id=ids.DRILL_BODY),
                ],
                id=ids.DRILL_PANEL, className="section drill", hidden=True,
            ),
            # the month's figures come with the page (first paint); the sections below follow
            # once they are drawn, and again after each push (see register)
            html.Div(body, id=ids.TEAM_BODY),
            dcc.Store(id=ids.TEAM_DRAWN, data=f"{team_id}:{month}"),
            html.Div(id=ids.TEAM_WORKERS),
            html.Div(id=ids.TEAM_MORE),
            dcc.Store(id=ids.TEAM_MORE_DIGEST),
            html.Section([html.H2(t("trend_12", lang)), html.Div(id=ids.TEAM_CHARTS, className="chart-grid")],
                         className="section"),
            dcc.Store(id=ids.TEAM_CHARTS_DIGEST),
            agreement_section(t("action_log", lang), lang, kind_id=ids.TEAM_ACTION_KIND, text_id=ids.TEAM_ACTION_TEXT,
                              add_id=ids.TEAM_ACTION_ADD, log_id=ids.TEAM_ACTION_LOG),
        ]
    )


def figures_body(context: DashboardContext, team_id: str, month: str, lang: str, *,
                 exact: bool) -> tuple[list, str]:
    """The closed month beside the live one, the month's milestones and the other figures: what
    the read model holds ready, so it is drawn with the page and first after each push. Returns
    them and the "as of" line; `exact`: the viewer sees the team's small counts of people."""
    metrics = context.metrics
    result = metrics.milestones(month, "team", team_id)
    row = result["rows"][0]
    previous = metrics.rows(add_months(month, -1), "team", team_id)[1][0]
    milestones = [
        figure_card(name, row[name], lang, team=team_id, target=row["targets"].get(name),
                    previous=previous[name], drill=name != "placement_share" and name != "cv_share",
                    text=shown(name, row[name], lang, row, exact=exact),
                    reported=name not in row.get("not_reported_yet", ()),
                    progress=row.get("month_progress", {}).get(name))
        for name in TARGET_METRICS
    ]
    others = [
        figure_card(name, row[name], lang, team=team_id, previous=previous[name], drill=True,
                    text=shown(name, row[name], lang, row, exact=exact))
        for name in OTHER_FIGURES
    ]
    return [
        _closed_box(_closed_month(context, month, team_id), context, lang) if month != context.current_month() else None,
        html.Section([html.H2(f"{t('milestones', lang)} – {context.directory.team_name(team_id)}, "
                              f"{month_label(month, lang)}"),
                      html.Div(milestones, className="cards")], className="section"),
        html.Section([html.H2(t("other_figures", lang)), html.Div(others, className="cards")], className="section"),
    ], f"{t('as_of', lang)} {time_label(result['as_of'], context.zone, lang)}"


def _digest(*parts) -> str:
    """What a section is drawn from, in short: equal digests, equal drawing."""
    text = json.dumps(parts, sort_keys=True, cls=PlotlyJSONEncoder)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _minute(context: DashboardContext) -> int:
    return int(context.metrics.clock().timestamp() // 60)


def _funnel(context: DashboardContext, current: str) -> dict:
    """The programme funnel of the last 12 months (every case of the programme is read): kept
    until a case of the programme changes, and for the minute (it is counted as known now)."""
    return context.metrics.recent_funnel(FUNNEL_PROGRAMME, add_months(current, -11), add_months(current, 1))


def _programme_sections(context: DashboardContext, team_id: str, current: str, lang: str):
    """The quality and phase sections (each reads every case of its programmes): kept until a
    programme case, or a case with a supervision (counted per worker whatever the programme),
    changes; and for the minute, since days in a phase grow with time. Returns (quality, phases,
    a digest of both)."""
    programmes = ProgrammeService(context.engine, context.zone, context.metrics.clock)
    names = {m["programme"] for m in programmes.list_models()}
    org = context.metrics.organisation()
    key = ("team-programmes", team_id, current, lang, _minute(context), repr(programmes.list_models()),
           hash((org.teams, tuple(sorted(org.workers.items(), key=str)))))

    def build():
        quality = quality_section(programmes, team_id, current, lang)
        phases = phase_section(programmes, team_id, current, lang)
        return quality, phases, _digest(quality, phases)

    return context.metrics.kept(key, build, lambda case: case.programme in names or bool(case.supervisions))


def pack_href(team_id: str, month: str) -> str:
    return f"{PACK_PATH}?{urlencode({'team': team_id, 'month': month})}"


def _closed_box(closed: dict | None, context: DashboardContext, lang: str):
    if closed is None:
        return None
    team_rows = [r for r in closed["rows"] if r["worker_id"] is None]
    changes = []
    for row in team_rows:
        for name, change in row["difference"].items():
            if name not in BY_NAME or isinstance(change, dict):
                continue
            changes.append([metric_label(name, lang), figure(name, row["frozen"].get(name), lang),
                            figure(name, row["live"].get(name), lang)])
    heading = (f"{t('closed_month', lang)}: {month_label(closed['month'], lang)} – {t('closed_at', lang)} "
               f"{time_label(closed['closed_at'], context.zone, lang)}")
    body = (table([t("metric", lang), t("frozen", lang), t("now_live", lang)], changes, className="compact")
            if changes else html.P(t("closed_same", lang), className="muted"))
    return html.Section([html.H2(heading), body], className="section closed-month")


def _closed_month(context: DashboardContext, month: str, team_id: str) -> dict | None:
    """The team's own close of the month, else the organisation-wide one narrowed to the team."""
    metrics = context.metrics
    closed = metrics.closed_month(month, team_id=team_id)
    if closed is None:
        closed = metrics.closed_month(month)
        if closed is not None:
            closed["rows"] = [r for r in closed["rows"] if r["team_id"] == team_id]
    return closed


def worker_table(context: DashboardContext, rows: list[dict], previous: dict[str, dict], norms: dict, lang: str,
                 *, exact: bool):
    name = context.directory.worker_name
    body = []
    for row in rows:
        worker = row["worker_id"]
        caseload = []
        for role, count in sorted(row["caseload"].items()):
            if not count:
                continue
            band = norms.get(role, {})
            caseload.append(html.Div([
                html.Span(f"{role_label(role, lang)}: ", className="muted"),
                metric_value("caseload", number(count, lang), worker=worker, className="cell-figure"),
                " ", norm_flag(count, band.get("low"), band.get("high"), lang) if band.get("high") else None,
            ], className="caseload-line", **{"data-role": role}))
        cells = [
            html.Div([
                dcc.Link(name(worker), href=f"/my-caseload?worker={worker}", className="worker-link"),
                html.Div(", ".join(role_label(r, lang) for r in context.directory.worker_roles(worker)),
                         className="muted small"),
            ]),
            caseload or "–",
        ]
        for field in WORKER_COLUMNS:
            before = previous.get(worker, {}).get(field)
            if field in row.get("not_reported_yet", ()):
                cells.append(html.Span(t("not_reported_yet", lang), className="muted small",
                                       **{"data-metric": field, "data-worker": worker, "data-reported": "false"}))
                continue
            cells.append(html.Span([metric_value(field, shown(field, row[field], lang, row, exact=exact), worker=worker,
                                                 className="cell-figure"),
                                    " ", trend_arrow(row[field], before, lang)]))
        cells.append(dcc.Link(t("nav_talk", lang), href=f"/talk?worker={worker}", className="button quiet small"))
        body.append(cells)
    headers = [t("worker", lang), explained_label("caseload", lang)] + [explained_label(f, lang) for f in WORKER_COLUMNS] + [""]
    return scroll_area(table(headers, body, className="workers"), t("per_worker", lang))


def overdue_table(context: DashboardContext, cases: list[dict], lang: str):
    if not cases:
        return html.P("✓ " + t("no_cases", lang), className="muted")
    name = context.directory.worker_name
    phases = phase_names(context, lang)
    rows = [[html.Span(c["case_id"], className="mono"),
             ", ".join(f"{name(w)} ({role_label(r, lang).lower()})" for r, w in c["holders"].items()),
             readiness_label(c["readiness"], lang), phases.get(c["phase"], c["phase"]) if c["phase"] else "–"]
            for c in cases]
    return table([t("col_case", lang), t("col_others", lang), t("col_readiness", lang), t("col_phase", lang)],
                 rows, className="compact")


def register(app, context: DashboardContext) -> None:
    def checked(team_id: str | None) -> str:
        user = current_user()
        permit(user, Action.view_team_steering)
        return scope_team(user, context.metrics.organisation(), team_id)

    def exact(team_id: str) -> bool:
        return sees_exactly(current_user(), context.metrics.organisation(), team_id)

    @app.callback(
        Output(ids.TEAM_BODY, "children"),
        Output(ids.TEAM_AS_OF, "children"),
        Output(ids.TEAM_DRAWN, "data"),
        Input(ids.LIVE_VERSION, "data"),
        Input(ids.TEAM_SELECT, "value"),
        Input(ids.MONTH_SELECT, "value"),
        prevent_initial_call=True,  # drawn with the page
    )
    def show_team(version, team_id, month):
        """The month's milestones and other figures: first after a push or a choice, alone, so
        that they change on screen before the slower sections are recomputed."""
        team_id = checked(team_id)
        lang = g.lang
        month = month or context.current_month()
        body, as_of = figures_body(context, team_id, month, lang, exact=exact(team_id))
        return body, as_of, f"{team_id}:{month}:{version}"

    @app.callback(
        Output(ids.TEAM_WORKERS, "children"),
        Input(ids.TEAM_DRAWN, "data"),
        State(ids.TEAM_SELECT, "value"),
        State(ids.MONTH_SELECT, "value"),
    )
    def show_workers(_drawn, team_id, month):
        team_id = checked(team_id)
        lang = g.lang
        metrics = context.metrics
        month = month or context.current_month()
        workers = list(metrics.milestones(month, "worker", team_id)["rows"])
        workers.sort(key=lambda r: context.directory.worker_name(r["worker_id"]))
        previous_workers = {r["worker_id"]: r for r in metrics.rows(add_months(month, -1), "worker", team_id)[1]}
        norms = {band["role"]: band for band in metrics.get_norms()}
        return html.Section([html.H2(t("per_worker", lang)), worker_table(context, workers, previous_workers, norms,
                                                                           lang, exact=exact(team_id))], className="section")

    def after_figures(section_id: str, digest_id: str):
        """A section drawn once the figures are, for the team and month chosen, and sent again
        only when its digest (what it is drawn from) differs from the one on screen."""
        return app.callback(Output(section_id, "children"), Output(digest_id, "data"), Input(ids.TEAM_DRAWN, "data"),
                            State(ids.TEAM_SELECT, "value"), State(ids.MONTH_SELECT, "value"),
                            State(digest_id, "data"))

    @after_figures(ids.TEAM_MORE, ids.TEAM_MORE_DIGEST)
    def show_more(_drawn, team_id, month, drawn_from):
        """Quality, phases, overdue follow-ups, readiness and funnel; redrawn only when they differ."""
        team_id = checked(team_id)
        lang = g.lang
        metrics = context.metrics
        month = month or context.current_month()
        current = context.current_month()
        row = metrics.milestones(month, "team", team_id)["rows"][0]
        overdue = metrics.milestone_cases(month, "follow_up_overdue", team_id=team_id)["cases"]
        funnel = next((r for r in _funnel(context, current)["rows"] if r["team_id"] == team_id), None)
        programmes = _programme_sections(context, team_id, current, lang)
        digest = _digest(team_id, programmes[2], overdue, row["readiness"], funnel, lang)
        if digest == drawn_from:
            return no_update, no_update
        if (drawn := context.drawn.get(digest)) is not None:
            return drawn, digest
        body = context.drawn.put(digest, [
            programmes[0],
            programmes[1],
            html.Div([
                html.Section([html.H2([t("overdue_list", lang), " ",
                                       metric_value("follow_up_overdue", number(len(overdue), lang), team=team_id,
                                                    className="count-badge")]),
                              overdue_table(context, overdue, lang)], className="section"),
                html.Section([html.H2(t("readiness_mix", lang)), readiness_bar(row["readiness"], lang),
                              html.H2(t("funnel", lang)),
                              funnel_chart(funnel, lang) if funnel else html.P("–")], className="section"),
            ], className="two-columns"),
        ])
        return body, digest

    @after_figures(ids.TEAM_CHARTS, ids.TEAM_CHARTS_DIGEST)
    def show_charts(_drawn, team_id, month, drawn_from):
        """The 12-month trends; the charts are redrawn only when a point or target moved."""
        team_id = checked(team_id)
        lang = g.lang
        last = month or context.current_month()
        first = add_months(last, -11)
        seen_exactly = exact(team_id)
        trends = [context.metrics.trend(metric, first, last, team_id=team_id) for metric in CHARTS]
        trends = [{**trend, "points": visible_points(metric, trend["points"], exact=seen_exactly)}
                  for metric, trend in zip(CHARTS, trends, strict=True)]
        digest = _digest(team_id, [trend["points"] for trend in trends], lang)
        if digest == drawn_from:
            return no_update, no_update
        charts = []
        for metric, trend in zip(CHARTS, trends, strict=True):
            # each chart by what it is drawn from: a push that moves one trend builds one chart
            key = _digest(team_id, metric, trend["points"], lang)
            chart = context.drawn.get(key)
            if chart is None:
                chart = context.drawn.put(key, html.Div([html.H3(metric_label(metric, lang)),
                                                         trend_chart(trend["points"], metric, lang)],
                                                        className="card chart-card"))
            charts.append(chart)
        return charts, digest

    @app.callback(
        Output(ids.DRILL_PANEL, "hidden"),
        Output(ids.DRILL_TITLE, "children"),
        Output(ids.DRILL_BODY, "children"),
        Input({"type": ids.DRILL, "field": ALL}, "n_clicks"),
        Input(ids.DRILL_CLOSE, "n_clicks"),
        State(ids.TEAM_SELECT, "value"),
        State(ids.MONTH_SELECT, "value"),
        prevent_initial_call=True,
    )
    def drill(_clicks, _close, team_id, month):
        team_id = checked(team_id)
        permit(current_user(), Action.read_case_lists)
        trigger = ctx.triggered_id
        if trigger == ids.DRILL_CLOSE:
            return True, None, None
        # the cards are drawn anew on every live update, which fires this without a click:
        # nothing opened, nothing recorded
        if not isinstance(trigger, dict) or not clicked():
            raise PreventUpdate
        audit_open(context, current_user(), "open_case_list", team_id=team_id, always=True)
        lang = g.lang
        field = trigger["field"]
        month = month or context.current_month()
        result = context.metrics.milestone_cases(month, field, team_id=team_id)
        title = (f"{t('cases_behind', lang)} \u201c{metric_label(field, lang)}\u201d, "
                 f"{month_label(month, lang)} ({number(result['count'], lang)})")
        return False, title, overdue_table(context, result["cases"], lang)

    @app.callback(Output(ids.TEAM_PACK, "href"), Input(ids.TEAM_SELECT, "value"), Input(ids.MONTH_SELECT, "value"))
    def pack_link(team_id, month):
        return pack_href(checked(team_id), month or context.current_month())

    @app.callback(
        Output(ids.TEAM_ACTION_LOG, "children"),
        Output(ids.TEAM_ACTION_TEXT, "value"),
        Input(ids.TEAM_SELECT, "value"),
        Input(ids.TEAM_ACTION_ADD, "n_clicks"),
        Input({"type": ids.TEAM_ACTION_DONE, "id": ALL}, "n_clicks"),
        State(ids.MONTH_SELECT, "value"),
        State(ids.TEAM_ACTION_KIND, "value"),
        State(ids.TEAM_ACTION_TEXT, "value"),
    )
    def keep_action_log(team_id, _add, _done, month, kind, text):
        """The steering meeting's actions: recorded for the month on screen, shown in the next packs."""
        return keep_agreements(context, g.lang, add_id=ids.TEAM_ACTION_ADD, done_type=ids.TEAM_ACTION_DONE,
                               team_id=checked(team_id), worker_id=None, month=month or context.current_month(),
                               kind=kind, text=text, created_by=current_user().username)
