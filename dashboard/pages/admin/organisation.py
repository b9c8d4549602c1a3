"""Administration of the organisation data: teams and workers, created, renamed and moved."""

from __future__ import annotations

from dash import Output, dcc, html

from core import identity
from core.access import Action
from core.contract import ROLES as WORKER_ROLES
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import role_label, t
from dashboard.pages.admin.forms import (
    control,
    err,
    field,
    form_row,
    known_team,
    listed,
    message,
    ok,
    paged,
    row_editor,
    section,
    section_form,
    section_list,
    section_table,
    team_options,
    text,
    worker_options,
)
from ingest.organisation import TeamIn, WorkerIn, list_teams, list_workers
from services import organisation
from services.actor import Actor

# a form's fields, in the order its save callback reads them and its edit buttons fill them
TEAM_FORM = (ids.ADMIN_TEAM_ID, ids.ADMIN_TEAM_NAME, ids.ADMIN_TEAM_UNIT)
WORKER_FORM = (ids.ADMIN_WORKER_ID, ids.ADMIN_WORKER_NAME, ids.ADMIN_WORKER_TEAM, ids.ADMIN_WORKER_ROLES)


def teams_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    none = t("none", lang)
    return paged(ids.ADMIN_TEAMS, lang, list_teams(context.engine), query=query, page=page,
                 words=lambda team: (team.name, team.team_id, team.unit),
                 draw=lambda shown: table(
                     [t("team", lang), "id", t("unit", lang), ""],
                     [[team.name, html.Span(team.team_id, className="mono"), team.unit or none,
                       html.Button(t("edit", lang), id={"type": ids.ADMIN_TEAM_EDIT, "id": team.team_id}, n_clicks=0,
                                   className="button quiet small",
                                   **{"aria-label": f"{t('edit', lang)}: {team.name}"})]
                      for team in shown],
                     className="compact"))


def teams_table(context: DashboardContext, lang: str):
    return listed(ids.ADMIN_TEAMS, lang, teams_page(context, lang), t("teams", lang))


def workers_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    names = {team.team_id: team.name for team in list_teams(context.engine)}
    none = t("none", lang)

    def team_of(w) -> str:
        return names.get(w.team_id or "", w.team_id or none)

    def roles_of(w) -> str:
        return ", ".join(role_label(r, lang) for r in w.roles) or none

    return paged(ids.ADMIN_WORKERS, lang, list_workers(context.engine), query=query, page=page,
                 words=lambda w: (w.name, w.worker_id, team_of(w), w.team_id, roles_of(w)),
                 draw=lambda shown: table(
                     [t("worker", lang), "id", t("team", lang), t("roles", lang), ""],
                     [[w.name, html.Span(w.worker_id, className="mono"), team_of(w), roles_of(w),
                       html.Button(t("edit", lang), id={"type": ids.ADMIN_WORKER_EDIT, "id": w.worker_id},
                                   n_clicks=0, className="button quiet small",
                                   **{"aria-label": f"{t('edit', lang)}: {w.name}"})]
                      for w in shown],
                     className="compact"))


def workers_table(context: DashboardContext, lang: str):
    return listed(ids.ADMIN_WORKERS, lang, workers_page(context, lang), t("workers", lang))


def layout(context: DashboardContext, lang: str, teams: list, workers: list) -> list:
    choose = t("choose", lang)
    return [
        section("teams", t("teams", lang), [
            form_row([
                control(t("team_id", lang), field(ids.ADMIN_TEAM_ID, list_="admin-team-ids")),
                control(t("name", lang), field(ids.ADMIN_TEAM_NAME), wide=True),
                control(t("unit", lang), field(ids.ADMIN_TEAM_UNIT)),
            ], t("save", lang), ids.ADMIN_TEAM_SAVE, t("team_form_hint", lang)),
            message(ids.ADMIN_TEAM_MESSAGE),
            section_table(ids.ADMIN_TEAMS, teams_table(context, lang)),
        ], len(teams)),
        section("workers", t("workers", lang), [
            form_row([
                control(t("worker_id", lang), field(ids.ADMIN_WORKER_ID, list_="admin-worker-ids")),
                control(t("name", lang), field(ids.ADMIN_WORKER_NAME), wide=True),
                control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_WORKER_TEAM, options=teams, placeholder=choose,
                                                      searchable=False)),
                control(t("roles", lang), dcc.Dropdown(
                    id=ids.ADMIN_WORKER_ROLES, multi=True, searchable=False, value=["caseworker"],
                    placeholder=choose, options=[{"label": role_label(r, lang), "value": r} for r in WORKER_ROLES]),
                    wide=True),
            ], t("save", lang), ids.ADMIN_WORKER_SAVE, t("worker_form_hint", lang)),
            message(ids.ADMIN_WORKER_MESSAGE),
            section_table(ids.ADMIN_WORKERS, workers_table(context, lang)),
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


def register(app, context: DashboardContext) -> None:
    section_list(app, Action.write_organisation, ids.ADMIN_TEAMS,
                 lambda lang, query, page: teams_page(context, lang, query, page))
    section_list(app, Action.write_organisation, ids.ADMIN_WORKERS,
                 lambda lang, query, page: workers_page(context, lang, query, page))
    def teams_redrawn(lang: str) -> tuple:
        options = team_options(context)  # every form that names a team offers the new one
        return teams_table(context, lang), options, options, options, options

    @section_form(app, Action.write_organisation, "name", table=ids.ADMIN_TEAMS, message=ids.ADMIN_TEAM_MESSAGE,
                  button=ids.ADMIN_TEAM_SAVE, fields=TEAM_FORM,
                  redraw=teams_redrawn, also=(Output(ids.ADMIN_WORKER_TEAM, "options"),
                                              Output(ids.ADMIN_TARGET_TEAM, "options"),
                                              Output(ids.ADMIN_GOAL_TEAM, "options"),
                                              Output(ids.ADMIN_TOKEN_TEAM, "options")))
    def save_team(actor: Actor, lang: str, team_id, name, unit):
        team_id = _ident(text(team_id), "team_id", lang)
        name, unit = _name(name, lang), text(unit)
        if identity.detect(unit or ""):
            raise err("identity_in_text", lang)
        saved = organisation.save_team(context.engine, actor, team_id, TeamIn(name=name, unit=unit))
        context.directory.forget()  # the new name on every screen now
        return ok(f"{t('saved', lang)}: {saved.name} ({saved.team_id})")

    @row_editor(app, Action.write_organisation, button=ids.ADMIN_TEAM_EDIT, fields=TEAM_FORM,
                rows=lambda: list_teams(context.engine), key="team_id")
    def edit_team(team):
        return team.team_id, team.name, team.unit or ""

    @section_form(app, Action.write_organisation, "name", table=ids.ADMIN_WORKERS, message=ids.ADMIN_WORKER_MESSAGE,
                  button=ids.ADMIN_WORKER_SAVE, fields=WORKER_FORM,
                  redraw=lambda lang: (workers_table(context, lang), worker_options(context)),
                  also=(Output(ids.ADMIN_TOKEN_WORKER, "options"),))
    def save_worker(actor: Actor, lang: str, worker_id, name, team_id, roles):
        worker_id = _ident(text(worker_id), "worker_id", lang)
        name, team_id = _name(name, lang), text(team_id)
        known_team(context, team_id, lang)
        chosen = [r for r in (roles or []) if r in WORKER_ROLES]
        saved = organisation.save_worker(context.engine, actor, worker_id,
                                         WorkerIn(name=name, team_id=team_id, roles=chosen))
        context.directory.forget()
        return ok(f"{t('saved', lang)}: {saved.name} ({saved.worker_id})")

    @row_editor(app, Action.write_organisation, button=ids.ADMIN_WORKER_EDIT, fields=WORKER_FORM,
                rows=lambda: list_workers(context.engine), key="worker_id")
    def edit_worker(worker):
        return worker.worker_id, worker.name, worker.team_id, list(worker.roles)
