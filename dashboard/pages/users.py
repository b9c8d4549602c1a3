"""Users (admin): who may sign in to the dashboard, with which role; create and disable."""

from __future__ import annotations

from contextlib import suppress

from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import g

from core.access import Action
from core.accounts import USER_ROLES, UsernameTaken, WeakPassword, list_users
from core.errors import Conflict, DomainError
from core.reasons import error_text
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import day_label, t
from dashboard.inputs import clicked
from dashboard.pages.admin.forms import listed, paged, row_buttons_redrawn, section_list
from dashboard.scope import acting
from services import users


def layout(context: DashboardContext, user, lang: str, query: dict):
    directory = context.directory
    workers = [w for team in directory.teams() for w in directory.workers_of(team)]
    return html.Div(
        [
            html.Div([html.H1(t("users", lang))], className="page-head"),
            html.Section(
                [
                    html.H2(t("new_user", lang)),
                    html.Div(
                        [
                            html.Label([t("username", lang), dcc.Input(id=ids.USER_NAME, type="text",
                                                                       autoComplete="off")], className="control"),
                            html.Label([t("password", lang), dcc.Input(id=ids.USER_PASSWORD, type="password",
                                                                       autoComplete="new-password")],
                                       className="control"),
                            html.Label([t("role", lang), dcc.Dropdown(
                                id=ids.USER_ROLE, clearable=False, searchable=False, value="worker",
                                options=[{"label": t(f"role_{r.value}", lang), "value": r.value} for r in USER_ROLES])],
                                className="control"),
                            html.Label([t("worker", lang), dcc.Dropdown(
                                id=ids.USER_WORKER, placeholder=t("choose", lang),
                                options=[{"label": f"{directory.worker_name(w)} ({w})", "value": w} for w in workers])],
                                className="control control-wide"),
                            html.Label([t("team", lang), dcc.Dropdown(
                                id=ids.USER_TEAM, placeholder=t("choose", lang),
                                options=[{"label": directory.team_name(x), "value": x} for x in directory.teams()])],
                                className="control"),
                            html.Button(t("create", lang), id=ids.USER_CREATE, n_clicks=0, className="button primary"),
                        ],
                        className="toolbar form-row",
                    ),
                    html.P(id=ids.USER_MESSAGE, className="message", role="status"),
                ],
                className="section",
            ),
            html.Section([html.H2(t("users", lang)), html.Div(id=ids.USERS_TABLE)], className="section"),
        ]
    )


def _bound(context: DashboardContext, user) -> str:
    directory = context.directory
    return directory.worker_name(user.worker_id) if user.worker_id else (
        directory.team_name(user.team_id) if user.team_id else "–")


def users_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    return paged(ids.USERS_TABLE, lang, list_users(context.engine), query=query, page=page,
                 words=lambda user: (user.username, t(f"role_{user.role}", lang), _bound(context, user)),
                 draw=lambda shown: _users_drawn(context, lang, shown))


def users_table(context: DashboardContext, lang: str):
    return listed(ids.USERS_TABLE, lang, users_page(context, lang), t("users", lang))


def _users_drawn(context: DashboardContext, lang: str, shown: list):
    rows = []
    for user in shown:
        bound = _bound(context, user)
        disabled = user.disabled_at is not None
        rows.append([
            html.Strong(user.username),
            t(f"role_{user.role}", lang),
            bound,
            day_label(user.created_at.isoformat(), context.zone, lang),
            html.Span(t("disabled", lang), className="status status-behind") if disabled
            else html.Span(t("active", lang), className="status status-on_track"),
            html.Button(t("enable", lang) if disabled else t("disable", lang),
                        id={"type": ids.USER_TOGGLE, "id": user.id}, n_clicks=0, className="button quiet small"),
        ])
    headers = [t("username", lang), t("role", lang), t("bound_to", lang), t("created", lang), t("state", lang), ""]
    return table(headers, rows, className="users")


def register(app, context: DashboardContext) -> None:
    section_list(app, Action.manage_users, ids.USERS_TABLE,
                 lambda lang, query, page: users_page(context, lang, query, page))

    @app.callback(
        Output(ids.USERS_TABLE, "children"),
        Output(ids.USER_MESSAGE, "children"),
        Input(ids.USER_CREATE, "n_clicks"),
        Input({"type": ids.USER_TOGGLE, "id": ALL}, "n_clicks"),
        State(ids.USER_NAME, "value"),
        State(ids.USER_PASSWORD, "value"),
        State(ids.USER_ROLE, "value"),
        State(ids.USER_WORKER, "value"),
        State(ids.USER_TEAM, "value"),
    )
    def manage(_create, _toggles, username, password, role, worker_id, team_id):
        actor = acting(Action.manage_users)
        if row_buttons_redrawn():
            raise PreventUpdate
        lang = g.lang
        message = ""
        trigger = ctx.triggered_id
        if trigger == ids.USER_CREATE and clicked():
            try:
                # a binding that does not belong to the role is not kept (as the command line)
                made, _ = users.create(context.engine, actor, username or "", password or "", role or "",
                                       worker_id=worker_id if role == "worker" else None,
                                       team_id=team_id if role == "team_lead" else None)
                message = f"✓ {t('created', lang)}: {made.username}"
            except WeakPassword as exc:
                message = f"✕ {t('password_' + exc.reason, lang)}"
            except UsernameTaken:
                message = f"✕ {t('username_taken', lang)}"
            except DomainError as exc:
                message = f"✕ {error_text(exc, lang)}"
        elif isinstance(trigger, dict) and clicked():
            target = next((u for u in list_users(context.engine) if u.id == trigger["id"]), None)
            if target is not None:
                # an administrator cannot lock itself out: then the button does nothing
                with suppress(Conflict):
                    users.set_enabled(context.engine, actor, target.id, target.disabled_at is not None)
        return users_table(context, lang), message
