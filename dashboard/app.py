"""The Dash application: session check, the shell, a router over the role's views, live updates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import Flask, g
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException

from core.access import Action, allowed
from core.messages import LANGUAGES
from core.settings import Settings
from dashboard import auth, downloads, ids, inputs, sheet
from dashboard.components.shell import header
from dashboard.context import DashboardContext
from dashboard.directory import Directory
from dashboard.i18n import t
from dashboard.live import LIVE_PATH, live_stream, live_version
from dashboard.pages import admin, benchmarking, caseload, talk, team, users, wall
from dashboard.scope import current_user
from ingest.store import EventStore
from metrics.service import MetricsService
from services.runtime import build_store

ASSETS = Path(__file__).parent / "assets"
__all__ = ["LIVE_PATH", "create_dashboard", "live_stream"]  # what api.app mounts


@dataclass(frozen=True)
class Page:
    action: Action
    layout: Any  # (context, user, lang, query) -> component
    kiosk: bool = False


PAGES: dict[str, Page] = {
    "/my-caseload": Page(Action.view_caseload, caseload.layout),
    "/team": Page(Action.view_team_steering, team.layout),
    "/talk": Page(Action.hold_caseload_talk, talk.layout),
    "/benchmarking": Page(Action.view_benchmarking, benchmarking.layout),
    "/wall": Page(Action.view_wall_screen, wall.layout, kiosk=True),
    "/users": Page(Action.manage_users, users.layout),
    "/admin": Page(Action.write_organisation, admin.layout),
}


def create_dashboard(settings: Settings, engine: Engine, metrics: MetricsService | None = None,
                     store: EventStore | None = None) -> Dash:
    """The dashboard of one database, ready to be mounted at / (its Flask app is `.server`);
    `store` is the event store the API ingests through (with its checks and listeners): the
    board records through it, the admin view runs sources and resubmits quarantine with it."""
    server = Flask("overblik.dashboard")
    if store is None:
        store = build_store(settings, engine)
    context = DashboardContext(
        settings=settings,
        engine=engine,
        metrics=metrics or MetricsService(engine, settings.zone),
        directory=Directory(engine),
        store=store,
    )
    app = Dash(
        "overblik.dashboard",
        server=server,
        assets_folder=str(ASSETS),
        requests_pathname_prefix="/",
        title="Overblik",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="da">')
    page = app.interpolate_index

    def interpolate_index(**kwargs):
        # every page is in the reader's language (set per request by dashboard/auth.py): screen
        # readers, hyphenation and spelling follow <html lang>
        lang = g.get("lang")
        html_ = page(**kwargs)
        return html_ if lang not in LANGUAGES else html_.replace('<html lang="da">', f'<html lang="{lang}">', 1)

    app.interpolate_index = interpolate_index
    # after Dash's own set-up hook, which must run before the first request is answered
    auth.install(server, settings, engine)

    # one request's figures read the organisation data once (metrics/service.py)
    @server.before_request
    def one_reading():
        context.metrics.begin_reading()

    @server.teardown_request
    def reading_done(_error):
        context.metrics.end_reading()

    def shell():
        user = g.get("user")
        if user is None:
            # Dash calls the layout once while setting itself up; /_dash-layout needs a session
            return html.Div(id=ids.SHELL)
        version = live_version(context.metrics.model)
        return html.Div(
            [
                dcc.Location(id=ids.URL),
                # pushed by assets/live.js from the /live stream (dashboard/live.py)
                html.Button(id=ids.LIVE_PUSH, n_clicks=0, hidden=True, tabIndex="-1", **{"aria-hidden": "true"}),
                dcc.Store(id=ids.LIVE_VERSION, data=version),
                header(user, g.lang),
                html.Main(id=ids.PAGE, className="page"),
            ],
            id=ids.SHELL,
            className="shell",
            lang=g.lang,
            **{"data-live-version": version},
        )

    app.layout = shell

    @app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.SHELL, "className"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def route(pathname: str | None, search: str | None):
        user = current_user()
        lang = g.lang
        page = PAGES.get(pathname or "/")
        if page is None:
            return html.P(t("not_found", lang), className="notice"), "shell"
        if not allowed(user.role, page.action):
            return html.P(t("forbidden", lang), className="notice notice-forbidden"), "shell"
        query = {key: values[0] for key, values in parse_qs((search or "").lstrip("?")).items()}
        try:
            content = page.layout(context, user, lang, query)
        except HTTPException:
            # a team or worker outside the user's scope: the view, but nothing of its data
            return html.P(t("forbidden", lang), className="notice notice-forbidden"), "shell"
        return content, "shell kiosk" if page.kiosk else "shell"

    @app.callback(
        Output(ids.LIVE_VERSION, "data"),
        Input(ids.LIVE_PUSH, "n_clicks"),
        State(ids.LIVE_VERSION, "data"),
        prevent_initial_call=True,
    )
    def follow_the_log(_pushed, known):
        """Clicked by assets/live.js when the /live stream moves on: redraws only on a change."""
        current_user()
        version = live_version(context.metrics.model)
        if version == known:
            raise PreventUpdate
        return version

    downloads.install(server, context)
    sheet.install(server, context)
    for module in (caseload, team, talk, benchmarking, wall, users, admin):
        module.register(app, context)
    # after the session check: a callback request of the wrong shape or kind is refused here
    inputs.install(server, app)
    server.extensions["overblik_dashboard"] = app
    # Dash sets itself up (among other things, learns which script files it may serve) on its
    # first request, marking it done before it is: a new worker asked for a page's scripts by
    # several connections at once answered some of them 500. Set up now, before any request.
    with server.test_request_context("/"):
        app._setup_server()
    return app
