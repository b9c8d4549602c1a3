"""The wall screen's good-stories feed: the team's latest placements, by date, no case id, no citizen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard import ids
from metrics.stories import good_stories
from tests.dashboard.conftest import fill_jobcentre
from tests.dashboard.test_accounts import callback_body, sign_in

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test


def test_the_wall_screen_shows_the_teams_good_stories(app, client, services):
    jobcentre = fill_jobcentre(services, cases=120, months=2)
    now = datetime.now(UTC)
    services.store.append([
        {"event_id": "story-1", "source": "test", "type": "case_opened", "case_id": "story-case",
         "occurred_at": now.isoformat(), "team_id": jobcentre.team, "citizen": "0101801234"},
        {"event_id": "story-2", "source": "test", "type": "placement_started", "case_id": "story-case",
         "occurred_at": now.isoformat(), "placement_id": "story-p"},
    ], origin="test")
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    body = callback_body(app, ids.WALL_BODY, inputs=[{"id": ids.LIVE_VERSION, "property": "data", "value": "x"}],
                         state=[{"id": ids.WALL_TEAM, "property": "data", "value": jobcentre.team}])
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    services.read_model.catch_up()
    expected = good_stories(services.read_model, jobcentre.team, now)
    assert expected[0]["case_id"] == "story-case"
    assert answer.text.count('"data-story"') == min(len(expected), 4)
    # a screen on the corridor: what happened and when, not which case
    assert "story-case" not in answer.text and "Virksomhedsforløb startet" in answer.text
    assert "0101801234" not in answer.text
    # another team's wall is not this worker's to see
    body["state"][0]["value"] = jobcentre.other_team
    assert client.post("/_dash-update-component", json=body).status_code == 403
