"""Benchmarking's small-group rule: counts, shares and medians of fewer than 5 cases are "<5"."""

from __future__ import annotations

from dashboard.i18n import is_small, suppressed


def test_counts_under_five_but_not_zero_are_suppressed():
    assert [is_small("placement_starts", n, None) for n in (0, 1, 4, 5, None)] == [False, True, True, False, False]
    assert suppressed("placement_starts", 3, "da", None) == "<5"
    assert suppressed("placement_starts", 12, "da", None) == "12"


def test_a_share_is_judged_by_its_active_cases_and_a_median_by_the_cases_it_is_over():
    row = {"active_cases": 40, "cv_share": 0.5, "median_days_to_company_consultant": 3.5, "median_days_cases": 2}
    assert not is_small("cv_share", row["cv_share"], row)
    # two cases behind a median are two people's waiting times: hidden, though the team is large
    assert suppressed("median_days_to_company_consultant", 3.5, "da", row) == "<5"
    row.update(median_days_cases=5, active_cases=4)
    assert suppressed("median_days_to_company_consultant", 3.5, "da", row) == "3,5"
    assert suppressed("cv_share", 0.5, "da", row) == "<5"
