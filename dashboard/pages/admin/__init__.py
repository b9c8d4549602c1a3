"""Administration: teams, workers, targets and goals, norms, sources, the quarantine and access
tokens, one section each (a module of this package), each change made through the same service
function the API route and the command line call (services/). Every change is refused to anyone
but an admin (core/access.py) and appended to the audit log by the service."""

from __future__ import annotations

from dash import html

from core.access import Action
from dashboard.context import DashboardContext
from dashboard.i18n import t
from dashboard.pages.admin import norms, organisation, quarantine, sources, targets, tokens
from dashboard.pages.admin.forms import team_options, worker_options
from dashboard.scope import permit

SECTIONS = ("teams", "workers", "targets", "norms", "sources", "quarantine", "tokens")


def layout(context: DashboardContext, user, lang: str, query: dict):
    permit(user, Action.write_organisation)
    teams = team_options(context)
    workers = worker_options(context)
    toc = html.Nav(
        [html.A(t(key, lang), href=f"#section-{key}", className="toc-link") for key in SECTIONS],
        className="admin-toc", **{"aria-label": t("admin_sections", lang)})
    return html.Div([
        html.Div([html.H1(t("nav_admin", lang)), html.P(t("admin_intro", lang), className="muted")],
                 className="page-head"),
        toc,
        html.Datalist([html.Option(value=x["value"]) for x in teams], id="admin-team-ids"),
        html.Datalist([html.Option(value=x["value"]) for x in workers], id="admin-worker-ids"),
        *organisation.layout(context, lang, teams, workers),
        *targets.layout(context, lang, teams),
        *norms.layout(context, lang),
        *sources.layout(context, lang),
        *quarantine.layout(context, lang),
        *tokens.layout(context, lang, teams, workers),
    ], className="admin")


def register(app, context: DashboardContext) -> None:
    for section in (organisation, targets, norms, sources, quarantine, tokens):
        section.register(app, context)
