"""Bases spelled out as sentences and days as whole days, in every language."""

from __future__ import annotations

from dashboard.components.quality import basis
from dashboard.i18n import days, figure


def test_a_quality_basis_reads_as_a_sentence():
    share = {"numerator": 48, "denominator": 53}
    assert basis("mid_review_share", share, "da") == "48 af 53 forløb havde midtvejssamtale"
    assert basis("mid_review_share", share, "en") == "48 of 53 cases had a mid-term talk"
    rate = {"numerator": 28, "denominator": 248.8}
    assert basis("three_party_per_placement_month", rate, "da") == "28 trepartsopfølgninger på 248,8 praktikmåneder"
    assert basis("three_party_per_placement_month", rate, "de") == "28 Dreiergespräche in 248,8 Einsatzmonaten"


def test_days_are_whole_days():
    assert days(305.7, "da") == "306"
    assert figure("median_days_to_company_consultant", 305.7, "en") == "306"
    assert figure("ordinary_hours", 305.7, "da") == "305,7"
