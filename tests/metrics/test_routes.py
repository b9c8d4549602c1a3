"""The metrics routes: answers, 422 for a future month, and each role's scope."""

from __future__ import annotations

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
