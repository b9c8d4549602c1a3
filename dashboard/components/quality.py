"""The team steering view's quality indicators: value, standard and status per programme."""

from __future__ import annotations

from dash import html

from core.messages import N_
from dashboard.components.status import status_badge
from dashboard.components.tables import scroll_area, table
from dashboard.i18n import number, share, t
from metrics.calendar import add_months
from metrics.programme_service import ProgrammeService
from metrics.quality import INDICATORS

# the headings of this section by their part, keys in the message catalogue
LABELS = {
    "quality_indicators": N_("quality_indicators"), "indicator": N_("quality_indicator"),
    "value": N_("quality_value"), "standard": N_("quality_standard"), "status": N_("quality_status"),
    "basis": N_("quality_basis"),
}


def label(part: str, lang: str) -> str:
    """A heading of this section, or an indicator's name (indicator_<name>)."""
    return t(LABELS.get(part, f"indicator_{part}"), lang)


def _value(name: str, value, lang: str) -> str:
    if value is None:
        return "–"
    return share(value, lang) if name.endswith("_share") else number(value, lang, 2)


def basis(name: str, figure: dict, lang: str) -> str:
    """What an indicator is worked out from, as a sentence: "48 af 53 forløb havde midtvejssamtale"."""
    return t(f"quality_basis_{name}", lang).format(numerator=number(figure["numerator"], lang),
                                                   denominator=number(figure["denominator"], lang, 1))


def quality_figures(programmes: ProgrammeService, team_id: str, month: str, lang: str):
    """Per programme the team has cases in, over the 12 months up to `month`: (programme name,
    rows of [indicator, value, standard, status, basis]); the status is left as its key."""
    first = add_months(month, -11)
    out = []
    for model in programmes.list_models():
        result = programmes.indicators(model["programme"], first, month, team_id=team_id)
        row = next((r for r in result["rows"] if r["worker_id"] is None), None)
        if row is None:
            continue
        figures = row["indicators"]
        if not any(figures[n]["denominator"] for n in INDICATORS if n != "supervisions_per_worker_year"):
            continue  # the team has no case of this programme in the period
        rows = [
            [label(name, lang), _value(name, figures[name]["value"], lang),
             _value(name, figures[name]["standard"], lang), figures[name]["status"],
             basis(name, figures[name], lang)]
            for name in INDICATORS
        ]
        out.append((model["names"].get(lang) or model["programme"], rows))
    return out


def header(lang: str) -> list[str]:
    return [label(k, lang) for k in ("indicator", "value", "standard", "status", "basis")]


def quality_section(programmes: ProgrammeService, team_id: str, current_month: str, lang: str):
    """One table per programme the team has cases in, for the last 12 months; None when none."""
    parts = [
        scroll_area(table(header(lang), [[*r[:3], status_badge(r[3], lang), r[4]] for r in rows],
                          caption=caption, className="quality-table"), caption)
        for caption, rows in quality_figures(programmes, team_id, current_month, lang)
    ]
    if not parts:
        return None
    return html.Section([html.H2(label("quality_indicators", lang)), *parts], className="section",
                        id="quality-indicators")
