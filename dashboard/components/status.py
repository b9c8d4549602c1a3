"""Status against a target and trend arrows: always a word and an icon, never colour alone."""

from __future__ import annotations

from dash import html

from dashboard.i18n import t

ICONS = {"on_track": "✓", "at_risk": "!", "behind": "✕"}


def status_badge(status: str | None, lang: str, large: bool = False, *, reported: bool = True):
    if not reported:
        # a figure reported after its month, before its deadline: no status, and not a 0
        return html.Span(["… ", t("not_reported_yet", lang)], className="status status-not_reported",
                         **{"data-status": "not_reported"})
    if status is None:
        return html.Span(t("no_target", lang), className="status status-none")
    return html.Span(
        [html.Span(ICONS.get(status, "?"), className="status-icon", **{"aria-hidden": "true"}), t(status, lang)],
        className=f"status status-{status}" + (" status-large" if large else ""),
        **{"data-status": status},
    )


def trend_arrow(current, previous, lang: str):
    """Up, down or level against the previous month; the arrow has its words for screen readers."""
    if current is None or previous is None:
        return html.Span()
    if current > previous:
        arrow, key = "↑", "trend_up"
    elif current < previous:
        arrow, key = "↓", "trend_down"
    else:
        arrow, key = "→", "trend_flat"
    return html.Span(arrow, className=f"trend {key}", title=t(key, lang), role="img",
                     **{"aria-label": t(key, lang), "data-trend": key.removeprefix("trend_")})


def norm_flag(count: int, low: int | None, high: int | None, lang: str):
    if high is None:
        return html.Span(t("no_norm", lang), className="norm norm-none")
    if count > high:
        return html.Span(["▲ ", t("above_norm", lang)], className="norm norm-above", **{"data-norm": "above"})
    if low is not None and count < low:
        return html.Span(["▽ ", t("below_norm", lang)], className="norm norm-below", **{"data-norm": "below"})
    return html.Span(["✓ ", t("within_norm", lang)], className="norm norm-within", **{"data-norm": "within"})
