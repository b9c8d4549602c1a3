"""Caseload talk: the monthly one-to-one of a team lead and a worker, with notes and actions kept."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import ALL, Input, Output, State, dcc, html
from flask import g

from core.access import Action
from dashboard import ids
from dashboard.components.agreement_log import agreement_section, keep_agreements
from dashboard.components.cards import figure_card, metric_value
from dashboard.components.phases import phase_names
from dashboard.components.status import norm_flag
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.downloads import TALK_PATH
from dashboard.i18n import (
    day_label,
    figure,
    month_label,
    number,
    readiness_label,
    role_label,
    shown,
    t,
)
from dashboard.scope import audit_open, current_user, permit, scope_team, scope_worker, sees_exactly
from dashboard.steering import READINESS_SHOWN, TALK_FIGURES, talk_caseload


def layout(context: DashboardContext, user, lang: str, query: dict):
    org = context.metrics.organisation()
    team_id = scope_team(user, org, query.get("team") or org.workers.get(query.get("worker") or ""))
    workers = context.directory.workers_of(team_id)
    worker_id = query.get("worker") or (workers[0] if workers else None)
    worker_id = scope_worker(user, org, worker_id)
    return html.Div(
        [
            html.Div([html.H1(t("nav_talk", lang)),
                      html.Div([
                          html.A(t("download_talk", lang), id=ids.TALK_PDF, className="button quiet no-print",
                                 href=f"{TALK_PATH}?{urlencode({'worker': worker_id})}"),
                          html.Button(t("print", lang), className="button quiet no-print", id="print-talk",
                                      **{"data-print": "true"})], className="page-actions")],
                     className="page-head"),
            html.Div([html.Label([t("worker", lang), dcc.Dropdown(
                id=ids.TALK_WORKER, value=worker_id, clearable=False,
                options=[{"label": context.directory.worker_name(w), "value": w} for w in workers])],
                className="control control-wide")], className="toolbar no-print"),
            html.Div(id=ids.TALK_BODY),
            agreement_section(t("notes_actions", lang), lang, kind_id=ids.TALK_KIND, text_id=ids.TALK_TEXT,
                              add_id=ids.TALK_ADD, log_id=ids.TALK_LOG),
        ]
    )


def register(app, context: DashboardContext) -> None:
    def checked(worker_id: str | None) -> tuple[str, str]:
        user = current_user()
        permit(user, Action.hold_caseload_talk)
        org = context.metrics.organisation()
        worker_id = scope_worker(user, org, worker_id)
        audit_open(context, user, "open_caseload_talk", worker_id=worker_id)
        return worker_id, org.workers.get(worker_id) or ""

    @app.callback(
        Output(ids.TALK_BODY, "children"),
        Input(ids.LIVE_VERSION, "data"),
        Input(ids.TALK_WORKER, "value"),
    )
    def show_talk(_version, worker_id):
        worker_id, team_id = checked(worker_id)
        lang = g.lang
        metrics = context.metrics
        month = context.current_month()
        board = metrics.board(worker_id)
        months, history, roles = talk_caseload(metrics, worker_id, month)
        norms = {band["role"]: band for band in metrics.get_norms()}
        caseload_rows = [
            [role_label(role, lang)]
            + [number((p["value"] or {}).get(role, 0), lang) for p in history]
            + [norm_flag((history[-1]["value"] or {}).get(role, 0), norms.get(role, {}).get("low"),
                         norms.get(role, {}).get("high"), lang)]
            for role in roles
        ]
        worker_row = next((r for r in metrics.rows(month, "worker")[1] if r["worker_id"] == worker_id), None)
        team_row = metrics.milestones(month, "team", team_id)["rows"][0] if team_id else None
        exact = sees_exactly(current_user(), metrics.organisation(), team_id)
        cards = []
        clock = metrics.month_clock(month)
        for name in TALK_FIGURES:
            target = (team_row or {}).get("targets", {}).get(name)
            if not clock.reported(name):
                cards.append(figure_card(name, None, lang, worker=worker_id, reported=False))
                continue
            footer = html.Div(
                f"{t('team_figure', lang)}: {shown(name, team_row[name], lang, team_row, exact=exact)}"
                + (f" · {t('team_target', lang).lower()} {figure(name, target['target'], lang)}" if target else ""),
                className="figure-footer") if team_row else None
            cards.append(figure_card(name, worker_row[name] if worker_row else None, lang, worker=worker_id,
                                     footer=footer, text=shown(name, worker_row[name], lang, worker_row, exact=exact)
                                     if worker_row else None))
        by_level = {level: [c for c in board["cases"] if c["readiness"] == level]
                    for level in READINESS_SHOWN}
        readiness_cards = [
            html.Div([html.Div(readiness_label(level, lang), className="figure-label"),
                      html.Div(metric_value(f"readiness.{level}", number(len(cases), lang), worker=worker_id),
                               className="figure-number")], className=f"card figure-card readiness-card-{level}")
            for level, cases in by_level.items()
        ]
        overdue = [c for c in board["cases"] if c["overdue"]]
        phases = phase_names(context, lang)
        overdue_rows = [[html.Span(c["citizen"] or "–", className="mono"), phases.get(c["phase"], c["phase"]) if c["phase"] else "–",
                         (c["placement"] or {}).get("employer") or "–",
                         day_label(c["follow_up_due"], context.zone, lang)] for c in overdue]
        return [
            html.H2(f"{t('talk_heading', lang)} {context.directory.worker_name(worker_id)} – {month_label(month, lang)}",
                    className="talk-title"),
            html.Section([html.H2(t("talk_caseload_months", lang)),
                          table([t("role", lang)] + [month_label(m, lang, short=True) for m in months] + [t("norm", lang)],
                                caseload_rows, className="compact")], className="section"),
            html.Section([html.H2(f"{context.directory.worker_name(worker_id)}: {month_label(month, lang)}"),
                          html.Div(cards, className="cards")], className="section"),
            html.Div([
                html.Section([html.H2(t("by_readiness", lang)), html.Div(readiness_cards, className="cards")],
                             className="section"),
                html.Section([html.H2([t("overdue_list", lang), f" ({len(overdue)})"]),
                              table([t("col_citizen", lang), t("col_phase", lang), t("col_placement", lang),
                                     t("col_follow_up", lang)], overdue_rows, className="compact")
                              if overdue else html.P("✓ " + t("no_cases", lang), className="muted")],
                             className="section"),
            ], className="two-columns"),
        ]

    @app.callback(
        Output(ids.TALK_LOG, "children"),
        Output(ids.TALK_TEXT, "value"),
        Input(ids.TALK_WORKER, "value"),
        Input(ids.TALK_ADD, "n_clicks"),
        Input({"type": ids.TALK_DONE, "id": ALL}, "n_clicks"),
        State(ids.TALK_KIND, "value"),
        State(ids.TALK_TEXT, "value"),
    )
    def keep_log(worker_id, _add, _done, kind, text):
        worker_id, team_id = checked(worker_id)
        return keep_agreements(context, g.lang, add_id=ids.TALK_ADD, done_type=ids.TALK_DONE, team_id=team_id,
                               worker_id=worker_id, month=context.current_month(), kind=kind, text=text,
                               created_by=current_user().username)

    @app.callback(Output(ids.TALK_PDF, "href"), Input(ids.TALK_WORKER, "value"))
    def talk_pdf(worker_id):
        worker_id, _team_id = checked(worker_id)
        return f"{TALK_PATH}?{urlencode({'worker': worker_id})}"
