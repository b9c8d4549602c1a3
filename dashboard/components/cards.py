"""Figure cards: a metric's value as a large number with its label, target, status and trend."""

from __future__ import annotations

from itertools import count

from dash import html

from dashboard import ids
from dashboard.components.status import status_badge, trend_arrow
from dashboard.i18n import (
    figure,
    metric_explained,
    metric_label,
    pace_label,
    t,
    target_to_date_label,
)

# one figure can be shown several times on a page; each explanation needs an id of its own
_TIP_NUMBERS = count(1)


def explanation(name: str, lang: str) -> tuple[str, html.Span]:
    """(id, element): the figure's definition as a tooltip, shown on hover and keyboard focus of
    whatever names it in aria-describedby (style.css, .has-tip)."""
    tip_id = f"tip-{name}-{next(_TIP_NUMBERS)}"
    return tip_id, html.Span(metric_explained(name, lang), id=tip_id, role="tooltip", className="figure-tip")


def explained_label(name: str, lang: str, className: str = "figure-name"):
    """A figure's name that explains the figure when pointed at or tabbed to (table headings,
    labels outside a card)."""
    tip_id, tip = explanation(name, lang)
    return html.Span([metric_label(name, lang), tip], tabIndex="0", className=f"{className} has-tip",
                     **{"aria-describedby": tip_id, "data-explains": name})


def metric_value(name: str, text: str, *, team: str | None = None, worker: str | None = None,
                 className: str = "figure-value"):
    """The element whose text is the figure; tests and screen readers find it by data-metric."""
    attrs = {"data-metric": name}
    if team:
        attrs["data-team"] = team
    if worker:
        attrs["data-worker"] = worker
    return html.Span(text, className=className, **attrs)


def figure_card(
    name: str,
    value,
    lang: str,
    *,
    team: str | None = None,
    worker: str | None = None,
    target: dict | None = None,
    previous=None,
    drill: bool = False,
    footer=None,
    text: str | None = None,
    large: bool = False,
    reported: bool = True,
    progress: dict | None = None,
):
    """`reported` False: a figure reported after its month, before its deadline, shown as not
    reported yet rather than as its 0; `progress` (the running month's): pro-rated target and
    month-end forecast."""
    target_line = None
    if target is not None or not reported:
        target_line = html.Div(
            [html.Span(f"{t('target', lang)} {figure(name, target['target'], lang)}", className="target")
             if target is not None else None,
             status_badge((target or {}).get("status"), lang, large, reported=reported)],
            className="figure-target",
        )
    tip_id, tip = explanation(name, lang)
    pace = [line for line in (target_to_date_label(name, progress, lang) if reported else None,
                              pace_label(name, progress, target, lang)) if line]
    if not reported:
        text = t("not_reported_yet", lang)
    body = [
        # a drillable card is a button and takes the focus itself; another card's label does
        html.Div([metric_label(name, lang), tip], className="figure-label" + ("" if drill else " has-tip"),
                 **({} if drill else {"tabIndex": "0", "aria-describedby": tip_id, "data-explains": name})),
        html.Div(
            [metric_value(name, text if text is not None else figure(name, value, lang), team=team, worker=worker),
             trend_arrow(value, previous, lang) if reported else None],
            className="figure-number",
        ),
        target_line,
        html.Div([html.Div(line) for line in pace], className="figure-pace", **{"data-pace": name}) if pace else None,
        footer,
    ]
    status = "not_reported" if not reported else (target or {}).get("status") or "none"
    class_name = f"card figure-card card-{status}" + (" card-large" if large else "")
    if drill:
        return html.Button(body, id={"type": ids.DRILL, "field": name}, className=class_name + " drillable has-tip",
                           n_clicks=0, title=t("drill_hint", lang),
                           **{"aria-describedby": tip_id, "data-explains": name})
    return html.Div(body, className=class_name)
