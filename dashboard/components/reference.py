"""Outside reference figures beside the teams' own on the benchmarking view."""

from __future__ import annotations

from dash import html
from sqlalchemy import Engine

from dashboard.components.tables import scroll_area, table
from dashboard.i18n import figure, metric_label, month_label, shown, t
from metrics.reference import load_figures


def reference_section(engine: Engine, metric: str, month: str, team_rows: list[dict], team_names: dict,
                      lang: str):
    """The month's outside figures of `metric` in one table with the teams' own; None when none."""
    references = load_figures(engine, metric, month)
    if not references:
        return None
    # the teams' own as the scoreboard shows them: small groups suppressed
    rows = [[html.Strong(team_names.get(r["team_id"], r["team_id"])),
             shown(metric, r.get(metric), lang, r), ""]
            for r in team_rows]
    rows += [[html.Em(ref["label"]), figure(metric, ref["value"], lang), ref["source"] or ""]
             for ref in references]
    return html.Section([
        html.H2(f"{t('reference_title', lang)}: {metric_label(metric, lang)}, {month_label(month, lang)}"),
        scroll_area(table([t("reference_reference", lang), metric_label(metric, lang), t("reference_source", lang)],
                          rows, className="reference-table"), t("reference_title", lang)),
    ], className="section", id="reference-figures")
