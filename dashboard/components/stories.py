"""The good-stories feed of a team: its latest placements started and jobs or education reached.

It hangs on a corridor's wall, where anyone passing reads it: what happened and when, never
which case (no case id, no citizen, no employer)."""

from __future__ import annotations

from dash import html

from dashboard.context import DashboardContext
from dashboard.i18n import day_label, t
from metrics.stories import good_stories


def story_feed(context: DashboardContext, team_id: str, lang: str, limit: int = 4):
    stories = good_stories(context.metrics.model, team_id, context.metrics.clock(), limit=limit)
    if not stories:
        return html.P(t("no_stories", lang), className="story-feed-empty")
    return html.Ul([
        html.Li([html.Span("★ ", **{"aria-hidden": "true"}), html.Strong(t(f"story_{story['kind']}", lang)),
                 f" · {day_label(story['at'], context.zone, lang)}"],
                className="story-item", **{"data-story": story["kind"]})
        for story in stories
    ], className="story-feed", **{"aria-live": "polite"})
