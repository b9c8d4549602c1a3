"""Administration of the organisation data: teams and workers, created, renamed and moved."""

from __future__ import annotations

from dash import ALL, Input, Output, dcc, html
from flask import g

from core import identity
from core.access import Action
from core.contract import ROLES as WORKER_ROLES
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import role_label, t
from dashboard.pages.admin.forms import (
    answer,
    control,
    edited,
    err,
    field,
    known_team,
    message,
    ok,
    section,
    team_options,
    text,
    values,
    worker_options,
)
from dashboard.scope import acting, current_user, permit
from ingest.organisation import TeamIn, WorkerIn, list_teams, list_workers
from services import organisation
from services.actor import Actor


def teams_table(context: DashboardContext, lang: str):
    teams = list_teams(context.engine)
    none = t("none", lang)
    return table(
        [t("team", lang), "id", t("unit", lang), ""],
        [[team.name, html.Span(team.team_id, className="mono"), team.unit or none,
          html.Button(t("edit", lang), id={"type": ids.ADMIN_TEAM_EDIT, "id": team.team_id}, n_clicks=0,
                      className="button quiet small", **{"aria-label": f"{t('edit', lang)}: {team.name}"})]
         for team in teams],
        className="compact")


def workers_table(context: DashboardContext, lang: str):
    workers = list_workers(context.engine)
    names = {team.team_id: team.name for team in list_teams(context.engine)}
    none = t("none", lang)
    return table(
        [t("worker", lang), "id", t("team", lang), t("roles", lang), ""],
        [[w.name, html.Span(w.worker_id, className="mono"), names.get(w.team_id or "", w.team_id or none),
          ", ".join(role_label(r, lang) for r in w.roles) or none,
          html.Button(t("edit", lang), id={"type": ids.ADMIN_WORKER_EDIT, "id": w.worker_id}, n_clicks=0,
                      className="button quiet small", **{"aria-label": f"{t('edit', lang)}: {w.name}"})]
         for w in workers],
        className="compact")


def layout(context: DashboardContext, lang: str, teams: list, workers: list) -> list:
    choose = t("choose", lang)
    return [
        section("teams", t("teams", lang), [
            html.Div([
                control(t("team_id", lang), field(ids.ADMIN_TEAM_ID, list_="admin-team-ids")),
                control(t("name", lang), field(ids.ADMIN_TEAM_NAME), wide=True),
                control(t("unit", lang), field(ids.ADMIN_TEAM_UNIT)),
                html.Button(t("save", lang), id=ids.ADMIN_TEAM_SAVE, n_clicks=0, className="button primary"),
                html.P(t("team_form_hint", lang), className="hint muted"),
            ], className="toolbar form-row"),
            message(ids.ADMIN_TEAM_MESSAGE),
            html.Div(teams_table(context, lang), id=ids.ADMIN_TEAMS, className="table-wrap"),
        ], len(teams)),
        section("workers", t("workers", lang), [
            html.Div([
                control(t("worker_id", lang), field(ids.ADMIN_WORKER_ID, list_="admin-worker-ids")),
                control(t("name", lang), field(ids.ADMIN_WORKER_NAME), wide=True),
                control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_WORKER_TEAM, options=teams, placeholder=choose,
                                                      searchable=False)),
                control(t("roles", lang), dcc.Dropdown(
                    id=ids.ADMIN_WORKER_ROLES, multi=True, searchable=False, value=["caseworker"],
                    placeholder=choose, options=[{"label": role_label(r, lang), "value": r} for r in WORKER_ROLES]),
                    wide=True),
                html.Button(t("save", lang), id=ids.ADMIN_WORKER_SAVE, n_clicks=0, className="button primary"),
                html.P(t("worker_form_hint", lang), className="hint muted"),
            ], className="toolbar form-row"),
            message(ids.ADMIN_WORKER_MESSAGE),
            html.Div(workers_table(context, lang), id=ids.ADMIN_WORKERS, className="table-wrap"),
        ], len(workers)),
    ]


def _ident(value, label: str, lang: str) -> str:
    if value is None:
        raise err("err_required", lang, field=t(label, lang))
    if len(value) > 128:
        raise err("err_ident", lang, field=t(label, lang))
    return value


def _name(value, lang: str) -> str:
    """A team's or worker's name: required, and with no citizen identifier in it."""
    name = text(value)
    if name is None:
        raise err("err_required", lang, field=t("name", lang))
    if identity.detect(name):
        raise err("identity_in_text", lang)
    return name


def _save_team(context: DashboardContext, actor: Actor, lang: str, team_id, name, unit):
    team_id = _ident(text(team_id), "team_id", lang)
    name, unit = _name(name, lang), text(unit)
    if identity.detect(unit or ""):
        raise err("identity_in_text", lang)
    saved = organisation.save_team(context.engine, actor, team_id, TeamIn(name=name, unit=unit))
    context.directory.forget()  # the new name on every screen now
    return ok(f"{t('saved', lang)}: {saved.name} ({saved.team_id})")


def _save_worker(context: DashboardContext, actor: Actor, lang: str, worker_id, name, team_id, roles):
    worker_id = _ident(text(worker_id), "worker_id", lang)
    name, team_id = _name(name, lang), text(team_id)
    known_team(context, team_id, lang)
    chosen = [r for r in (roles or []) if r in WORKER_ROLES]
    saved = organisation.save_worker(context.engine, actor, worker_id, WorkerIn(name=name, team_id=team_id, roles=chosen))
    context.directory.forget()
    return ok(f"{t('saved', lang)}: {saved.name} ({saved.worker_id})")


def register(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.ADMIN_TEAMS, "children"),
        Output(ids.ADMIN_TEAM_MESSAGE, "children"),
        Output(ids.ADMIN_WORKER_TEAM, "options"),
        Output(ids.ADMIN_TARGET_TEAM, "options"),
        Output(ids.ADMIN_GOAL_TEAM, "options"),
        Output(ids.ADMIN_TOKEN_TEAM, "options"),
        Input(ids.ADMIN_TEAM_SAVE, "n_clicks"),
        *values(ids.ADMIN_TEAM_ID, ids.ADMIN_TEAM_NAME, ids.ADMIN_TEAM_UNIT),
        prevent_initial_call=True,
    )
    def save_team(_clicks, team_id, name, unit):
        actor = acting(Action.write_organisation)
        lang = g.lang
        answered = answer(lambda: _save_team(context, actor, lang, team_id, name, unit), lang, "name")
        options = team_options(context)
        return teams_table(context, lang), answered, options, options, options, options

    @app.callback(
        Output(ids.ADMIN_TEAM_ID, "value"),
        Output(ids.ADMIN_TEAM_NAME, "value"),
        Output(ids.ADMIN_TEAM_UNIT, "value"),
        Input({"type": ids.ADMIN_TEAM_EDIT, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def edit_team(_clicks):
        permit(current_user(), Action.write_organisation)
        team = edited(list_teams(context.engine), "team_id")
        return team.team_id, team.name, team.unit or ""

    @app.callback(
        Output(ids.ADMIN_WORKERS, "children"),
        Output(ids.ADMIN_WORKER_MESSAGE, "children"),
        Output(ids.ADMIN_TOKEN_WORKER, "options"),
        Input(ids.ADMIN_WORKER_SAVE, "n_clicks"),
        *values(ids.ADMIN_WORKER_ID, ids.ADMIN_WORKER_NAME, ids.ADMIN_WORKER_TEAM, ids.ADMIN_WORKER_ROLES),
        prevent_initial_call=True,
    )
    def save_worker(_clicks, worker_id, name, team_id, roles):
        actor = acting(Action.write_organisation)
        lang = g.lang
        answered = answer(lambda: _save_worker(context, actor, lang, worker_id, name, team_id, roles), lang, "name")
        return workers_table(context, lang), answered, worker_options(context)

    @app.callback(
        Output(ids.ADMIN_WORKER_ID, "value"),
        Output(ids.ADMIN_WORKER_NAME, "value"),
        Output(ids.ADMIN_WORKER_TEAM, "value"),
        Output(ids.ADMIN_WORKER_ROLES, "value"),
        Input({"type": ids.ADMIN_WORKER_EDIT, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def edit_worker(_clicks):
        permit(current_user(), Action.write_organisation)
        worker = edited(list_workers(context.engine), "worker_id")
        return worker.worker_id, worker.name, worker.team_id, list(worker.roles)
