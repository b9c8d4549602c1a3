"""Administration: teams, workers, targets and goals, norms, sources, the quarantine and access
tokens, each edited through the same service functions the API routes call. Every change is
refused to anyone but an admin (core/access.py) and appended to the audit log (core/audit.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import g, request
from pydantic import ValidationError

from core import audit, identity
from core.access import Action, Role
from core.accounts import SignedInUser
from core.database import as_utc, utcnow
from core.numbers import NumberError, parse_number
from core.reasons import reason_text
from core.tokens import TokenError, create_token, hash_token, list_tokens, revoke_token
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import (
    day_label,
    event_label,
    exact_figure,
    figure,
    metric_label,
    month_label,
    number,
    number_refused,
    role_label,
    t,
    time_label,
)
from dashboard.scope import current_user, permit
from ingest.events import ROLES as WORKER_ROLES
from ingest.organisation import TeamIn, WorkerIn, list_teams, list_workers, put_team, put_worker
from ingest.quarantine import NotInQuarantine, list_quarantine, resubmit
from ingest.sources import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    NAME_PATTERN,
    SOURCE_KINDS,
    SourceBusy,
    SourceError,
    SourceExists,
    SourceNotFound,
    add_source,
    list_sources,
    remove_source,
    run_source,
)
from metrics.calendar import add_months
from metrics.definitions import BY_NAME, TARGET_METRICS
from metrics.norms import NormError
from metrics.targets import TargetError

QUARANTINE_SHOWN = 200
TARGETS_SHOWN = 300
TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX = 90, 3650  # as the API's POST /tokens
MONTHS_AHEAD = 18
SECTIONS = ("teams", "workers", "targets", "norms", "sources", "quarantine", "tokens")


# -- small helpers ---------------------------------------------------------------------------


def _text(value) -> str | None:
    """A field's text, trimmed; None when empty (no database text holds NUL: it is dropped)."""
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip() or None


def _entry_id(trigger) -> int | None:
    """The id of a row's button as Dash sends it back (a crafted request may send anything)."""
    try:
        value = int(trigger["id"])
    except (KeyError, TypeError, ValueError):
        return None
    return value if 1 <= value <= 2**31 - 1 else None


def _amount(value, lang: str, *, whole: bool = False) -> Decimal | None:
    """A number as people type it in their language (core/numbers.py: 1.234,5 in da/de, 1,234.5 in
    en); None when empty; ValueError (a NumberError tells why) if not a number from 0."""
    amount = parse_number(value, lang)  # anything else a crafted request sends is refused
    if amount is None:
        return None
    if amount < 0 or (whole and amount != amount.to_integral_value()):
        raise ValueError(value)
    return amount


class FormError(ValueError):
    """A form that cannot be saved as filled in; the message is in the user's language."""


def _err(key: str, lang: str, **values) -> FormError:
    return FormError(t(key, lang).format(**values))


def _require(lang: str, **fields) -> None:
    """Refuses the first of the fields (label key = value) left empty, in the order given."""
    for label, value in fields.items():
        if not value:
            raise _err("err_required", lang, field=t(label, lang))


def _ok(text: str):
    return html.Span(["✓ ", text], className="ok")


def _refused(text: str, lang: str, detail: str | None = None):
    words = [f"✕ {t('not_saved', lang)}: {text}"]
    if detail:
        words.append(html.Span(f" ({detail})", className="muted"))
    return html.Span(words, className="form-error")


def _reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False))


def _clicked() -> bool:
    return bool(ctx.triggered) and any(item["value"] for item in ctx.triggered)


def _record(context: DashboardContext, user: SignedInUser, action: str, *, team_id: str | None = None,
            worker_id: str | None = None, detail: str | None = None) -> None:
    """An admin change in the audit log: who, what, when, from where (no names, no case data)."""
    audit.record(context.engine, channel="dashboard", actor=f"user:{user.username}", role=user.role.value,
                 action=action, team_id=team_id, worker_id=worker_id, detail=detail, address=request.remote_addr)


def _control(label: str, component, *, wide: bool = False):
    return html.Label([label, component], className="control control-wide" if wide else "control")


def _input(id_, *, kind: str = "text", value=None, placeholder: str | None = None, mode: str | None = None,
           size: str | None = None, list_: str | None = None):
    extra = {}
    if mode:
        extra["inputMode"] = mode
    if list_:
        extra["list"] = list_
    return dcc.Input(id=id_, type=kind, value=value, placeholder=placeholder, autoComplete="off",
                     debounce=False, className=f"field {size or ''}".strip(), **extra)


def _section(key: str, title: str, body: list, count: int | None = None):
    heading = f"{title} ({count})" if count is not None else title
    return html.Section([html.H2(heading, id=f"section-{key}-heading"), *body], className="section admin-section",
                        id=f"section-{key}", **{"aria-labelledby": f"section-{key}-heading"})


def _message(id_):
    return html.P(id=id_, className="message", role="status", **{"aria-live": "polite"})


def _team_options(context: DashboardContext):
    return [{"label": f"{team.name} ({team.team_id})", "value": team.team_id} for team in list_teams(context.engine)]


def _worker_options(context: DashboardContext):
    return [{"label": f"{w.name} ({w.worker_id})", "value": w.worker_id} for w in list_workers(context.engine)]


def _months(context: DashboardContext, lang: str):
    current = context.current_month()
    return [{"label": month_label(m, lang), "value": m} for m in (add_months(current, k) for k in range(-1, MONTHS_AHEAD))]


def _metric_options(lang: str):
    return [{"label": metric_label(m, lang) + (" (%)" if _is_share(m) else ""), "value": m} for m in TARGET_METRICS]


def _is_share(metric: str) -> bool:
    return metric in BY_NAME and BY_NAME[metric].value == "share"


# -- tables ----------------------------------------------------------------------------------


def teams_table(context: DashboardContext, lang: str):
    teams = list_teams(context.engine)
    none = t("none", lang)
    return table(
        [t("team", lang), "id", t("unit", lang), ""],
        [[team.name, html.Span(team.team_id, className="mono"), team.unit or none,
          html.Button(t("edit", lang), id={"type": ids.ADMIN_TEAM_EDIT, "id": team.team_id}, n_clicks=0,
                      className="button quiet small", **{"aria-label": f"{t('edit', lang)}: {team.name}"})]
         for team in teams],
        className="compact")


def workers_table(context: DashboardContext, lang: str):
    workers = list_workers(context.engine)
    names = {team.team_id: team.name for team in list_teams(context.engine)}
    none = t("none", lang)
    return table(
        [t("worker", lang), "id", t("team", lang), t("roles", lang), ""],
        [[w.name, html.Span(w.worker_id, className="mono"), names.get(w.team_id or "", w.team_id or none),
          ", ".join(role_label(r, lang) for r in w.roles) or none,
          html.Button(t("edit", lang), id={"type": ids.ADMIN_WORKER_EDIT, "id": w.worker_id}, n_clicks=0,
                      className="button quiet small", **{"aria-label": f"{t('edit', lang)}: {w.name}"})]
         for w in workers],
        className="compact")


def targets_table(context: DashboardContext, lang: str):
    first = add_months(context.current_month(), -1)
    shown = [x for x in context.metrics.get_targets() if x["month"] >= first][:TARGETS_SHOWN]
    if not shown:
        return html.P(t("none_yet", lang), className="empty")
    name = context.directory.team_name
    return table(
        [t("team", lang), t("metric", lang), t("month", lang), t("target", lang)],
        [[name(x["team_id"]), metric_label(x["metric"], lang), month_label(x["month"], lang),
          html.Span(exact_figure(x["metric"], x["value"], lang), className="cell-figure")] for x in shown],
        className="compact")


def _milestones(goal: dict, lang: str) -> str:
    return ", ".join(f"{month_label(m['month'], lang, short=True)}: {figure(goal['metric'], m['value'], lang)}"
                     for m in goal["milestones"]) or t("none", lang)


def goals_table(context: DashboardContext, lang: str):
    goals = context.metrics.get_goals()
    if not goals:
        return html.P(t("none_yet", lang), className="empty")
    name = context.directory.team_name
    return table(
        [t("team", lang), t("metric", lang), t("to_month", lang), t("target", lang), t("goal_milestones", lang)],
        [[name(x["team_id"]), metric_label(x["metric"], lang), month_label(x["by"], lang),
          html.Span(exact_figure(x["metric"], x["value"], lang), className="cell-figure"), _milestones(x, lang)]
         for x in goals],
        className="compact")


def _location(source) -> str:
    return str(source.config.get("url") or source.config.get("path") or "")


def sources_table(context: DashboardContext, lang: str):
    sources = list_sources(context.engine)
    if not sources:
        return html.P(t("none_yet", lang), className="empty")
    none = t("none", lang)
    rows = []
    for s in sources:
        state = (html.Span(["✕ ", t("source_failed", lang)], className="status status-behind") if s.last_error
                 else html.Span(["✓ ", t("yes", lang)], className="status status-on_track") if s.enabled
                 else html.Span(t("no", lang), className="status status-none"))
        rows.append([
            html.Strong(s.name), t(f"kind_{s.kind}", lang),
            html.Span(_location(s), className="mono small"), number(s.interval_seconds, lang), state,
            time_label(s.last_success_at, context.zone, lang) if s.last_success_at else none,
            number(s.events_taken, lang), html.Span(s.last_error or none, className="small"),
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


def tokens_table(context: DashboardContext, lang: str):
    tokens = list_tokens(context.engine)
    if not tokens:
        return html.P(t("none_yet", lang), className="empty")
    directory = context.directory
    none = t("none", lang)
    now = utcnow()
    rows = []
    for token in reversed(tokens):
        expires = as_utc(token.expires_at)
        if token.revoked_at is not None:
            state = html.Span(["✕ ", t("revoked", lang)], className="status status-behind")
        elif expires is not None and expires <= now:
            state = html.Span(["⌛ ", t("expired", lang)], className="status status-at_risk")
        else:
            state = html.Span(["✓ ", t("active", lang)], className="status status-on_track")
        bound = (directory.worker_name(token.worker_id) if token.worker_id
                 else directory.team_name(token.team_id) if token.team_id else none)
        live = token.revoked_at is None and (expires is None or expires > now)
        rows.append([
            str(token.id), token.name or none, html.Span(token.prefix + "…", className="mono"),
            t(f"role_{token.role}", lang), bound, day_label(as_utc(token.created_at).isoformat(), context.zone, lang),
            day_label(expires.isoformat(), context.zone, lang) if expires else none,
            time_label(as_utc(token.last_used_at), context.zone, lang) if token.last_used_at else none, state,
            html.Button(t("revoke", lang), id={"type": ids.ADMIN_TOKEN_REVOKE, "id": token.id}, n_clicks=0,
                        className="button quiet small danger", **{"aria-label": f"{t('revoke', lang)}: #{token.id}"})
            if live else "",
        ])
    return table(["#", t("token_name", lang), t("prefix", lang), t("role", lang), t("bound_to", lang),
                  t("created", lang), t("expires", lang), t("last_used", lang), t("state", lang), ""],
                 rows, className="compact")


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


# -- the page --------------------------------------------------------------------------------


def layout(context: DashboardContext, user, lang: str, query: dict):
    permit(user, Action.write_organisation)
    teams = _team_options(context)
    workers = _worker_options(context)
    months = _months(context, lang)
    choose = t("choose", lang)
    team_ids = [team["value"] for team in teams]
    worker_ids = [w["value"] for w in workers]
    toc = html.Nav(
        [html.A(t(key, lang), href=f"#section-{key}", className="toc-link")
         for key in SECTIONS],
        className="admin-toc", **{"aria-label": t("admin_sections", lang)})
    sections = [
        html.Div([html.H1(t("nav_admin", lang)), html.P(t("admin_intro", lang), className="muted")],
                 className="page-head"),
        toc,
        html.Datalist([html.Option(value=x) for x in team_ids], id="admin-team-ids"),
        html.Datalist([html.Option(value=x) for x in worker_ids], id="admin-worker-ids"),
    ]
    sections.append(_section("teams", t("teams", lang), [
        html.Div([
            _control(t("team_id", lang), _input(ids.ADMIN_TEAM_ID, list_="admin-team-ids")),
            _control(t("name", lang), _input(ids.ADMIN_TEAM_NAME), wide=True),
            _control(t("unit", lang), _input(ids.ADMIN_TEAM_UNIT)),
            html.Button(t("save", lang), id=ids.ADMIN_TEAM_SAVE, n_clicks=0, className="button primary"),
            html.P(t("team_form_hint", lang), className="hint muted"),
        ], className="toolbar form-row"),
        _message(ids.ADMIN_TEAM_MESSAGE),
        html.Div(teams_table(context, lang), id=ids.ADMIN_TEAMS, className="table-wrap"),
    ], len(teams)))
    sections.append(_section("workers", t("workers", lang), [
        html.Div([
            _control(t("worker_id", lang), _input(ids.ADMIN_WORKER_ID, list_="admin-worker-ids")),
            _control(t("name", lang), _input(ids.ADMIN_WORKER_NAME), wide=True),
            _control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_WORKER_TEAM, options=teams, placeholder=choose, searchable=False)),
            _control(t("roles", lang), dcc.Dropdown(
                id=ids.ADMIN_WORKER_ROLES, multi=True, searchable=False, value=["caseworker"], placeholder=choose,
                options=[{"label": role_label(r, lang), "value": r} for r in WORKER_ROLES]), wide=True),
            html.Button(t("save", lang), id=ids.ADMIN_WORKER_SAVE, n_clicks=0, className="button primary"),
            html.P(t("worker_form_hint", lang), className="hint muted"),
        ], className="toolbar form-row"),
        _message(ids.ADMIN_WORKER_MESSAGE),
        html.Div(workers_table(context, lang), id=ids.ADMIN_WORKERS, className="table-wrap"),
    ], len(workers)))
    metric_options = _metric_options(lang)
    sections.append(_section("targets", f"{t('targets', lang)} · {t('goals', lang)}", [
        html.Div([
            html.Div([
                html.H3(t("new_target", lang)),
                html.Div([
                    _control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_TARGET_TEAM, options=teams, placeholder=choose,
                                                                          searchable=False)),
                    _control(t("metric", lang), dcc.Dropdown(id=ids.ADMIN_TARGET_METRIC, options=metric_options,
                                                             placeholder=choose, searchable=False), wide=True),
                    _control(t("month", lang), dcc.Dropdown(id=ids.ADMIN_TARGET_MONTH, options=months,
                                                            value=context.current_month(), clearable=False,
                                                            searchable=False)),
                    _control(t("value", lang), _input(ids.ADMIN_TARGET_VALUE, mode="decimal", size="narrow")),
                    html.Button(t("save", lang), id=ids.ADMIN_TARGET_SAVE, n_clicks=0, className="button primary"),
                ], className="toolbar form-row"),
                html.P(t("value_hint", lang), className="hint muted"),
                _message(ids.ADMIN_TARGET_MESSAGE),
                html.Div(targets_table(context, lang), id=ids.ADMIN_TARGETS, className="table-wrap"),
            ]),
            html.Div([
                html.H3(t("new_goal", lang)),
                html.Div([
                    _control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_GOAL_TEAM, options=teams, placeholder=choose,
                                                                          searchable=False)),
                    _control(t("metric", lang), dcc.Dropdown(id=ids.ADMIN_GOAL_METRIC, options=metric_options,
                                                             placeholder=choose, searchable=False), wide=True),
                    _control(t("to_month", lang), dcc.Dropdown(id=ids.ADMIN_GOAL_MONTH, options=months[1:],
                                                               value=months[min(6, len(months) - 1)]["value"],
                                                               clearable=False, searchable=False)),
                    _control(t("value", lang), _input(ids.ADMIN_GOAL_VALUE, mode="decimal", size="narrow")),
                    html.Button(t("save", lang), id=ids.ADMIN_GOAL_SAVE, n_clicks=0, className="button primary"),
                ], className="toolbar form-row"),
                html.P(t("goal_hint", lang), className="hint muted"),
                _message(ids.ADMIN_GOAL_MESSAGE),
                html.Div(goals_table(context, lang), id=ids.ADMIN_GOALS, className="table-wrap"),
            ]),
        ], className="two-columns"),
    ]))
    sections.append(_section("norms", t("norms", lang), [
        html.P(t("norms_hint", lang), className="hint muted"),
        html.Div(norms_form(context, lang), className="table-wrap norms-wrap"),
        html.Div([html.Button(t("save", lang), id=ids.ADMIN_NORM_SAVE, n_clicks=0, className="button primary"),
                  _message(ids.ADMIN_NORM_MESSAGE)], className="toolbar"),
    ]))
    sources = list_sources(context.engine)
    sections.append(_section("sources", t("sources", lang), [
        html.Div([
            _control(t("name", lang), _input(ids.ADMIN_SOURCE_NAME)),
            _control(t("kind", lang), dcc.Dropdown(
                id=ids.ADMIN_SOURCE_KIND, clearable=False, searchable=False, value=SOURCE_KINDS[0],
                options=[{"label": t(f"kind_{k}", lang), "value": k} for k in SOURCE_KINDS])),
            _control(t("location", lang), _input(ids.ADMIN_SOURCE_LOCATION, placeholder="https://… · /srv/…"),
                     wide=True),
            _control(t("feed_token", lang), _input(ids.ADMIN_SOURCE_TOKEN, kind="password")),
            _control(t("interval_seconds", lang), _input(ids.ADMIN_SOURCE_INTERVAL, value="60", mode="numeric",
                                                         size="narrow")),
            html.Button(t("add_source", lang), id=ids.ADMIN_SOURCE_ADD, n_clicks=0, className="button primary"),
        ], className="toolbar form-row"),
        _message(ids.ADMIN_SOURCE_MESSAGE),
        html.Div(sources_table(context, lang), id=ids.ADMIN_SOURCES, className="table-wrap"),
    ], len(sources)))
    sections.append(_section("quarantine", t("quarantine", lang), [
        html.P(t("admin_resubmit_hint", lang), className="hint muted"),
        _message(ids.ADMIN_QUARANTINE_MESSAGE),
        html.Div(quarantine_table(context, lang), id=ids.ADMIN_QUARANTINE, className="table-wrap"),
    ]))
    sections.append(_section("tokens", t("tokens", lang), [
        html.H3(t("new_token", lang)),
        html.Div([
            _control(t("token_name", lang), _input(ids.ADMIN_TOKEN_NAME), wide=True),
            _control(t("role", lang), dcc.Dropdown(
                id=ids.ADMIN_TOKEN_ROLE, clearable=False, searchable=False, value=Role.ingest.value,
                options=[{"label": t(f"role_{r.value}", lang), "value": r.value} for r in Role])),
            _control(t("worker", lang), dcc.Dropdown(id=ids.ADMIN_TOKEN_WORKER, options=workers, placeholder=choose),
                     wide=True),
            _control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_TOKEN_TEAM, options=teams, placeholder=choose,
                                                                  searchable=False)),
            _control(t("expires_in_days", lang), _input(ids.ADMIN_TOKEN_DAYS, value=str(TOKEN_DAYS_DEFAULT),
                                                        mode="numeric", size="narrow")),
            html.Button(t("create", lang), id=ids.ADMIN_TOKEN_CREATE, n_clicks=0, className="button primary"),
        ], className="toolbar form-row"),
        _message(ids.ADMIN_TOKEN_MESSAGE),
        html.Div(id=ids.ADMIN_TOKEN_SECRET),
        html.Div(tokens_table(context, lang), id=ids.ADMIN_TOKENS, className="table-wrap"),
    ]))
    return html.Div(sections, className="admin")


# -- the callbacks ---------------------------------------------------------------------------


def register(app, context: DashboardContext) -> None:  # noqa: C901 (one callback per form)
    @app.callback(
        Output(ids.ADMIN_TEAMS, "children"),
        Output(ids.ADMIN_TEAM_MESSAGE, "children"),
        Output(ids.ADMIN_WORKER_TEAM, "options"),
        Output(ids.ADMIN_TARGET_TEAM, "options"),
        Output(ids.ADMIN_GOAL_TEAM, "options"),
        Output(ids.ADMIN_TOKEN_TEAM, "options"),
        Input(ids.ADMIN_TEAM_SAVE, "n_clicks"),
        State(ids.ADMIN_TEAM_ID, "value"),
        State(ids.ADMIN_TEAM_NAME, "value"),
        State(ids.ADMIN_TEAM_UNIT, "value"),
        prevent_initial_call=True,
    )
    def save_team(_clicks, team_id, name, unit):
        user = current_user()
        permit(user, Action.write_organisation)
        lang = g.lang
        message = ""
        if _clicked():
            team_id, name = _text(team_id), _text(name)
            try:
                if team_id is None:
                    raise _err("err_required", lang, field=t("team_id", lang))
                if len(team_id) > 128:
                    raise _err("err_ident", lang, field=t("team_id", lang))
                if name is None:
                    raise _err("err_required", lang, field=t("name", lang))
                if identity.detect(name) or identity.detect(_text(unit) or ""):
                    raise _err("identity_in_text", lang)
                existed = any(x.team_id == team_id for x in list_teams(context.engine))
                saved = put_team(context.engine, team_id, TeamIn(name=name, unit=_text(unit)))
                _record(context, user, "rename_team" if existed else "create_team", team_id=team_id)
                context.directory.forget()  # the new name on every screen now
                message = _ok(f"{t('saved', lang)}: {saved.name} ({saved.team_id})")
            except FormError as exc:
                message = _refused(str(exc), lang)
            except ValidationError as exc:
                message = _refused(t("name", lang), lang, _reason(exc))
        options = _team_options(context)
        return teams_table(context, lang), message, options, options, options, options

    @app.callback(
        Output(ids.ADMIN_TEAM_ID, "value"),
        Output(ids.ADMIN_TEAM_NAME, "value"),
        Output(ids.ADMIN_TEAM_UNIT, "value"),
        Input({"type": ids.ADMIN_TEAM_EDIT, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def edit_team(_clicks):
        permit(current_user(), Action.write_organisation)
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not _clicked():
            raise PreventUpdate
        team = next((x for x in list_teams(context.engine) if x.team_id == trigger["id"]), None)
        if team is None:
            raise PreventUpdate
        return team.team_id, team.name, team.unit or ""

    @app.callback(
        Output(ids.ADMIN_WORKERS, "children"),
        Output(ids.ADMIN_WORKER_MESSAGE, "children"),
        Output(ids.ADMIN_TOKEN_WORKER, "options"),
        Input(ids.ADMIN_WORKER_SAVE, "n_clicks"),
        State(ids.ADMIN_WORKER_ID, "value"),
        State(ids.ADMIN_WORKER_NAME, "value"),
        State(ids.ADMIN_WORKER_TEAM, "value"),
        State(ids.ADMIN_WORKER_ROLES, "value"),
        prevent_initial_call=True,
    )
    def save_worker(_clicks, worker_id, name, team_id, roles):
        user = current_user()
        permit(user, Action.write_organisation)
        lang = g.lang
        message = ""
        if _clicked():
            worker_id, name, team_id = _text(worker_id), _text(name), _text(team_id)
            try:
                if worker_id is None:
                    raise _err("err_required", lang, field=t("worker_id", lang))
                if len(worker_id) > 128:
                    raise _err("err_ident", lang, field=t("worker_id", lang))
                if name is None:
                    raise _err("err_required", lang, field=t("name", lang))
                if identity.detect(name):
                    raise _err("identity_in_text", lang)
                if team_id is not None and team_id not in {x.team_id for x in list_teams(context.engine)}:
                    raise _err("err_unknown_team", lang)
                chosen = [r for r in (roles or []) if r in WORKER_ROLES]
                existed = any(x.worker_id == worker_id for x in list_workers(context.engine))
                saved = put_worker(context.engine, worker_id, WorkerIn(name=name, team_id=team_id, roles=chosen))
                _record(context, user, "change_worker" if existed else "create_worker", worker_id=worker_id,
                        team_id=team_id, detail="roles: " + ",".join(saved.roles))
                context.directory.forget()
                message = _ok(f"{t('saved', lang)}: {saved.name} ({saved.worker_id})")
            except FormError as exc:
                message = _refused(str(exc), lang)
            except ValidationError as exc:
                message = _refused(t("name", lang), lang, _reason(exc))
        return workers_table(context, lang), message, _worker_options(context)

    @app.callback(
        Output(ids.ADMIN_WORKER_ID, "value"),
        Output(ids.ADMIN_WORKER_NAME, "value"),
        Output(ids.ADMIN_WORKER_TEAM, "value"),
        Output(ids.ADMIN_WORKER_ROLES, "value"),
        Input({"type": ids.ADMIN_WORKER_EDIT, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def edit_worker(_clicks):
        permit(current_user(), Action.write_organisation)
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not _clicked():
            raise PreventUpdate
        worker = next((x for x in list_workers(context.engine) if x.worker_id == trigger["id"]), None)
        if worker is None:
            raise PreventUpdate
        return worker.worker_id, worker.name, worker.team_id, list(worker.roles)

    def _known_team(team_id: str, lang: str) -> None:
        if team_id not in {x.team_id for x in list_teams(context.engine)}:
            raise _err("err_unknown_team", lang)

    def _value(metric: str | None, raw, lang: str) -> float | None:
        try:
            amount = _amount(raw, lang)
        except NumberError as exc:
            raise FormError(number_refused(exc.reason, t("value", lang), raw, lang)) from None
        except ValueError:
            raise _err("err_number", lang, field=t("value", lang)) from None
        if amount is not None and metric and _is_share(metric):
            if amount > 100:
                raise _err("err_share", lang)
            amount = amount / 100  # exact: 55,5 % is stored as 0.555
        return None if amount is None else float(amount)

    @app.callback(
        Output(ids.ADMIN_TARGETS, "children"),
        Output(ids.ADMIN_TARGET_MESSAGE, "children"),
        Input(ids.ADMIN_TARGET_SAVE, "n_clicks"),
        State(ids.ADMIN_TARGET_TEAM, "value"),
        State(ids.ADMIN_TARGET_METRIC, "value"),
        State(ids.ADMIN_TARGET_MONTH, "value"),
        State(ids.ADMIN_TARGET_VALUE, "value"),
        prevent_initial_call=True,
    )
    def save_target(_clicks, team_id, metric, month, raw):
        user = current_user()
        permit(user, Action.write_targets)
        lang = g.lang
        message = ""
        if _clicked():
            try:
                _require(lang, team=team_id, metric=metric, month=month)
                _known_team(team_id, lang)
                value = _value(metric, raw, lang)
                context.metrics.put_targets([{"team_id": team_id, "metric": metric, "month": month, "value": value}])
                _record(context, user, "remove_target" if value is None else "set_target", team_id=team_id,
                        detail=f"{metric} {month}" + ("" if value is None else f" = {value:g}"))
                what = f"{metric_label(metric, lang)}, {month_label(month, lang)}"
                message = _ok(f"{t('removed', lang)}: {what}" if value is None
                              else f"{t('saved', lang)}: {what}: {exact_figure(metric, value, lang)}")
            except FormError as exc:
                message = _refused(str(exc), lang)
            except TargetError as exc:
                message = _refused(t("value", lang), lang, str(exc))
        return targets_table(context, lang), message

    @app.callback(
        Output(ids.ADMIN_GOALS, "children"),
        Output(ids.ADMIN_GOAL_MESSAGE, "children"),
        Input(ids.ADMIN_GOAL_SAVE, "n_clicks"),
        State(ids.ADMIN_GOAL_TEAM, "value"),
        State(ids.ADMIN_GOAL_METRIC, "value"),
        State(ids.ADMIN_GOAL_MONTH, "value"),
        State(ids.ADMIN_GOAL_VALUE, "value"),
        prevent_initial_call=True,
    )
    def save_goal(_clicks, team_id, metric, by, raw):
        user = current_user()
        permit(user, Action.write_targets)
        lang = g.lang
        message = ""
        if _clicked():
            try:
                _require(lang, team=team_id, metric=metric, to_month=by)
                _known_team(team_id, lang)
                value = _value(metric, raw, lang)
                if value is None:
                    raise _err("err_required", lang, field=t("value", lang))
                saved = context.metrics.put_goals([{"team_id": team_id, "metric": metric, "by": by, "value": value}])
                _record(context, user, "set_goal", team_id=team_id, detail=f"{metric} by {by} = {value:g}")
                goal = saved[0] if saved else None
                message = html.Span([
                    _ok(f"{t('saved', lang)}: {metric_label(metric, lang)} {exact_figure(metric, value, lang)}, "
                        f"{month_label(by, lang)}"),
                    html.Br(),
                    html.Span(f"{t('goal_milestones', lang)}: {_milestones(goal, lang)}" if goal else "",
                              className="small milestones-line"),
                ])
            except FormError as exc:
                message = _refused(str(exc), lang)
            except TargetError as exc:
                message = _refused(t("value", lang), lang, str(exc))
        return goals_table(context, lang), message

    @app.callback(
        Output(ids.ADMIN_NORM_MESSAGE, "children"),
        Input(ids.ADMIN_NORM_SAVE, "n_clicks"),
        State({"type": ids.ADMIN_NORM_LOW, "role": ALL}, "value"),
        State({"type": ids.ADMIN_NORM_HIGH, "role": ALL}, "value"),
        prevent_initial_call=True,
    )
    def save_norms(_clicks, lows, highs):
        user = current_user()
        permit(user, Action.write_norms)
        lang = g.lang
        if not _clicked():
            return ""
        roles = [item["id"]["role"] for item in ctx.states_list[0]]
        bands = []
        try:
            for role, low, high in zip(roles, lows, highs, strict=True):
                try:
                    low_n, high_n = _amount(low, lang, whole=True), _amount(high, lang, whole=True)
                except ValueError:
                    raise _err("err_whole", lang, field=role_label(role, lang)) from None
                if low_n is not None and high_n is not None and low_n > high_n:
                    raise _err("err_low_high", lang, field=role_label(role, lang))
                bands.append({"role": role, "low": None if low_n is None else int(low_n),
                              "high": None if high_n is None else int(high_n)})
            saved = context.metrics.put_norms(bands)
        except FormError as exc:
            return _refused(str(exc), lang)
        except NormError as exc:
            return _refused(t("norms", lang), lang, str(exc))
        _record(context, user, "set_norms", detail="; ".join(
            f"{b['role']} {b['low'] if b['low'] is not None else '-'}-{b['high'] if b['high'] is not None else '-'}"
            for b in saved))
        return _ok(f"{t('saved', lang)}: " + ", ".join(
            f"{role_label(b['role'], lang)} {number(b.get('low'), lang)}–{number(b.get('high'), lang)}"
            if b.get("high") is not None else f"{role_label(b['role'], lang)} {t('no_norm', lang)}" for b in saved))

    @app.callback(
        Output(ids.ADMIN_SOURCES, "children"),
        Output(ids.ADMIN_SOURCE_MESSAGE, "children"),
        Input(ids.ADMIN_SOURCE_ADD, "n_clicks"),
        Input({"type": ids.ADMIN_SOURCE_RUN, "name": ALL}, "n_clicks"),
        Input({"type": ids.ADMIN_SOURCE_REMOVE, "name": ALL}, "n_clicks"),
        State(ids.ADMIN_SOURCE_NAME, "value"),
        State(ids.ADMIN_SOURCE_KIND, "value"),
        State(ids.ADMIN_SOURCE_LOCATION, "value"),
        State(ids.ADMIN_SOURCE_TOKEN, "value"),
        State(ids.ADMIN_SOURCE_INTERVAL, "value"),
        prevent_initial_call=True,
    )
    def manage_sources(_add, _runs, _removes, name, kind, location, token, interval):
        user = current_user()
        permit(user, Action.write_sources)
        lang = g.lang
        message = ""
        trigger = ctx.triggered_id
        if trigger == ids.ADMIN_SOURCE_ADD and _clicked():
            message = _add_source(user, lang, _text(name), kind, _text(location), _text(token), interval)
        elif isinstance(trigger, dict) and _clicked():
            source = str(trigger.get("name", ""))
            try:
                if trigger["type"] == ids.ADMIN_SOURCE_REMOVE:
                    remove_source(context.engine, source)
                    _record(context, user, "remove_source", detail=f"source {source}")
                    message = _ok(f"{t('removed', lang)}: {source}")
                elif context.store is not None:
                    result = run_source(context.store, source)
                    _record(context, user, "run_source", detail=f"source {source}: {result.status}")
                    summary = result.outcome.summary
                    counts = (f"{number(summary.accepted, lang)} {t('accepted_n', lang)}, "
                              f"{number(summary.duplicates, lang)} {t('duplicates_n', lang)}, "
                              f"{number(summary.rejected, lang)} {t('rejected_n', lang)}")
                    if result.error:
                        message = html.Span(f"✕ {t('source_failed', lang)}: {source} – {counts} ({result.error})",
                                            className="form-error")
                    else:
                        message = _ok(f"{t('source_ran', lang)}: {source} – {counts}")
            except SourceNotFound:
                message = html.Span(f"✕ {t('not_found', lang)}", className="form-error")
            except SourceBusy:
                message = html.Span(f"✕ {t('source_busy', lang)}", className="form-error")
        return sources_table(context, lang), message

    def _add_source(user, lang, name, kind, location, token, interval):
        try:
            if name is None:
                raise _err("err_required", lang, field=t("name", lang))
            if not NAME_PATTERN.fullmatch(name):
                raise _err("err_source_name", lang)
            if location is None:
                raise _err("err_required", lang, field=t("location", lang))
            if kind == "http_feed" and not re.match(r"^https?://", location, re.IGNORECASE):
                raise _err("err_url", lang)
            try:
                seconds = _amount(interval, lang, whole=True)
            except ValueError:
                raise _err("err_interval", lang) from None
            seconds = int(seconds) if seconds is not None else 60
            if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
                raise _err("err_interval", lang)
            config = {"url": location, **({"token": token} if token else {})} if kind == "http_feed" \
                else {"path": location}
            add_source(context.engine, name, kind or "", config, interval_seconds=seconds)
        except FormError as exc:
            return _refused(str(exc), lang)
        except SourceExists:
            return _refused(t("err_exists", lang), lang)
        except SourceError as exc:
            return _refused(t("location", lang), lang, str(exc))
        _record(context, user, "add_source", detail=f"source {name} ({kind}, every {seconds} s)")
        return _ok(f"{t('saved', lang)}: {name}")

    @app.callback(
        Output(ids.ADMIN_QUARANTINE, "children"),
        Output(ids.ADMIN_QUARANTINE_MESSAGE, "children"),
        Input({"type": ids.ADMIN_RESUBMIT, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def resubmit_entry(_clicks):
        user = current_user()
        permit(user, Action.resubmit_quarantine)
        lang = g.lang
        message = ""
        trigger = ctx.triggered_id
        entry = _entry_id(trigger) if isinstance(trigger, dict) else None
        if entry is not None and _clicked() and context.store is not None:
            try:
                summary = resubmit(context.store, entry)
            except NotInQuarantine:
                message = html.Span(f"✕ #{entry}: {t('not_in_quarantine', lang)}", className="form-error")
            else:
                if summary.rejected:
                    outcome = "refused"
                    message = html.Span(f"✕ #{entry}: {t('resubmit_refused', lang)}: {reason_text(summary.errors[0].reason, lang)}",
                                        className="form-error")
                elif summary.duplicates:
                    outcome = "duplicate"
                    message = _ok(f"#{entry}: {t('resubmit_duplicate', lang)}")
                else:
                    outcome = "accepted"
                    message = _ok(f"#{entry}: {t('resubmit_accepted', lang)}")
                _record(context, user, "resubmit_quarantine", detail=f"entry {entry}: {outcome}")
        return quarantine_table(context, lang), message

    @app.callback(
        Output(ids.ADMIN_TOKENS, "children"),
        Output(ids.ADMIN_TOKEN_MESSAGE, "children"),
        Output(ids.ADMIN_TOKEN_SECRET, "children"),
        Input(ids.ADMIN_TOKEN_CREATE, "n_clicks"),
        Input({"type": ids.ADMIN_TOKEN_REVOKE, "id": ALL}, "n_clicks"),
        State(ids.ADMIN_TOKEN_NAME, "value"),
        State(ids.ADMIN_TOKEN_ROLE, "value"),
        State(ids.ADMIN_TOKEN_WORKER, "value"),
        State(ids.ADMIN_TOKEN_TEAM, "value"),
        State(ids.ADMIN_TOKEN_DAYS, "value"),
        prevent_initial_call=True,
    )
    def manage_tokens(_create, _revokes, name, role, worker_id, team_id, days):
        user = current_user()
        permit(user, Action.manage_tokens)
        lang = g.lang
        message, secret_box = "", ""  # a secret is in the answer that created it, and in no other
        trigger = ctx.triggered_id
        if trigger == ids.ADMIN_TOKEN_CREATE and _clicked():
            message, secret_box = _create_token(user, lang, _text(name), role, _text(worker_id), _text(team_id), days)
        elif isinstance(trigger, dict) and _clicked():
            token_id = _entry_id(trigger)
            if token_id is not None and revoke_token(context.engine, token_id):
                _record(context, user, "revoke_token", detail=f"token {token_id}")
                message = _ok(f"{t('revoked', lang)}: #{token_id}")
        return tokens_table(context, lang), message, secret_box

    def _create_token(user, lang, name, role, worker_id, team_id, days):
        try:
            try:
                amount = _amount(days, lang, whole=True)
            except ValueError:
                raise _err("err_days", lang) from None
            amount = TOKEN_DAYS_DEFAULT if amount is None else int(amount)
            if not 1 <= amount <= TOKEN_DAYS_MAX:
                raise _err("err_days", lang)
            if role == Role.worker.value and not worker_id:
                raise _err("err_token_worker", lang)
            if role == Role.team_lead.value and not team_id:
                raise _err("err_token_team", lang)
            # the binding names a worker or team that exists (core.tokens checks it again)
            if role == Role.worker.value and worker_id not in {x.worker_id for x in list_workers(context.engine)}:
                raise _err("err_unknown_worker", lang)
            if role == Role.team_lead.value and team_id not in {x.team_id for x in list_teams(context.engine)}:
                raise _err("err_unknown_team", lang)
            # a binding that does not belong to the role is not kept (as the command line)
            worker_id = worker_id if role == Role.worker.value else None
            team_id = team_id if role == Role.team_lead.value else None
            secret = create_token(context.engine, role or "", worker_id=worker_id, team_id=team_id,
                                  name=name[:128] if name else None, expires_in=timedelta(days=amount),
                                  existing=True)
        except FormError as exc:
            return _refused(str(exc), lang), ""
        except TokenError as exc:
            return _refused(t("role", lang), lang, str(exc)), ""
        made = next(r for r in list_tokens(context.engine) if r.token_hash == hash_token(secret))
        _record(context, user, "create_token", worker_id=worker_id, team_id=team_id,
                detail=f"token {made.id}, role {role}, {amount} days")
        box = html.Div([
            html.Label([t("token_secret", lang),
                        dcc.Input(id="admin-token-secret-value", value=secret, readOnly=True, type="text",
                                  className="field secret-field")], className="control control-wide"),
            html.P(["⚠ ", t("token_once", lang)], className="hint"),
        ], className="secret-box", role="alert")
        return _ok(f"{t('created', lang)}: #{made.id} ({t(f'role_{made.role}', lang)})"), box
