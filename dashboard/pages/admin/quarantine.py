"""Administration of the quarantine: refused events, resubmitted one at a time."""

from __future__ import annotations

from types import SimpleNamespace

from dash import ALL, Input, Output, ctx, html
from flask import g

from core.access import Action
from core.reasons import reason_text
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import day_label, event_label, number, t
from dashboard.inputs import clicked, entry_id
from dashboard.pages.admin.forms import failed, hint, message, ok, section, section_table
from dashboard.scope import acting
from ingest.quarantine import NotInQuarantine, list_quarantine
from services import quarantine

QUARANTINE_SHOWN = 200


def quarantine_table(context: DashboardContext, lang: str):
    # list_quarantine reads the store's engine only
    entries = list_quarantine(context.store or SimpleNamespace(engine=context.engine), limit=QUARANTINE_SHOWN)
    if not entries:
        return html.P("✓ " + t("quarantine_empty", lang), className="empty")
    none = t("none", lang)
    # the refused event itself is left out: it may hold a citizen's identifier as sent
    return table(
        ["#", t("received", lang), t("source", lang), t("col_case", lang), t("kind", lang), t("reason", lang),
         t("attempts", lang), ""],
        [[str(q["id"]), day_label(q["received_at"], context.zone, lang), q["source"] or q["origin"] or none,
          html.Span(q["case_id"] or none, className="mono"), event_label(q["type"], lang) if q["type"] else none,
          html.Span(reason_text(q["reason"], lang), className="small"),
          number(q["attempts"], lang),
          html.Button(t("resubmit", lang), id={"type": ids.ADMIN_RESUBMIT, "id": q["id"]}, n_clicks=0,
                      className="button small", disabled=context.store is None,
                      **{"aria-label": f"{t('resubmit', lang)}: #{q['id']}"})]
         for q in entries],
        className="compact")


def layout(context: DashboardContext, lang: str) -> list:
    return [section("quarantine", t("quarantine", lang), [
        hint(t("admin_resubmit_hint", lang)),
        message(ids.ADMIN_QUARANTINE_MESSAGE),
        section_table(ids.ADMIN_QUARANTINE, quarantine_table(context, lang)),
    ])]


def register(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.ADMIN_QUARANTINE, "children"),
        Output(ids.ADMIN_QUARANTINE_MESSAGE, "children"),
        Input({"type": ids.ADMIN_RESUBMIT, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def resubmit_entry(_clicks):
        actor = acting(Action.resubmit_quarantine)
        lang = g.lang
        answer = ""
        trigger = ctx.triggered_id
        entry = entry_id(trigger) if isinstance(trigger, dict) else None
        if entry is not None and clicked() and context.store is not None:
            try:
                summary = quarantine.resubmit_entry(context.store, actor, entry)
            except NotInQuarantine:
                answer = failed(f"#{entry}: {t('not_in_quarantine', lang)}")
            else:
                if summary.rejected:
                    answer = failed(f"#{entry}: {t('resubmit_refused', lang)}: {reason_text(summary.errors[0].reason, lang)}")
                elif summary.duplicates:
                    answer = ok(f"#{entry}: {t('resubmit_duplicate', lang)}")
                else:
                    answer = ok(f"#{entry}: {t('resubmit_accepted', lang)}")
        return quarantine_table(context, lang), answer
