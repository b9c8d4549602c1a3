"""The wall screen: one team's month in large figures with status, readable from three metres."""

from __future__ import annotations

from dash import Input, Output, State, dcc, html
from flask import g

from core.access import Action
from dashboard import ids
from dashboard.auth import home_of
from dashboard.components.cards import figure_card, metric_value
from dashboard.components.stories import story_feed
from dashboard.context import DashboardContext
from dashboard.i18n import month_label, nt, number, shown, t, time_label
from dashboard.scope import current_user, permit, scope_team, sees_exactly

HEADLINE = ("in_placement", "placement_starts", "cv_share", "with_ordinary_hours")
WATCH = ("follow_up_overdue", "waiting_for_company_consultant", "active_cases")


def layout(context: DashboardContext, user, lang: str, query: dict):
    team_id = scope_team(user, context.metrics.organisation(), query.get("team"))
    # the kiosk hides the header: a small, faint way back to the user's own view, which shows
    # fully only under the pointer or keyboard focus, so it does not spoil the screen on a wall
    back = html.A("←", href=home_of(user), id=ids.WALL_BACK, className="wall-back no-print",
                  title=t("wall_back", lang), **{"aria-label": t("wall_back", lang)})
    return html.Div([back, dcc.Store(id=ids.WALL_TEAM, data=team_id), html.Div(id=ids.WALL_BODY)],
                    className="wall")


def register(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.WALL_BODY, "children"),
        Input(ids.LIVE_VERSION, "data"),
        State(ids.WALL_TEAM, "data"),
    )
    def show_wall(_version, team_id):
        user = current_user()
        permit(user, Action.view_wall_screen)
        team_id = scope_team(user, context.metrics.organisation(), team_id)
        lang = g.lang
        month = context.current_month()
        result = context.metrics.milestones(month, "team", team_id)
        row = result["rows"][0]
        exact = sees_exactly(user, context.metrics.organisation(), team_id)
        headline = [figure_card(name, row[name], lang, team=team_id, target=row["targets"].get(name), large=True,
                                text=shown(name, row[name], lang, row, exact=exact),
                                reported=name not in row["not_reported_yet"],
                                progress=row.get("month_progress", {}).get(name))
                    for name in HEADLINE]
        watch = [figure_card(name, row[name], lang, team=team_id, text=shown(name, row[name], lang, row, exact=exact))
                 for name in WATCH]
        stories = html.Div([
            html.H2(t("good_stories", lang)),
            html.P([html.Span("★ ", className="star", **{"aria-hidden": "true"}),
                    metric_value("placement_starts", number(row["placement_starts"], lang), team=team_id,
                                 className="story-figure"),
                    " " + nt("placements_started_n", row["placement_starts"], lang)], className="story"),
            html.P([html.Span("★ ", className="star", **{"aria-hidden": "true"}),
                    metric_value("with_ordinary_hours", number(row["with_ordinary_hours"], lang), team=team_id,
                                 className="story-figure"),
                    " " + nt("people_with_hours_n", row["with_ordinary_hours"], lang)], className="story"),
            story_feed(context, team_id, lang),
        ], className="stories")
        return [
            html.Div([html.H1(context.directory.team_name(team_id)),
                      html.Div([month_label(month, lang), html.Br(),
                                html.Span(f"{t('as_of', lang)} {time_label(result['as_of'], context.zone, lang)}",
                                          className="as-of")], className="wall-month")],
                     className="wall-head"),
            html.Div(headline, className="cards wall-cards"),
            html.Div([html.Div(watch, className="cards wall-watch"), stories], className="wall-bottom"),
        ]
