"""My caseload: the worker's case board with filters, caseload against norms, own monthly figures."""

from __future__ import annotations

from dash import Input, Output, State, dcc, html
from flask import g

from core.access import Action, Role
from core.contract import ROLES
from dashboard import ids
from dashboard.components.cards import figure_card, metric_value
from dashboard.components.phases import phase_names
from dashboard.components.status import norm_flag
from dashboard.components.tables import scroll_area, table
from dashboard.context import DashboardContext
from dashboard.i18n import (
    day_label,
    figure,
    month_label,
    nt,
    number,
    readiness_label,
    role_label,
    shown,
    t,
    time_label,
)
from dashboard.pages.recording_form import (
    last_entry_on_board,
    recording_section,
    register_recording,
)
from dashboard.pages.sheet_form import register_sheet, sheet_section
from dashboard.scope import audit_open, current_user, permit, scope_worker, sees_exactly
from dashboard.steering import READINESS_SHOWN
from metrics.calendar import add_months

WORKER_FIGURES = (
    "in_placement", "placement_starts", "cv_done", "with_ordinary_hours",
    "follow_up_overdue", "waiting_for_company_consultant",
)
FILTERS = ("no_cv", "in_placement", "overdue", "waiting")


def layout(context: DashboardContext, user, lang: str, query: dict):
    worker_id = scope_worker(user, context.metrics.organisation(), query.get("worker"))
    name = context.directory.worker_name(worker_id)
    last = last_entry_on_board(context, user, worker_id)
    title = t("nav_caseload", lang) if _own(user, worker_id) else t("caseload_of", lang).format(name=name)
    return html.Div(
        [
            html.Div([html.H1(title), html.Span(id=ids.CASELOAD_AS_OF, className="as-of")], className="page-head"),
            dcc.Store(id=ids.CASELOAD_WORKER, data=worker_id),
            html.Div(id=ids.CASELOAD_SUMMARY),
            dcc.Store(id=ids.RECORD_LAST, data=last),
            recording_section(context, user, lang, worker_id, last),
            sheet_section(user, lang, context.metrics.organisation().workers.get(worker_id)),
            html.Section(
                [
                    html.H2(t("case_board", lang)),
                    html.Div(
                        [
                            # a multi-select, not dcc.Checklist: Dash 4 draws that as options holding
                            # checkboxes, which screen readers cannot name (axe: nested-interactive)
                            dcc.Dropdown(
                                id=ids.CASELOAD_FILTERS,
                                options=[{"label": t(f"filter_{key}", lang), "value": key} for key in FILTERS],
                                value=[], multi=True, placeholder=t("filters", lang), searchable=False,
                                className="filters-select",
                            ),
                            dcc.Dropdown(
                                id=ids.CASELOAD_READINESS,
                                options=[{"label": readiness_label(level, lang), "value": level}
                                         for level in READINESS_SHOWN],
                                placeholder=t("all_readiness", lang), clearable=True, searchable=False,
                                className="readiness-filter",
                            ),
                        ],
                        className="toolbar no-print",
                    ),
                    html.Div(id=ids.CASELOAD_BODY),
                ],
                className="section",
            ),
        ]
    )


def _own(user, worker_id: str) -> bool:
    """Whether the board is the viewer's own: only then do its headings say "my"."""
    return user.role is Role.worker and user.worker_id == worker_id


def _norm_text(band: dict | None, lang: str) -> str:
    if band is None or band.get("high") is None:
        return t("no_norm", lang)
    return f"{t('norm', lang)} {band['low']}–{band['high']}"


def caseload_cards(board: dict, roles: tuple[str, ...], norms: dict[str, dict], worker_id: str, lang: str):
    shown = [r for r in ROLES
             if r in roles or board["caseload"].get(r)]
    cards = []
    for role in shown:
        count = board["caseload"].get(role, 0)
        band = norms.get(role)
        cards.append(html.Div(
            [
                html.Div(role_label(role, lang), className="figure-label"),
                html.Div(metric_value("caseload", number(count, lang), worker=worker_id), className="figure-number",
                         **{"data-role": role}),
                html.Div([html.Span(_norm_text(band, lang), className="target"),
                          norm_flag(count, (band or {}).get("low"), (band or {}).get("high"), lang)],
                         className="figure-target"),
            ],
            className="card figure-card" + (" card-behind" if role in board["caseload_flags"] else ""),
        ))
    return cards


def board_table(cases: list[dict], context: DashboardContext, lang: str, *, own: bool = True):
    if not cases:
        return html.P(t("no_cases", lang), className="empty")
    name = context.directory.worker_name
    rows = []
    phases = phase_names(context, lang)
    for case in cases:
        placement = case["placement"]
        rows.append([
            html.Span(case["case_id"], className="mono"),
            html.Span(case["citizen"] or "–", className="mono"),
            ", ".join(role_label(r, lang) for r in case["roles"]),
            ", ".join(f"{name(w)} ({role_label(r, lang).lower()})" for r, w in case["other_holders"].items()) or "–",
            number(case["days_since_opened"], lang),
            html.Span("✓ " + t("yes", lang), className="ok") if case["has_cv"] else html.Span("– " + t("no", lang), className="muted"),
            html.Span(readiness_label(case["readiness"], lang), className=f"pill readiness-{case['readiness']}"),
            phases.get(case["phase"], case["phase"]) if case["phase"] else "–",
            (f"{placement['employer'] or '–'} ({t('since', lang)} {day_label(placement['since'], context.zone, lang)})"
             if placement else "–"),
            html.Span(["⚠ ", t("overdue", lang), " · ", day_label(case["follow_up_due"], context.zone, lang)],
                      className="status status-behind") if case["overdue"]
            else day_label(case["follow_up_due"], context.zone, lang),
            f"{figure('ordinary_hours', case['hours_last_month'], lang)} / "
            f"{figure('ordinary_hours', case['hours_this_month'], lang)}",
        ])
    headers = [t(k, lang) for k in ("col_case", "col_citizen", "col_roles" if own else "role", "col_others", "col_days", "col_cv", "col_readiness",
                                    "col_phase", "col_placement", "col_follow_up", "col_hours")]
    return scroll_area([
        html.P(number(len(cases), lang) + " " + nt("cases_shown_n", len(cases), lang), className="muted count-line",
               **{"data-metric": "board_cases"}),
        table(headers, rows, className="board",
              row_class=lambda i: "row-overdue" if cases[i]["overdue"] else None),
    ], t("case_board", lang))


def register(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.CASELOAD_SUMMARY, "children"),
        Output(ids.CASELOAD_BODY, "children"),
        Output(ids.CASELOAD_AS_OF, "children"),
        Input(ids.LIVE_VERSION, "data"),
        Input(ids.CASELOAD_FILTERS, "value"),
        Input(ids.CASELOAD_READINESS, "value"),
        State(ids.CASELOAD_WORKER, "data"),
    )
    def show_caseload(_version, filters, readiness, worker_id):
        user = current_user()
        permit(user, Action.view_caseload)
        metrics = context.metrics
        org = metrics.organisation()
        worker_id = scope_worker(user, org, worker_id)
        audit_open(context, user, "open_board", worker_id=worker_id)
        lang = g.lang
        own = _own(user, worker_id)
        month = context.current_month()
        team_id = org.workers.get(worker_id)
        board = metrics.board(worker_id)
        norms = {band["role"]: band for band in metrics.get_norms()}
        worker_row = next((r for r in metrics.rows(month, "worker")[1] if r["worker_id"] == worker_id), None)
        previous_row = next((r for r in metrics.rows(add_months(month, -1), "worker")[1]
                             if r["worker_id"] == worker_id), None)
        team_row = metrics.milestones(month, "team", team_id)["rows"][0] if team_id else None
        waiting = {c["case_id"] for c in metrics.milestone_cases(
            month, "waiting_for_company_consultant", worker_id=worker_id)["cases"]}

        exact = team_id is not None and sees_exactly(user, org, team_id)
        cards = []
        for name in WORKER_FIGURES:
            footer = None
            if team_row is not None:
                target = team_row["targets"].get(name)
                parts = [f"{t('team_figure', lang)}: {shown(name, team_row[name], lang, team_row, exact=exact)}"]
                if target:
                    parts.append(f"{t('team_target', lang).lower()} {figure(name, target['target'], lang)}")
                footer = html.Div(" · ".join(parts), className="figure-footer")
            cards.append(figure_card(
                name, worker_row[name] if worker_row else None, lang, worker=worker_id,
                previous=previous_row[name] if previous_row else None, footer=footer,
                text=shown(name, worker_row[name], lang, worker_row, exact=exact) if worker_row else None,
            ))
        summary = html.Div([
            html.Section([html.H2(t("caseload_heading", lang)),
                          html.Div(caseload_cards(board, context.directory.worker_roles(worker_id), norms,
                                                  worker_id, lang), className="cards")],
                         className="section"),
            html.Section([html.H2(f"{t('my_figures', lang)} {month_label(month, lang)}" if own else
                                  t("figures_of", lang).format(name=context.directory.worker_name(worker_id),
                                                                month=month_label(month, lang))),
                          html.Div(cards, className="cards")], className="section"),
        ])

        chosen = set(filters or [])
        cases = [
            case for case in board["cases"]
            if ("no_cv" not in chosen or not case["has_cv"])
            and ("in_placement" not in chosen or case["placement"] is not None)
            and ("overdue" not in chosen or case["overdue"])
            and ("waiting" not in chosen or case["case_id"] in waiting)
            and (not readiness or case["readiness"] == readiness)
        ]
        as_of = f"{t('as_of', lang)} {time_label(board['as_of'], context.zone, lang)}"
        return summary, board_table(cases, context, lang, own=own), as_of

    register_recording(app, context)
    register_sheet(app, context)

