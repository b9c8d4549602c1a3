"""The metrics routes: answers, 422 for a future month, and each role's scope."""

from __future__ import annotations

import pytest

from api.tokens import create_token
from tests.conftest import bearer
from tests.metrics.conftest import local


def _setup(client, services, admin_token):
    headers = bearer(admin_token)
    client.put("/api/v1/teams/A", json={"name": "A"}, headers=headers)
    client.put("/api/v1/teams/B", json={"name": "B"}, headers=headers)
    client.put("/api/v1/workers/w1", json={"name": "W1", "team_id": "A", "roles": ["caseworker"]}, headers=headers)
    client.put("/api/v1/workers/w2", json={"name": "W2", "team_id": "B", "roles": ["caseworker"]}, headers=headers)
    events = [
        {"event_id": "1", "type": "case_opened", "case_id": "c1", "occurred_at": "2026-01-05",
         "citizen": "0101801234", "team_id": "A"},
        {"event_id": "2", "type": "worker_assigned", "case_id": "c1", "occurred_at": "2026-01-05T10:00",
         "worker_id": "w1", "role": "caseworker"},
        {"event_id": "3", "type": "case_opened", "case_id": "c2", "occurred_at": "2026-01-06",
         "citizen": "2512904321", "team_id": "B"},
    ]
    assert client.post("/api/v1/events", json=events, headers=headers).json()["accepted"] == 3


def test_milestones_board_and_scopes(client, services, admin_token):
    _setup(client, services, admin_token)
    admin = bearer(admin_token)
    answer = client.get("/api/v1/milestones", params={"month": "2026-01"}, headers=admin)
    assert answer.status_code == 200
    rows = {r["team_id"]: r for r in answer.json()["rows"]}
    assert rows["A"]["active_cases"] == 1 and rows["B"]["active_cases"] == 1
    assert client.get("/api/v1/milestones", params={"month": "2999-01"}, headers=admin).status_code == 422

    worker = bearer(create_token(services.engine, "worker", worker_id="w1"))
    mine = client.get("/api/v1/milestones", params={"month": "2026-01"}, headers=worker).json()
    assert [r["team_id"] for r in mine["rows"]] == ["A"]
    assert client.get("/api/v1/milestones", params={"month": "2026-01", "team_id": "B"}, headers=worker).status_code == 403
    assert client.get("/api/v1/board", params={"worker_id": "w1"}, headers=worker).status_code == 200
    assert client.get("/api/v1/board", params={"worker_id": "w2"}, headers=worker).status_code == 403
    assert client.get("/api/v1/milestones/cases", params={"month": "2026-01", "team_id": "A", "field": "active_cases"},
                      headers=worker).status_code == 403

    lead = bearer(create_token(services.engine, "team_lead", team_id="A"))
    cases = client.get("/api/v1/milestones/cases", params={"month": "2026-01", "team_id": "A", "field": "active_cases"},
                       headers=lead).json()
    assert [c["case_id"] for c in cases["cases"]] == ["c1"]
    assert client.get("/api/v1/milestones/cases", params={"month": "2026-01", "team_id": "B", "field": "active_cases"},
                      headers=lead).status_code == 403
    assert client.put("/api/v1/targets", json=[], headers=lead).status_code == 403

    assert client.put("/api/v1/targets", json=[{"team_id": "A", "metric": "cv_done", "month": "2026-01", "value": 1}],
                      headers=admin).status_code == 200
    row = client.get("/api/v1/milestones", params={"month": "2026-01", "team_id": "A"}, headers=admin).json()["rows"][0]
    assert row["targets"] == {"cv_done": {"target": 1.0, "status": "behind"}}
    trend = client.get("/api/v1/trend", params={"metric": "active_cases", "from": "2025-12", "to": "2026-02", "team_id": "A"},
                       headers=admin).json()
    assert [p["value"] for p in trend["points"]] == [0, 1, 1]
    funnel = client.get("/api/v1/funnel", params={"programme": "default", "from": "2026-01", "to": "2026-02"},
                        headers=admin).json()
    assert {r["team_id"]: r["referred"] for r in funnel["rows"]} == {"A": 1, "B": 1}
    assert client.get("/api/v1/norms", headers=worker).status_code == 200

    # new events show at once; closing a month freezes it
    closed = client.post("/api/v1/months/2026-01/close", headers=admin)
    assert closed.status_code == 200
    client.post("/api/v1/events", json=[{"event_id": "4", "type": "cv_completed", "case_id": "c1",
                                         "occurred_at": local("2026-01-20T10:00").isoformat()}], headers=admin)
    row = client.get("/api/v1/milestones", params={"month": "2026-01", "team_id": "A"}, headers=admin).json()["rows"][0]
    assert row["cv_done"] == 1
    frozen = client.get("/api/v1/months/2026-01", headers=admin).json()
    team_a = next(r for r in frozen["rows"] if r["team_id"] == "A" and r["worker_id"] is None)
    assert team_a["difference"]["cv_done"] == 1
    assert client.get("/api/v1/months", headers=admin).json()[0]["month"] == "2026-01"


@pytest.mark.slow
def test_month_status_through_the_api(services, admin_token):
    """1 December: a flow is not behind on day 1, a goal is planned from November, and
    November's ordinary hours have no status until the 10th has passed."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    now = [local("2026-12-01T09:00")]
    services.clock = lambda: now[0]
    headers = bearer(admin_token)
    events = []
    for i in range(32):
        events += [
            {"event_id": f"o{i}", "type": "case_opened", "case_id": f"c{i}", "occurred_at": "2026-10-05",
             "citizen": f"01018{i:05d}", "team_id": "A"},
            {"event_id": f"p{i}", "type": "placement_started", "case_id": f"c{i}",
             "occurred_at": "2026-11-10T10:00", "placement_id": "p1"},
        ]
    events.append({"event_id": "d1", "type": "placement_started", "case_id": "c0",
                   "occurred_at": "2026-12-01T08:00", "placement_id": "p2"})
    with TestClient(create_app(services=services, run_scheduler=False)) as client:
        client.put("/api/v1/teams/A", json={"name": "A"}, headers=headers)
        assert client.post("/api/v1/events", json=events, headers=headers).json()["accepted"] == len(events)
        goals = client.put("/api/v1/goals", json=[{"team_id": "A", "metric": "placement_starts", "value": 40,
                                                    "by": "2027-01"}], headers=headers).json()
        # from November's 32, not December's 1 so far
        assert [(m["month"], m["value"]) for m in goals[0]["milestones"]] == [("2026-12", 36.0), ("2027-01", 40.0)]
        targets = [{"team_id": "A", "metric": "with_ordinary_hours", "month": "2026-11", "value": 5},
                   {"team_id": "A", "metric": "in_placement", "month": "2026-12", "value": 40}]
        assert client.put("/api/v1/targets", json=targets, headers=headers).status_code == 200

        def row(month):
            answer = client.get("/api/v1/milestones", params={"month": month, "team_id": "A"}, headers=headers)
            assert answer.status_code == 200
            return answer.json()["rows"][0]

        december = row("2026-12")
        assert december["placement_starts"] == 1
        assert december["targets"]["placement_starts"] == {"target": 36.0, "status": "on_track"}
        assert december["targets"]["in_placement"] == {"target": 40.0, "status": "behind"}  # stock: full target
        progress = december["month_progress"]["placement_starts"]
        assert progress["compared_with"] == 0 and progress["working_days_elapsed"] == 0
        assert progress["working_days"] == 23 and progress["forecast"] is None
        assert december["month_progress"]["in_placement"]["compared_with"] == 40

        now[0] = local("2026-12-05T12:00")
        november = row("2026-11")
        assert november["not_reported_yet"] == ["with_ordinary_hours", "ordinary_hours"]
        assert november["targets"]["with_ordinary_hours"] == {"target": 5.0, "status": None}
        assert november["month_progress"] == {}
        trend = client.get("/api/v1/trend", params={"metric": "with_ordinary_hours", "from": "2026-10",
                                                    "to": "2026-12", "team_id": "A"}, headers=headers).json()
        assert [p["reported"] for p in trend["points"]] == [True, False, False]

        now[0] = local("2026-12-11T08:00")
        november = row("2026-11")
        assert november["not_reported_yet"] == []
        assert november["targets"]["with_ordinary_hours"] == {"target": 5.0, "status": "behind"}
        # by Friday the 11th, 8 working days are over: 1 start against 36 × 8 / 23
        progress = row("2026-12")["month_progress"]["placement_starts"]
        assert progress["working_days_elapsed"] == 8
        assert abs(progress["compared_with"] - 36 * 8 / 23) < 1e-9
        assert progress["forecast"]["low"] <= progress["forecast"]["high"]
