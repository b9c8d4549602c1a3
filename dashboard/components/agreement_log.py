"""The log of agreed actions and notes, as the caseload talk and the team steering view show it
and add to it."""

from __future__ import annotations

from dash import ctx, dcc, html, no_update

from core.models import AgreedAction
from dashboard.agreements import MAX_TEXT, IdentityInText, add_agreement, agreements_of, mark_done
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import month_label, t
from dashboard.inputs import clicked, entry_id


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


def agreement_section(title: str, lang: str, *, kind_id: str, text_id: str, add_id: str, log_id: str):
    """The log under its heading, with the form that adds a note or an action to it."""
    return html.Section(
        [
            html.H2(title),
            html.Div([
                dcc.Dropdown(id=kind_id, value="action", clearable=False, searchable=False,
                             options=[{"label": t("kind_action", lang), "value": "action"},
                                      {"label": t("kind_note", lang), "value": "note"}],
                             className="control"),
                dcc.Input(id=text_id, type="text", className="grow", maxLength=MAX_TEXT,
                          placeholder=t("notes_actions", lang)),
                html.Button(t("add", lang), id=add_id, n_clicks=0, className="button primary"),
            ], className="toolbar form-row no-print"),
            html.Div(id=log_id),
        ],
        className="section",
    )


def keep_agreements(context: DashboardContext, lang: str, *, add_id: str, done_type: str, team_id: str,
                    worker_id: str | None, month: str, kind, text, created_by: str):
    """A log's callback: the text added for `month` on a click of `add_id`, an action marked done
    on a click of its button, the log drawn anew. Returns the log, with why a text was not added,
    and the text field's value: emptied only once its text is recorded (what is typed while the
    log is first drawn stays)."""
    trigger = ctx.triggered_id
    cleared, refused = no_update, None
    if trigger == add_id and clicked():
        if month not in context.recent_months():  # the months the pages offer
            refused = html.P(t("err_month", lang), className="form-error", role="alert")
        else:
            try:
                add_agreement(context.engine, team_id=team_id, worker_id=worker_id, month=month, kind=kind,
                              text=text or "", created_by=created_by)
                cleared = ""
            except IdentityInText:
                # nothing stored; the text stays in the field to be corrected
                refused = html.P(t("identity_in_text", lang), className="form-error", role="alert")
    elif isinstance(trigger, dict) and clicked() and entry_id(trigger) is not None:
        mark_done(context.engine, entry_id(trigger), team_id=team_id)
    log = agreement_log(agreements_of(context.engine, team_id=team_id, worker_id=worker_id), lang, done_type)
    return ([refused, log] if refused is not None else log), cleared
