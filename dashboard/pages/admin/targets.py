"""Administration of targets and goals: a team's monthly target, a goal with its milestones."""

from __future__ import annotations

from dash import dcc, html

from core.access import Action
from core.numbers import NumberError
from dashboard import ids
from dashboard.components.tables import table
from dashboard.context import DashboardContext
from dashboard.i18n import exact_figure, figure, metric_label, month_label, number_refused, t
from dashboard.pages.admin.forms import (
    FormError,
    amount,
    control,
    err,
    field,
    form_row,
    hint,
    known_team,
    listed,
    message,
    ok,
    paged,
    require,
    section,
    section_form,
    section_list,
    section_table,
)
from metrics.calendar import add_months
from metrics.definitions import BY_NAME, TARGET_METRICS
from services import targets
from services.actor import Actor

TARGETS_SHOWN = 300
MONTHS_AHEAD = 18
# a form's fields, in the order its save callback reads them
TARGET_FORM = (ids.ADMIN_TARGET_TEAM, ids.ADMIN_TARGET_METRIC, ids.ADMIN_TARGET_MONTH, ids.ADMIN_TARGET_VALUE)
GOAL_FORM = (ids.ADMIN_GOAL_TEAM, ids.ADMIN_GOAL_METRIC, ids.ADMIN_GOAL_MONTH, ids.ADMIN_GOAL_VALUE)


def _is_share(metric: str) -> bool:
    return metric in BY_NAME and BY_NAME[metric].value == "share"


def _metric_options(lang: str):
    return [{"label": metric_label(m, lang) + (" (%)" if _is_share(m) else ""), "value": m} for m in TARGET_METRICS]


def _months(context: DashboardContext, lang: str):
    current = context.current_month()
    return [{"label": month_label(m, lang), "value": m} for m in (add_months(current, k) for k in range(-1, MONTHS_AHEAD))]


def targets_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    first = add_months(context.current_month(), -1)
    rows = [x for x in context.metrics.get_targets() if x["month"] >= first][:TARGETS_SHOWN]
    name = context.directory.team_name
    return paged(ids.ADMIN_TARGETS, lang, rows, query=query, page=page,
                 words=lambda x: (name(x["team_id"]), x["team_id"], metric_label(x["metric"], lang),
                                  month_label(x["month"], lang)),
                 draw=lambda shown: table(
                     [t("team", lang), t("metric", lang), t("month", lang), t("target", lang)],
                     [[name(x["team_id"]), metric_label(x["metric"], lang), month_label(x["month"], lang),
                       html.Span(exact_figure(x["metric"], x["value"], lang), className="cell-figure")]
                      for x in shown],
                     className="compact"))


def targets_table(context: DashboardContext, lang: str):
    return listed(ids.ADMIN_TARGETS, lang, targets_page(context, lang), t("targets", lang))


def _milestones(goal: dict, lang: str) -> str:
    return ", ".join(f"{month_label(m['month'], lang, short=True)}: {figure(goal['metric'], m['value'], lang)}"
                     for m in goal["milestones"]) or t("none", lang)


def goals_page(context: DashboardContext, lang: str, query: str | None = None, page: int = 1):
    name = context.directory.team_name
    return paged(ids.ADMIN_GOALS, lang, context.metrics.get_goals(), query=query, page=page,
                 words=lambda x: (name(x["team_id"]), x["team_id"], metric_label(x["metric"], lang),
                                  month_label(x["by"], lang)),
                 draw=lambda shown: table(
                     [t("team", lang), t("metric", lang), t("to_month", lang), t("target", lang),
                      t("goal_milestones", lang)],
                     [[name(x["team_id"]), metric_label(x["metric"], lang), month_label(x["by"], lang),
                       html.Span(exact_figure(x["metric"], x["value"], lang), className="cell-figure"),
                       _milestones(x, lang)]
                      for x in shown],
                     className="compact"))


def goals_table(context: DashboardContext, lang: str):
    return listed(ids.ADMIN_GOALS, lang, goals_page(context, lang), t("goals", lang))


def _figure_form(lang: str, heading: str, fields: tuple[str, ...], month, *, teams: list, save: str, hint_key: str,
                 answer_in: str, table_id: str, table):
    """A target's or a goal's form (team, metric, `month`, value), its hint and its table."""
    team_id, metric_id, _month_id, value_id = fields
    choose = t("choose", lang)
    return html.Div([
        html.H3(heading),
        form_row([
            control(t("team", lang), dcc.Dropdown(id=team_id, options=teams, placeholder=choose, searchable=False)),
            control(t("metric", lang), dcc.Dropdown(id=metric_id, options=_metric_options(lang), placeholder=choose,
                                                    searchable=False), wide=True),
            month,
            control(t("value", lang), field(value_id, mode="decimal", size="narrow")),
        ], t("save", lang), save),
        hint(t(hint_key, lang)),
        message(answer_in),
        section_table(table_id, table),
    ])


def layout(context: DashboardContext, lang: str, teams: list) -> list:
    months = _months(context, lang)
    return [section("targets", f"{t('targets', lang)} · {t('goals', lang)}", [
        html.Div([
            _figure_form(lang, t("new_target", lang), TARGET_FORM,
                         control(t("month", lang), dcc.Dropdown(id=ids.ADMIN_TARGET_MONTH, options=months,
                                                                value=context.current_month(), clearable=False,
                                                                searchable=False)),
                         teams=teams, save=ids.ADMIN_TARGET_SAVE, hint_key="value_hint",
                         answer_in=ids.ADMIN_TARGET_MESSAGE, table_id=ids.ADMIN_TARGETS,
                         table=targets_table(context, lang)),
            _figure_form(lang, t("new_goal", lang), GOAL_FORM,
                         control(t("to_month", lang), dcc.Dropdown(id=ids.ADMIN_GOAL_MONTH, options=months[1:],
                                                                   value=months[min(6, len(months) - 1)]["value"],
                                                                   clearable=False, searchable=False)),
                         teams=teams, save=ids.ADMIN_GOAL_SAVE, hint_key="goal_hint",
                         answer_in=ids.ADMIN_GOAL_MESSAGE, table_id=ids.ADMIN_GOALS, table=goals_table(context, lang)),
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


def register(app, context: DashboardContext) -> None:
    section_list(app, Action.write_targets, ids.ADMIN_TARGETS,
                 lambda lang, query, page: targets_page(context, lang, query, page))
    section_list(app, Action.write_targets, ids.ADMIN_GOALS,
                 lambda lang, query, page: goals_page(context, lang, query, page))
    @section_form(app, Action.write_targets, "value", table=ids.ADMIN_TARGETS, message=ids.ADMIN_TARGET_MESSAGE,
                  button=ids.ADMIN_TARGET_SAVE, redraw=lambda lang: (targets_table(context, lang),),
                  fields=TARGET_FORM)
    def save_target(actor: Actor, lang: str, team_id, metric, month, raw):
        value = _figure(context, lang, team_id, metric, raw, month=month)
        targets.set_targets(context.metrics, actor,
                            [{"team_id": team_id, "metric": metric, "month": month, "value": value}])
        what = f"{metric_label(metric, lang)}, {month_label(month, lang)}"
        return ok(f"{t('removed', lang)}: {what}" if value is None
                  else f"{t('saved', lang)}: {what}: {exact_figure(metric, value, lang)}")

    @section_form(app, Action.write_targets, "value", table=ids.ADMIN_GOALS, message=ids.ADMIN_GOAL_MESSAGE,
                  button=ids.ADMIN_GOAL_SAVE, redraw=lambda lang: (goals_table(context, lang),),
                  fields=GOAL_FORM)
    def save_goal(actor: Actor, lang: str, team_id, metric, by, raw):
        value = _figure(context, lang, team_id, metric, raw, to_month=by)
        if value is None:
            raise err("err_required", lang, field=t("value", lang))
        saved = targets.set_goals(context.metrics, actor,
                                  [{"team_id": team_id, "metric": metric, "by": by, "value": value}])
        goal = saved[0] if saved else None
        return html.Span([
            ok(f"{t('saved', lang)}: {metric_label(metric, lang)} {exact_figure(metric, value, lang)}, "
               f"{month_label(by, lang)}"),
            html.Br(),
            html.Span(f"{t('goal_milestones', lang)}: {_milestones(goal, lang)}" if goal else "",
                      className="small milestones-line"),
        ])
