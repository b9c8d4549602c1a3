"""Programme cohorts per team: referred, started, completed and outcomes, counted as known now."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from metrics.casestate import FIGURE_OUTCOMES, CaseHistory


def funnel_rows(
    cases: Iterable[CaseHistory], programme: str, first: int, end: int, now: int
) -> list[dict[str, Any]]:
    """Cases of `programme` opened in [first, end), grouped by their team at min(now, closed)."""
    groups: dict[str | None, dict[str, Any]] = {}
    for case in cases:
        if not (first <= case.opened < end and case.opened < now) or case.programme != programme:
            continue
        a = case.closed if case.closed < now else now
        team, _ = case.membership(a)
        row = groups.get(team)
        if row is None:
            row = groups[team] = {
                "team_id": team,
                "referred": 0,
                "started": 0,
                "completed": 0,
                "outcomes": dict.fromkeys(FIGURE_OUTCOMES, 0),
            }
        row["referred"] += 1
        row["started"] += case.enrolled < now
        if case.closed < now and case.close_reason == "completed":
            row["completed"] += 1
            outcome = case.close_outcome or "none"
            row["outcomes"][outcome] = row["outcomes"].get(outcome, 0) + 1
    return [groups[k] for k in sorted(groups, key=lambda k: (k is None, k or ""))]
