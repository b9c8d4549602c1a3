"""Administration of access tokens: created with a role and binding (the secret shown once),
and revoked."""

from __future__ import annotations

from dash import ALL, Input, Output, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import g

from core.access import Action, Role
from core.database import as_utc, utcnow
from core.errors import DomainError
from core.reasons import error_text
from core.tokens import list_tokens
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import day_label, t, time_label
from dashboard.inputs import clicked, entry_id
from dashboard.pages.admin.forms import (
    FormError,
    control,
    failed,
    field,
    form_row,
    listed,
    message,
    ok,
    paged,
    refusal,
    row_buttons_redrawn,
    section,
    section_list,
    section_table,
    text,
    values,
    whole_number,
)
from dashboard.scope import acting
from services import tokens
from services.actor import Actor


def _bound(context: DashboardContext, token, none: str) -> str:
    directory = context.directory
    return (directory.worker_name(token.worker_id) if token.worker_id
            else directory.team_name(token.team_id) if token.team_id else none)


def tokens_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    none = t("none", lang)
    return paged(ids.ADMIN_TOKENS, lang, list(reversed(list_tokens(context.engine))), query=query, page=page,
                 words=lambda token: (f"#{token.id}", token.name, token.prefix, t(f"role_{token.role}", lang),
                                      _bound(context, token, none)),
                 draw=lambda shown: _tokens_drawn(context, lang, shown))


def tokens_table(context: DashboardContext, lang: str):
    return listed(ids.ADMIN_TOKENS, lang, tokens_page(context, lang), t("tokens", lang))


def _tokens_drawn(context: DashboardContext, lang: str, shown: list):
    none = t("none", lang)
    now = utcnow()
    rows = []
    for token in shown:
        expires = as_utc(token.expires_at)
        if token.revoked_at is not None:
            state = html.Span(["✕ ", t("revoked", lang)], className="status status-behind")
        elif expires is not None and expires <= now:
            state = html.Span(["⌛ ", t("expired", lang)], className="status status-at_risk")
        else:
            state = html.Span(["✓ ", t("active", lang)], className="status status-on_track")
        bound = _bound(context, token, none)
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


def layout(context: DashboardContext, lang: str, teams: list, workers: list) -> list:
    choose = t("choose", lang)
    return [section("tokens", t("tokens", lang), [
        html.H3(t("new_token", lang)),
        form_row([
            control(t("token_name", lang), field(ids.ADMIN_TOKEN_NAME), wide=True),
            control(t("role", lang), dcc.Dropdown(
                id=ids.ADMIN_TOKEN_ROLE, clearable=False, searchable=False, value=Role.ingest.value,
                options=[{"label": t(f"role_{r.value}", lang), "value": r.value} for r in Role])),
            control(t("worker", lang), dcc.Dropdown(id=ids.ADMIN_TOKEN_WORKER, options=workers, placeholder=choose),
                    wide=True),
            control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_TOKEN_TEAM, options=teams, placeholder=choose,
                                                  searchable=False)),
            control(t("expires_in_days", lang), field(ids.ADMIN_TOKEN_DAYS, value=str(tokens.DAYS_DEFAULT),
                                                      mode="numeric", size="narrow")),
        ], t("create", lang), ids.ADMIN_TOKEN_CREATE),
        message(ids.ADMIN_TOKEN_MESSAGE),
        html.Div(id=ids.ADMIN_TOKEN_SECRET),
        section_table(ids.ADMIN_TOKENS, tokens_table(context, lang)),
    ])]


def _secret_box(secret: str, lang: str):
    return html.Div([
        html.Label([t("token_secret", lang),
                    dcc.Input(id="admin-token-secret-value", value=secret, readOnly=True, type="text",
                              className="field secret-field")], className="control control-wide"),
        html.P(["⚠ ", t("token_once", lang)], className="hint"),
    ], className="secret-box", role="alert")


def register(app, context: DashboardContext) -> None:
    section_list(app, Action.manage_tokens, ids.ADMIN_TOKENS,
                 lambda lang, query, page: tokens_page(context, lang, query, page))

    def create(actor: Actor, lang: str, name, role, worker_id, team_id, days):
        try:
            days = whole_number(days, lang, "err_days")
            # the form has both lists whatever the role: a binding that does not belong to the
            # role is not kept (as the command line)
            made = tokens.create(context.engine, actor, role=role or "",
                                 worker_id=worker_id if role == Role.worker.value else None,
                                 team_id=team_id if role == Role.team_lead.value else None,
                                 name=name, days=tokens.DAYS_DEFAULT if days is None else days)
        except (FormError, DomainError) as exc:
            return refusal(exc, lang, "role"), ""
        return (ok(f"{t('created', lang)}: #{made.token.id} ({t(f'role_{made.token.role}', lang)})"),
                _secret_box(made.secret, lang))

    @app.callback(
        Output(ids.ADMIN_TOKENS, "children"),
        Output(ids.ADMIN_TOKEN_MESSAGE, "children"),
        Output(ids.ADMIN_TOKEN_SECRET, "children"),
        Input(ids.ADMIN_TOKEN_CREATE, "n_clicks"),
        Input({"type": ids.ADMIN_TOKEN_REVOKE, "id": ALL}, "n_clicks"),
        *values(ids.ADMIN_TOKEN_NAME, ids.ADMIN_TOKEN_ROLE, ids.ADMIN_TOKEN_WORKER, ids.ADMIN_TOKEN_TEAM,
                ids.ADMIN_TOKEN_DAYS),
        prevent_initial_call=True,
    )
    def manage_tokens(_create, _revokes, name, role, worker_id, team_id, days):
        actor = acting(Action.manage_tokens)
        if row_buttons_redrawn():
            raise PreventUpdate
        lang = g.lang
        answer, secret_box = "", ""  # a secret is in the answer that created it, and in no other
        trigger = ctx.triggered_id
        if trigger == ids.ADMIN_TOKEN_CREATE and clicked():
            answer, secret_box = create(actor, lang, text(name), role, text(worker_id), text(team_id), days)
        elif isinstance(trigger, dict) and clicked():
            token_id = entry_id(trigger)
            if token_id is not None:
                try:
                    tokens.revoke(context.engine, actor, token_id)
                    answer = ok(f"{t('revoked', lang)}: #{token_id}")
                except DomainError as exc:
                    answer = failed(error_text(exc, lang))
        return tokens_table(context, lang), answer, secret_box
