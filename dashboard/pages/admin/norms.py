"""Administration of the caseload norms: the band of cases each role carries."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, dcc, html
from flask import g

from core.access import Action
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import number, role_label, t
from dashboard.pages.admin.forms import amount, answer, err, hint, message, ok, section
from dashboard.scope import acting
from services import targets
from services.actor import Actor


def norms_form(context: DashboardContext, lang: str):
    rows = []
    for band in context.metrics.get_norms():
        role = band["role"]
        label = role_label(role, lang)
        rows.append([
            html.Strong(label),
            html.Label([html.Span(f"{label}: {t('low', lang)}", className="visually-hidden"),
                        dcc.Input(id={"type": ids.ADMIN_NORM_LOW, "role": role}, type="text", inputMode="numeric",
                                  value="" if band.get("low") is None else str(band["low"]),
                                  className="field narrow")]),
            html.Label([html.Span(f"{label}: {t('high', lang)}", className="visually-hidden"),
                        dcc.Input(id={"type": ids.ADMIN_NORM_HIGH, "role": role}, type="text", inputMode="numeric",
                                  value="" if band.get("high") is None else str(band["high"]),
                                  className="field narrow")]),
        ])
    return table([t("role", lang), t("low", lang), t("high", lang)], rows, className="compact norms-form")


def layout(context: DashboardContext, lang: str) -> list:
    return [section("norms", t("norms", lang), [
        hint(t("norms_hint", lang)),
        html.Div(norms_form(context, lang), className="table-wrap norms-wrap"),
        html.Div([html.Button(t("save", lang), id=ids.ADMIN_NORM_SAVE, n_clicks=0, className="button primary"),
                  message(ids.ADMIN_NORM_MESSAGE)], className="toolbar"),
    ])]


def _bands(roles, lows, highs, lang: str) -> list[dict]:
    bands = []
    for role, low, high in zip(roles, lows, highs, strict=True):
        try:
            low_n, high_n = amount(low, lang, whole=True), amount(high, lang, whole=True)
        except ValueError:
            raise err("err_whole", lang, field=role_label(role, lang)) from None
        if low_n is not None and high_n is not None and low_n > high_n:
            raise err("err_low_high", lang, field=role_label(role, lang))
        bands.append({"role": role, "low": None if low_n is None else int(low_n),
                      "high": None if high_n is None else int(high_n)})
    return bands


def _save_norms(context: DashboardContext, actor: Actor, lang: str, lows, highs):
    roles = [item["id"]["role"] for item in ctx.states_list[0]]
    saved = targets.set_norms(context.metrics, actor, _bands(roles, lows, highs, lang))
    return ok(f"{t('saved', lang)}: " + ", ".join(
        f"{role_label(b['role'], lang)} {number(b.get('low'), lang)}–{number(b.get('high'), lang)}"
        if b.get("high") is not None else f"{role_label(b['role'], lang)} {t('no_norm', lang)}" for b in saved))


def register(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.ADMIN_NORM_MESSAGE, "children"),
        Input(ids.ADMIN_NORM_SAVE, "n_clicks"),
        State({"type": ids.ADMIN_NORM_LOW, "role": ALL}, "value"),
        State({"type": ids.ADMIN_NORM_HIGH, "role": ALL}, "value"),
        prevent_initial_call=True,
    )
    def save_norms(_clicks, lows, highs):
        actor = acting(Action.write_norms)
        lang = g.lang
        return answer(lambda: _save_norms(context, actor, lang, lows, highs), lang, "norms")
