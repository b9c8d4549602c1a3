"""Administration of the quarantine: refused events, resubmitted one at a time, or dismissed with
a reason when they are not to be sent again (kept, marked dismissed)."""

from __future__ import annotations

from types import SimpleNamespace

from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from flask import g

from core.access import Action
from core.errors import DomainError
from core.messages import N_
from core.reasons import error_text, reason_text
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import day_label, event_label, number, t
from dashboard.inputs import clicked, entry_id
from dashboard.pages.admin.forms import (
    control,
    failed,
    field,
    hint,
    listed,
    message,
    ok,
    paged,
    row_buttons_redrawn,
    section,
    section_list,
    section_table,
)
from dashboard.scope import acting
from ingest.quarantine import NotInQuarantine, list_quarantine
from services import quarantine

QUARANTINE_SHOWN = 5000
# reasons an admin often gives, offered in the reason field (any other may be typed)
DISMISS_REASONS = (N_("dismiss_reason_test"), N_("dismiss_reason_mistake"), N_("dismiss_reason_entered"))


def _entries(context: DashboardContext) -> list[dict]:
    # list_quarantine reads the store's engine only
    return list_quarantine(context.store or SimpleNamespace(engine=context.engine), limit=QUARANTINE_SHOWN)


def quarantine_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    none = t("none", lang)

    def source(q: dict) -> str:
        return q["source"] or q["origin"] or none

    # the refused event itself is left out: it may hold a citizen's identifier as sent
    return paged(
        ids.ADMIN_QUARANTINE, lang, _entries(context), query=query, page=page,
        empty="✓ " + t("quarantine_empty", lang),
        words=lambda q: (f"#{q['id']}", source(q), q["case_id"], event_label(q["type"], lang) if q["type"] else None,
                         reason_text(q["reason"], lang)),
        draw=lambda shown: table(
            ["#", t("received", lang), t("source", lang), t("col_case", lang), t("kind", lang), t("reason", lang),
             t("attempts", lang), ""],
            [[str(q["id"]), day_label(q["received_at"], context.zone, lang), source(q),
              html.Span(q["case_id"] or none, className="mono"), event_label(q["type"], lang) if q["type"] else none,
              html.Span(reason_text(q["reason"], lang), className="small"),
              number(q["attempts"], lang),
              html.Div([
                  html.Button(t("resubmit", lang), id={"type": ids.ADMIN_RESUBMIT, "id": q["id"]}, n_clicks=0,
                              className="button small", disabled=context.store is None,
                              **{"aria-label": f"{t('resubmit', lang)}: #{q['id']}"}),
                  html.Button(t("dismiss", lang), id={"type": ids.ADMIN_DISMISS, "id": q["id"]}, n_clicks=0,
                              className="button quiet small danger", disabled=context.store is None,
                              **{"aria-label": f"{t('dismiss', lang)}: #{q['id']}"}),
              ], className="row-actions")]
             for q in shown],
            className="compact"))


def quarantine_table(context: DashboardContext, lang: str):
    return listed(ids.ADMIN_QUARANTINE, lang, quarantine_page(context, lang), t("quarantine", lang))


def layout(context: DashboardContext, lang: str) -> list:
    return [section("quarantine", t("quarantine", lang), [
        hint(t("admin_resubmit_hint", lang)),
        html.Div([
            control(t("dismiss_reason", lang), field(ids.ADMIN_QUARANTINE_REASON, list_="admin-dismiss-reasons"),
                    wide=True),
            html.Datalist([html.Option(value=t(key, lang)) for key in DISMISS_REASONS], id="admin-dismiss-reasons"),
        ], className="toolbar form-row"),
        hint(t("dismiss_hint", lang)),
        message(ids.ADMIN_QUARANTINE_MESSAGE),
        section_table(ids.ADMIN_QUARANTINE, quarantine_table(context, lang)),
    ])]


def register(app, context: DashboardContext) -> None:
    section_list(app, Action.read_quarantine, ids.ADMIN_QUARANTINE,
                 lambda lang, query, page: quarantine_page(context, lang, query, page))

    def resubmit(actor, entry: int, lang: str):
        try:
            summary = quarantine.resubmit_entry(context.store, actor, entry)
        except NotInQuarantine:
            return failed(f"#{entry}: {t('not_in_quarantine', lang)}")
        if summary.rejected:
            return failed(f"#{entry}: {t('resubmit_refused', lang)}: {reason_text(summary.errors[0].reason, lang)}")
        if summary.duplicates:
            return ok(f"#{entry}: {t('resubmit_duplicate', lang)}")
        return ok(f"#{entry}: {t('resubmit_accepted', lang)}")

    def dismiss(actor, entry: int, reason, lang: str):
        try:
            quarantine.dismiss_entry(context.store, actor, entry, reason if isinstance(reason, str) else None)
        except NotInQuarantine:
            return failed(f"#{entry}: {t('not_in_quarantine', lang)}")
        except DomainError as exc:
            return failed(f"#{entry}: {error_text(exc, lang)}")
        return ok(f"#{entry}: " + t("dismissed", lang))

    @app.callback(
        Output(ids.ADMIN_QUARANTINE, "children"),
        Output(ids.ADMIN_QUARANTINE_MESSAGE, "children"),
        Input({"type": ids.ADMIN_RESUBMIT, "id": ALL}, "n_clicks"),
        Input({"type": ids.ADMIN_DISMISS, "id": ALL}, "n_clicks"),
        State(ids.ADMIN_QUARANTINE_REASON, "value"),
        prevent_initial_call=True,
    )
    def act_on_entry(_resubmits, _dismissals, reason):
        lang = g.lang
        answer = ""
        trigger = ctx.triggered_id
        kind = trigger.get("type") if isinstance(trigger, dict) else None
        actor = acting(Action.dismiss_quarantine if kind == ids.ADMIN_DISMISS else Action.resubmit_quarantine)
        if row_buttons_redrawn():
            raise PreventUpdate
        entry = entry_id(trigger) if kind is not None else None
        if entry is not None and clicked() and context.store is not None:
            answer = (dismiss(actor, entry, reason, lang) if kind == ids.ADMIN_DISMISS
                      else resubmit(actor, entry, lang))
        return quarantine_table(context, lang), answer
