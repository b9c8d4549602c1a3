"""The log of agreed actions and notes, as the caseload talk and the team steering view show it."""

from __future__ import annotations

from dash import html

from core.models import AgreedAction
from dashboard.components.tables import table
from dashboard.i18n import month_label, t


def agreement_log(items: list[AgreedAction], lang: str, done_type: str):
    """Newest first, open actions with a button (id {"type": done_type, "id": …}) to mark them done."""
    rows = []
    for item in items:
        done = item.status == "done"
        rows.append([
            month_label(item.month, lang, short=True),
            t("kind_action", lang) if item.kind == "action" else t("kind_note", lang),
            item.text,
            (html.Span("✓ " + t("done", lang), className="status status-on_track", **{"data-status": "done"}) if done
             else html.Span("○ " + t("open", lang), className="status status-at_risk", **{"data-status": "open"}))
            if item.kind == "action" else "",
            html.Button(t("mark_done", lang), id={"type": done_type, "id": item.id}, n_clicks=0,
                        className="button quiet small no-print") if item.kind == "action" and not done else "",
        ])
    if not rows:
        return html.P("–", className="muted")
    return table([t("month", lang), "", t("notes_actions", lang), t("status", lang), ""], rows, className="compact")
