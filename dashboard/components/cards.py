"""Figure cards: a metric's value as a large number with its label, target, status and trend."""

from __future__ import annotations

from dash import html

from dashboard import ids
from dashboard.components.status import status_badge, trend_arrow
from dashboard.i18n import figure, metric_label, pace_label, t, target_to_date_label


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
    pace = [line for line in (target_to_date_label(name, progress, lang) if reported else None,
                              pace_label(name, progress, target, lang)) if line]
    if not reported:
        text = t("not_reported_yet", lang)
    body = [
        html.Div(metric_label(name, lang), className="figure-label"),
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
        return html.Button(body, id={"type": ids.DRILL, "field": name}, className=class_name + " drillable",
                           n_clicks=0, title=t("drill_hint", lang))
    return html.Div(body, className=class_name)
