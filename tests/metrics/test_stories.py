"""Good stories from the read model: recent placements and jobs or education, per team, case ids only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from metrics.readmodel import ReadModel
from metrics.stories import good_stories
from tests.metrics.test_figures import ZONE, ev, opened, send

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_the_teams_recent_placements_and_jobs_newest_first(store):
    day = timedelta(days=1)
    send(store,
         opened("s1", NOW - 90 * day), opened("s2", NOW - 90 * day), opened("s3", NOW - 90 * day),
         opened("other", NOW - 90 * day, team="B"),
         ev("placement_started", "s1", NOW - 3 * day, placement_id="p1", employer="Bageriet"),
         ev("placement_started", "s2", NOW - 60 * day, placement_id="p2"),  # too long ago
         ev("case_closed", "s2", NOW - 1 * day, reason="completed", outcome="job"),
         ev("case_closed", "s3", NOW - 2 * day, reason="completed", outcome="other"),  # not a story
         ev("placement_started", "other", NOW - 1 * day, placement_id="p9"),  # another team's
         ev("placement_started", "s3", NOW + 2 * day, placement_id="p3"))  # not yet
    model = ReadModel(store.engine, ZONE)
    model.catch_up()
    stories = good_stories(model, "A", NOW)
    assert [(s["kind"], s["case_id"]) for s in stories] == [("job", "s2"), ("placement_started", "s1")]
    assert stories[0]["at"] == (NOW - timedelta(days=1)).isoformat()
    text = json.dumps(stories)
    assert "citizen" not in text and "Bageriet" not in text
    assert [s["case_id"] for s in good_stories(model, "B", NOW)] == ["other"]
    assert len(good_stories(model, "A", NOW, days=120, limit=1)) == 1
    assert good_stories(model, "nobody", NOW) == []
