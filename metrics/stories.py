"""Good stories: a team's latest placements started and jobs or education reached, by case id only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from metrics.calendar import from_us, to_us
from metrics.casestate import NEVER
from metrics.readmodel import ReadModel

STORY_OUTCOMES = ("job", "education")  # what a closed case went on to that the team celebrates
STORY_DAYS = 30


def good_stories(model: ReadModel, team_id: str, now: datetime, *, days: int = STORY_DAYS,
                 limit: int = 8) -> list[dict[str, Any]]:
    """Newest first: placements started and cases closed into a job or education in the last
    `days` days, of the cases the team has held; no citizen, no employer."""
    since, until = to_us(now - timedelta(days=days)), to_us(now)
    stories: list[tuple[int, str, str]] = []
    with model.reading():
        for case_id in model.team_cases.get(team_id, ()):
            case = model.cases.get(case_id)
            if case is None:
                continue
            for placement in case.placements.values():
                if placement.started != NEVER and since <= placement.started <= until:
                    stories.append((placement.started, "placement_started", case_id))
            if case.close_outcome in STORY_OUTCOMES and since <= case.closed <= until:
                stories.append((case.closed, case.close_outcome, case_id))
    stories.sort(reverse=True)
    return [{"at": from_us(at).isoformat(), "kind": kind, "case_id": case_id} for at, kind, case_id in stories[:limit]]
