"""Administration of targets and goals: a team's monthly target, a goal with its milestones."""

from __future__ import annotations

from dash import Input, Output, dcc, html
from flask import g

from core.access import Action
from core.numbers import NumberError
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import exact_figure, figure, metric_label, month_label, number_refused, t
from dashboard.pages.admin.forms import (
    FormError,
    amount,
    answer,
    control,
    err,
    field,
    known_team,
    message,
    ok,
    require,
    section,
    values,
)
from dashboard.scope import acting
from metrics.calendar import add_months
from metrics.definitions import BY_NAME, TARGET_METRICS
from services import targets
from services.actor import Actor

TARGETS_SHOWN = 300
MONTHS_AHEAD = 18


def _is_share(metric: str) -> bool:
    return metric in BY_NAME and BY_NAME[metric].value == "share"


def _metric_options(lang: str):
    return [{"label": metric_label(m, lang) + (" (%)" if _is_share(m) else ""), "value": m} for m in TARGET_METRICS]


def _months(context: DashboardContext, lang: str):
    current = context.current_month()
    return [{"label": month_label(m, lang), "value": m} for m in (add_months(current, k) for k in range(-1, MONTHS_AHEAD))]


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


def layout(context: DashboardContext, lang: str, teams: list) -> list:
    choose = t("choose", lang)
    months = _months(context, lang)
    metric_options = _metric_options(lang)
    return [section("targets", f"{t('targets', lang)} · {t('goals', lang)}", [
        html.Div([
            html.Div([
                html.H3(t("new_target", lang)),
                html.Div([
                    control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_TARGET_TEAM, options=teams, placeholder=choose,
                                                          searchable=False)),
                    control(t("metric", lang), dcc.Dropdown(id=ids.ADMIN_TARGET_METRIC, options=metric_options,
                                                            placeholder=choose, searchable=False), wide=True),
                    control(t("month", lang), dcc.Dropdown(id=ids.ADMIN_TARGET_MONTH, options=months,
                                                           value=context.current_month(), clearable=False,
                                                           searchable=False)),
                    control(t("value", lang), field(ids.ADMIN_TARGET_VALUE, mode="decimal", size="narrow")),
                    html.Button(t("save", lang), id=ids.ADMIN_TARGET_SAVE, n_clicks=0, className="button primary"),
                ], className="toolbar form-row"),
                html.P(t("value_hint", lang), className="hint muted"),
                message(ids.ADMIN_TARGET_MESSAGE),
                html.Div(targets_table(context, lang), id=ids.ADMIN_TARGETS, className="table-wrap"),
            ]),
            html.Div([
                html.H3(t("new_goal", lang)),
                html.Div([
                    control(t("team", lang), dcc.Dropdown(id=ids.ADMIN_GOAL_TEAM, options=teams, placeholder=choose,
                                                          searchable=False)),
                    control(t("metric", lang), dcc.Dropdown(id=ids.ADMIN_GOAL_METRIC, options=metric_options,
                                                            placeholder=choose, searchable=False), wide=True),
                    control(t("to_month", lang), dcc.Dropdown(id=ids.ADMIN_GOAL_MONTH, options=months[1:],
                                                              value=months[min(6, len(months) - 1)]["value"],
                                                              clearable=False, searchable=False)),
                    control(t("value", lang), field(ids.ADMIN_GOAL_VALUE, mode="decimal", size="narrow")),
                    html.Button(t("save", lang), id=ids.ADMIN_GOAL_SAVE, n_clicks=0, className="button primary"),
                ], className="toolbar form-row"),
                html.P(t("goal_hint", lang), className="hint muted"),
                message(ids.ADMIN_GOAL_MESSAGE),
                html.Div(goals_table(context, lang), id=ids.ADMIN_GOALS, className="table-wrap"),
            ]),
        ], className="two-columns"),
    ])]


def _value(metric: str | None, raw, lang: str) -> float | None:
    """The figure as typed; a share is typed in per cent and kept as a fraction."""
    try:
        number = amount(raw, lang)
    except NumberError as exc:
        raise FormError(number_refused(exc.reason, t("value", lang), raw, lang)) from None
    except ValueError:
        raise err("err_number", lang, field=t("value", lang)) from None
    if number is not None and metric and _is_share(metric):
        if number > 100:
            raise err("err_share", lang)
        number = number / 100  # exact: 55,5 % is stored as 0.555
    return None if number is None else float(number)


def _figure(context: DashboardContext, lang: str, team_id, metric, raw, **month) -> float | None:
    """A target's or goal's figure, its team, metric and month (label key = value) filled in and
    the team one of the organisation's."""
    require(lang, team=team_id, metric=metric, **month)
    known_team(context, team_id, lang)
    return _value(metric, raw, lang)


def _save_target(context: DashboardContext, actor: Actor, lang: str, team_id, metric, month, raw):
    value = _figure(context, lang, team_id, metric, raw, month=month)
    targets.set_targets(context.metrics, actor, [{"team_id": team_id, "metric": metric, "month": month, "value": value}])
    what = f"{metric_label(metric, lang)}, {month_label(month, lang)}"
    return ok(f"{t('removed', lang)}: {what}" if value is None
              else f"{t('saved', lang)}: {what}: {exact_figure(metric, value, lang)}")


def _save_goal(context: DashboardContext, actor: Actor, lang: str, team_id, metric, by, raw):
    value = _figure(context, lang, team_id, metric, raw, to_month=by)
    if value is None:
        raise err("err_required", lang, field=t("value", lang))
    saved = targets.set_goals(context.metrics, actor, [{"team_id": team_id, "metric": metric, "by": by, "value": value}])
    goal = saved[0] if saved else None
    return html.Span([
        ok(f"{t('saved', lang)}: {metric_label(metric, lang)} {exact_figure(metric, value, lang)}, {month_label(by, lang)}"),
        html.Br(),
        html.Span(f"{t('goal_milestones', lang)}: {_milestones(goal, lang)}" if goal else "",
                  className="small milestones-line"),
    ])


def register(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.ADMIN_TARGETS, "children"),
        Output(ids.ADMIN_TARGET_MESSAGE, "children"),
        Input(ids.ADMIN_TARGET_SAVE, "n_clicks"),
        *values(ids.ADMIN_TARGET_TEAM, ids.ADMIN_TARGET_METRIC, ids.ADMIN_TARGET_MONTH, ids.ADMIN_TARGET_VALUE),
        prevent_initial_call=True,
    )
    def save_target(_clicks, team_id, metric, month, raw):
        actor = acting(Action.write_targets)
        lang = g.lang
        answered = answer(lambda: _save_target(context, actor, lang, team_id, metric, month, raw), lang, "value")
        return targets_table(context, lang), answered

    @app.callback(
        Output(ids.ADMIN_GOALS, "children"),
        Output(ids.ADMIN_GOAL_MESSAGE, "children"),
        Input(ids.ADMIN_GOAL_SAVE, "n_clicks"),
        *values(ids.ADMIN_GOAL_TEAM, ids.ADMIN_GOAL_METRIC, ids.ADMIN_GOAL_MONTH, ids.ADMIN_GOAL_VALUE),
        prevent_initial_call=True,
    )
    def save_goal(_clicks, team_id, metric, by, raw):
        actor = acting(Action.write_targets)
        lang = g.lang
        answered = answer(lambda: _save_goal(context, actor, lang, team_id, metric, by, raw), lang, "value")
        return goals_table(context, lang), answered
