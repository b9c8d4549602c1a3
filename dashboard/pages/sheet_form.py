"""The XLSX round-trip on the board of a team lead: download, upload, preview, confirm."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import abort, g

from core.access import Action, allowed
from core.errors import DomainError
from core.reasons import reason_text
from dashboard import ids, sheet
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import t
from dashboard.scope import acting, scope_team
from services import recording

PREVIEW_ROWS = 200  # changes listed in the preview; the rest are counted


def sheet_section(user, lang: str, team_id: str | None):
    if not allowed(user.role, Action.caseload_sheet) or team_id is None:
        return None
    return html.Section(
        [
            html.H2(t("sheet_heading", lang)),
            html.Div([
                html.A(t("sheet_download", lang), id=ids.SHEET_DOWNLOAD, className="button",
                       href=f"{sheet.SHEET_PATH}?{urlencode({'team': team_id})}"),
                # the label names the upload's file input for screen readers; the drop zone itself
                # takes focus and opens the file chooser with Enter or Space
                html.Label(dcc.Upload(html.Span(t("sheet_upload", lang), className="button"),
                                      id=ids.SHEET_UPLOAD, accept=".xlsx", max_size=sheet.MAX_BYTES,
                                      multiple=False, className="sheet-upload")),
            ], className="toolbar"),
            dcc.Store(id=ids.SHEET_PENDING, data=None),
            dcc.Store(id=ids.SHEET_PENDING_CLEAR, data=None),
            html.Div(id=ids.SHEET_PREVIEW),
            html.Div(id=ids.SHEET_MESSAGE, role="status", **{"aria-live": "polite"}),
        ],
        className="section no-print sheet",
    )


def _content(contents: str | None) -> bytes:
    if not isinstance(contents, str) or "," not in contents:
        raise PreventUpdate
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return b""


def _team(context: DashboardContext):
    actor = acting(Action.caseload_sheet)
    return actor, scope_team(actor, context.metrics.organisation(), None)


def _resolve(diff: sheet.Diff, lang: str):
    """The conflicting rows, each recorded from the sheet only if ticked; the rest keep the board's values."""
    rows = {c.case_id: c.row for c in diff.changes if c.conflict}
    options = [{"label": f"{t('sheet_col_row', lang)} {rows[case]} · {case}", "value": case} for case in diff.conflicts]
    return html.Div([
        html.P(t("sheet_resolve", lang), className="sheet-conflicts-note") if options else None,
        dcc.Checklist(id=ids.SHEET_RESOLVE, options=options, value=[], className="sheet-resolve",
                      labelClassName="sheet-resolve-row"),
    ], className="sheet-conflicts", hidden=not options)


def preview_table(diff: sheet.Diff, lang: str):
    if diff.problems:
        return html.Div([html.Strong(t("sheet_problems", lang)), html.Ul([html.Li(t(p, lang)) for p in diff.problems])],
                        className="record-problems", role="alert")
    if not diff.changes:
        return html.P(t("sheet_nothing", lang), className="sheet-nothing")

    def note(change):
        if change.problem:
            return f"{t(change.problem, lang)} ({t('sheet_not_recorded', lang)})"
        if change.conflict:
            return html.Strong(t("sheet_conflict", lang), className="sheet-conflict")
        return ""

    shown = diff.changes[:PREVIEW_ROWS]  # a preview, not the sheet again: its size is bounded
    rows = [[str(c.row), html.Span(c.case_id, className="mono"),
             t(f"action_{c.what}", lang) if c.what else "–", c.downloaded or "–", c.before or "–", c.value or "–",
             note(c)]
            for c in shown]
    hidden = len(diff.changes) - len(shown)
    headers = [t(k, lang) for k in ("sheet_col_row", "sheet_col_case", "sheet_col_change", "sheet_col_downloaded",
                                    "sheet_col_before", "sheet_col_value", "sheet_col_problem")]
    conflicts = diff.conflicts
    return html.Div([
        html.H3(t("sheet_preview", lang)),
        html.P([html.Strong(str(len(diff.events)), **{"data-metric": "sheet_events"}), " ",
                t("sheet_events_to_record", lang)], className="sheet-count"),
        html.P([html.Strong(str(len(conflicts)), **{"data-metric": "sheet_conflicts"}), " ",
                t("sheet_conflicts_count", lang)], className="sheet-count record-problems",
               role="alert") if conflicts else None,
        table(headers, rows, className="sheet-preview",
              row_class=lambda i: "row-problem" if diff.changes[i].problem else
              "row-conflict" if diff.changes[i].conflict else None),
        html.P(f"{t('sheet_more_changes', lang)}: {hidden}", className="sheet-more",
               **{"data-metric": "sheet_hidden"}) if hidden else None,
        _resolve(diff, lang),
        html.Button(t("sheet_confirm", lang), id=ids.SHEET_CONFIRM, n_clicks=0, className="button primary",
                    type="button", disabled=not diff.events and not conflicts),
    ], className="sheet-pending")


def register_sheet(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.SHEET_PREVIEW, "children"),
        Output(ids.SHEET_PENDING, "data"),
        Input(ids.SHEET_UPLOAD, "contents"),
        prevent_initial_call=True,
    )
    def preview_sheet(contents):
        actor, team_id = _team(context)
        content = _content(contents)
        diff = sheet.diff_sheet(context, actor, team_id, content, g.lang)
        # the file stays in the browser until confirmed; confirming reads it again on the server
        pending = {"contents": contents, "digest": diff.digest()} if diff.events or diff.conflicts else None
        return preview_table(diff, g.lang), pending

    @app.callback(
        Output(ids.SHEET_MESSAGE, "children"),
        Output(ids.SHEET_PENDING_CLEAR, "data"),
        Input(ids.SHEET_CONFIRM, "n_clicks"),
        State(ids.SHEET_PENDING, "data"),
        State(ids.SHEET_RESOLVE, "value"),
        prevent_initial_call=True,
    )
    def confirm_sheet(clicks, pending, resolved):
        actor, team_id = _team(context)
        lang = g.lang
        if not clicks or not isinstance(pending, dict):
            raise PreventUpdate
        diff = sheet.diff_sheet(context, actor, team_id, _content(pending.get("contents")), lang)
        if not diff.events and not diff.conflicts:
            return html.P(t("sheet_nothing", lang), className="sheet-nothing"), None
        if diff.digest() != pending.get("digest"):
            return html.P(t("sheet_changed_meanwhile", lang), className="record-problems", role="alert"), None
        # a conflicting row is recorded from the sheet only where the user chose so in the preview
        events = diff.events + diff.chosen(resolved)
        if not events:
            return html.P(t("sheet_nothing", lang), className="sheet-nothing"), None
        try:
            summary = recording.record_sheet(context.store, context.metrics.model, actor, team_id, events,
                                             context.metrics.clock())
        except DomainError:
            abort(403)  # the sheet's diff is made of the team's own cases: anything else was sent by hand
        parts = [f"{summary.accepted} {t('sheet_recorded', lang)}"]
        if summary.duplicates:
            parts.append(t("record_duplicate", lang))
        if summary.rejected:
            parts.append(f"{t('record_refused', lang)}: " + "; ".join(reason_text(e.reason, lang) for e in summary.errors))
        return html.P(" · ".join(parts), className="record-done", **{"data-metric": "sheet_recorded",
                                                                     "data-count": str(summary.accepted)}), None
