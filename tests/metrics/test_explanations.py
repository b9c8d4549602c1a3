"""Every figure has its plain-words definition in every language, and a pack lists them all."""

from __future__ import annotations

import pytest

from core import messages
from core.messages import LANGUAGES
from metrics.definitions import METRICS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_metric_has_an_explanation_in_every_language(lang):
    for metric in METRICS:
        key = f"metric_{metric.name}_explained"
        assert messages.has(key, lang), (key, lang)
        text = metric.explained(lang)
        assert text != key and len(text) > 30, (key, lang)
        # a definition, not the figure's name again
        assert text != metric.label(lang)


def test_explanations_differ_between_languages():
    for metric in METRICS:
        texts = {metric.explained(lang) for lang in LANGUAGES}
        assert len(texts) == len(LANGUAGES), metric.name
