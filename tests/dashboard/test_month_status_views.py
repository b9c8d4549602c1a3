"""Cards, charts and the pack's charts: a figure not reported yet is said so, never drawn as 0."""

from __future__ import annotations

from reportlab.graphics.shapes import Group, Rect, String

from dashboard.components.cards import figure_card
from dashboard.components.charts import trend_chart
from dashboard.i18n import pace_label, target_to_date_label
from dashboard.meeting_pack import _Styles, trend_drawing

POINTS = [
    {"month": "2026-10", "value": 12, "target": 10, "reported": True},
    {"month": "2026-11", "value": 0, "target": 10, "reported": False},
    {"month": "2026-12", "value": 0, "target": 10, "reported": False},
]
NOT_REPORTED = {"da": "Ikke indberettet endnu", "en": "Not reported yet", "de": "Noch nicht gemeldet"}


def texts(component) -> list[str]:
    out = []
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None:
            out += texts(child)
    return out


def attributes(component, name: str) -> list:
    found = [getattr(component, name)] if hasattr(component, name) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found += attributes(child, name)
    return found


def test_a_card_says_not_reported_yet_instead_of_0_and_behind():
    for lang, words in NOT_REPORTED.items():
        card = figure_card("with_ordinary_hours", 0, lang, team="A", target={"target": 5, "status": None},
                           previous=7, reported=False)
        shown = texts(card)
        assert shown.count(words) == 2  # the value and the status
        assert "0" not in shown and "card-not_reported" in card.className


def test_a_card_of_the_running_month_shows_the_target_to_date_and_the_forecast():
    progress = {"reported": True, "working_days_elapsed": 10, "working_days": 23, "compared_with": 32 * 10 / 23,
                "forecast": {"low": 24.2, "expected": 26.0, "high": 28.4}}
    target = {"target": 32, "status": "at_risk"}
    assert pace_label("placement_starts", progress, target, "en") == "At this pace 24–29 of 32"
    assert pace_label("placement_starts", progress, None, "da") == "I dette tempo 24–29"
    assert pace_label("placement_starts", progress, target, "de") == "Bei diesem Tempo 24–29 von 32"
    assert target_to_date_label("placement_starts", progress, "en") == "Target to date 13.9 (10 of 23 working days)"
    assert target_to_date_label("in_placement", {**progress, "compared_with": 32}, "en") is None  # a stock
    card = figure_card("placement_starts", 14, "en", team="A", target=target, progress=progress)
    assert "At this pace 24–29 of 32" in texts(card)
    assert figure_card("placement_starts", 14, "en", team="A", target=target, progress=None) is not None


def test_a_chart_leaves_a_labelled_gap_for_a_month_not_reported_yet():
    for lang, words in NOT_REPORTED.items():
        figure = trend_chart(POINTS, "with_ordinary_hours", lang).figure
        bars = figure["data"][0]
        assert list(bars["y"]) == [12, None, None]
        labels = [a["text"] for a in figure["layout"]["annotations"]]
        assert labels == [words, words]


def test_the_packs_chart_labels_the_gap_and_draws_no_bar_for_it():
    drawing = trend_drawing(POINTS, "with_ordinary_hours", "de", _Styles())
    bars = [shape for shape in drawing.contents if isinstance(shape, Rect)]
    assert len(bars) == 1  # October only
    turned = [shape for shape in drawing.contents if isinstance(shape, Group)]
    assert [s.text for g in turned for s in g.contents if isinstance(s, String)] == [NOT_REPORTED["de"]] * 2
