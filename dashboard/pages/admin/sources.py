"""Administration of the collectors' sources: adding a feed or a drop folder, running and
removing one."""

from __future__ import annotations

from dash import ALL, Input, Output, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import g

from core.access import Action
from core.reasons import reason_text
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import nt, number, t, time_label
from dashboard.inputs import clicked
from dashboard.pages.admin.forms import (
    answer,
    control,
    failed,
    field,
    form_row,
    listed,
    message,
    ok,
    paged,
    require,
    row_buttons_redrawn,
    section,
    section_list,
    section_table,
    text,
    values,
    whole_number,
)
from dashboard.scope import acting
from ingest.sources import SOURCE_KINDS, SourceBusy, SourceNotFound, list_sources
from services import sources
from services.actor import Actor

INTERVAL_DEFAULT = 60


def _location(source) -> str:
    return str(source.config.get("url") or source.config.get("path") or "")


def sources_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    return paged(ids.ADMIN_SOURCES, lang, list_sources(context.engine), query=query, page=page,
                 words=lambda s: (s.name, t(f"kind_{s.kind}", lang), _location(s)),
                 draw=lambda shown: _sources_drawn(context, lang, shown))


def sources_table(context: DashboardContext, lang: str):
    return listed(ids.ADMIN_SOURCES, lang, sources_page(context, lang), t("sources", lang))


def _sources_drawn(context: DashboardContext, lang: str, shown: list):
    none = t("none", lang)
    rows = []
    for s in shown:
        state = (html.Span(["✕ ", t("source_failed", lang)], className="status status-behind") if s.last_error
                 else html.Span(["✓ ", t("yes", lang)], className="status status-on_track") if s.enabled
                 else html.Span(t("no", lang), className="status status-none"))
        rows.append([
            html.Strong(s.name), t(f"kind_{s.kind}", lang),
            html.Span(_location(s), className="mono small"), number(s.interval_seconds, lang), state,
            time_label(s.last_success_at, context.zone, lang) if s.last_success_at else none,
            number(s.events_taken, lang), html.Span(reason_text(s.last_error, lang) or none, className="small"),
            html.Div([
                html.Button(t("run_now", lang), id={"type": ids.ADMIN_SOURCE_RUN, "name": s.name}, n_clicks=0,
                            className="button small", **{"aria-label": f"{t('run_now', lang)}: {s.name}"},
                            disabled=context.store is None),
                html.Button(t("remove", lang), id={"type": ids.ADMIN_SOURCE_REMOVE, "name": s.name}, n_clicks=0,
                            className="button quiet small danger", **{"aria-label": f"{t('remove', lang)}: {s.name}"}),
            ], className="row-actions"),
        ])
    return table([t("source", lang), t("kind", lang), t("location", lang), t("interval_seconds", lang),
                  t("enabled", lang), t("last_success", lang), t("events_taken", lang), t("last_error", lang), ""],
                 rows, className="compact")


def layout(context: DashboardContext, lang: str) -> list:
    return [section("sources", t("sources", lang), [
        form_row([
            control(t("name", lang), field(ids.ADMIN_SOURCE_NAME)),
            control(t("kind", lang), dcc.Dropdown(
                id=ids.ADMIN_SOURCE_KIND, clearable=False, searchable=False, value=SOURCE_KINDS[0],
                options=[{"label": t(f"kind_{k}", lang), "value": k} for k in SOURCE_KINDS])),
            control(t("location", lang), field(ids.ADMIN_SOURCE_LOCATION, placeholder="https://… · /srv/…"),
                    wide=True),
            control(t("feed_token", lang), field(ids.ADMIN_SOURCE_TOKEN, kind="password")),
            control(t("interval_seconds", lang), field(ids.ADMIN_SOURCE_INTERVAL, value=str(INTERVAL_DEFAULT),
                                                       mode="numeric", size="narrow")),
        ], t("add_source", lang), ids.ADMIN_SOURCE_ADD),
        message(ids.ADMIN_SOURCE_MESSAGE),
        section_table(ids.ADMIN_SOURCES, sources_table(context, lang)),
    ], len(list_sources(context.engine)))]


def register(app, context: DashboardContext) -> None:
    section_list(app, Action.write_sources, ids.ADMIN_SOURCES,
                 lambda lang, query, page: sources_page(context, lang, query, page))

    def add(actor: Actor, lang: str, name, kind, location, token, interval):
        require(lang, name=name, location=location)
        seconds = whole_number(interval, lang, "err_interval")
        seconds = INTERVAL_DEFAULT if seconds is None else seconds
        config = ({"url": location, **({"token": token} if token else {})} if kind == "http_feed"
                  else {"path": location})
        sources.add(context.engine, actor, name, kind or "", config, interval_seconds=seconds)
        return ok(f"{t('saved', lang)}: {name}")

    def act(actor: Actor, lang: str, trigger: dict):
        name = str(trigger.get("name", ""))
        try:
            if trigger["type"] == ids.ADMIN_SOURCE_REMOVE:
                sources.remove(context.engine, actor, name)
                return ok(f"{t('removed', lang)}: {name}")
            if context.store is None:
                return ""
            result = sources.run(context.store, actor, name)
        except SourceNotFound:
            return failed(t("not_found", lang))
        except SourceBusy:
            return failed(t("source_busy", lang))
        summary = result.outcome.summary
        # nt() outside the f-strings, where extraction (`make messages`) finds the keys
        counts = ", ".join(f"{number(n, lang)} {word}" for n, word in (
            (summary.accepted, nt("accepted_n", summary.accepted, lang)),
            (summary.duplicates, nt("duplicates_n", summary.duplicates, lang)),
            (summary.rejected, nt("rejected_n", summary.rejected, lang))))
        if result.error:
            return failed(f"{t('source_failed', lang)}: {name} – {counts} ({reason_text(result.error, lang)})")
        return ok(f"{t('source_ran', lang)}: {name} – {counts}")

    @app.callback(
        Output(ids.ADMIN_SOURCES, "children"),
        Output(ids.ADMIN_SOURCE_MESSAGE, "children"),
        Input(ids.ADMIN_SOURCE_ADD, "n_clicks"),
        Input({"type": ids.ADMIN_SOURCE_RUN, "name": ALL}, "n_clicks"),
        Input({"type": ids.ADMIN_SOURCE_REMOVE, "name": ALL}, "n_clicks"),
        *values(ids.ADMIN_SOURCE_NAME, ids.ADMIN_SOURCE_KIND, ids.ADMIN_SOURCE_LOCATION, ids.ADMIN_SOURCE_TOKEN,
                ids.ADMIN_SOURCE_INTERVAL),
        prevent_initial_call=True,
    )
    def manage_sources(_add, _runs, _removes, name, kind, location, token, interval):
        actor = acting(Action.write_sources)
        if row_buttons_redrawn():
            raise PreventUpdate
        lang = g.lang
        answered = ""
        trigger = ctx.triggered_id
        if trigger == ids.ADMIN_SOURCE_ADD:
            answered = answer(lambda: add(actor, lang, text(name), kind, text(location), text(token), interval), lang,
                              "location")
        elif isinstance(trigger, dict) and clicked():
            answered = act(actor, lang, trigger)
        return sources_table(context, lang), answered
