"""Admin changes through the API land in the audit log: who (the token), what, when, from where;
ids only, no names, no secrets, no case data (SQLite and PostgreSQL)."""

from __future__ import annotations

from core.audit import entries
from tests.conftest import CITIZENS, bearer


def test_every_admin_change_through_the_api_is_audited(client, services, admin_token):
    h = bearer(admin_token)
    assert client.put("/api/v1/teams/t1", json={"name": "Team Øst"}, headers=h).status_code == 200
    assert client.put("/api/v1/workers/w1", json={"name": "Jens Jensen", "team_id": "t1", "roles": ["caseworker"]},
                      headers=h).status_code == 200
    assert client.put("/api/v1/targets", json=[{"team_id": "t1", "metric": "placement_starts", "month": "2026-12",
                                                 "value": 4}], headers=h).status_code == 200
    assert client.put("/api/v1/goals", json=[{"team_id": "t1", "metric": "in_placement", "by": "2027-06",
                                               "value": 20}], headers=h).status_code == 200
    assert client.put("/api/v1/norms", json=[{"role": "caseworker", "low": 35, "high": 45}],
                      headers=h).status_code == 200
    source = {"name": "feed", "kind": "http_feed", "config": {"url": "https://x.example/e?key=abc", "token": "s3cret"}}
    assert client.post("/api/v1/sources", json=source, headers=h).status_code == 201
    assert client.delete("/api/v1/sources/feed", headers=h).status_code == 204
    made = client.post("/api/v1/tokens", json={"role": "ingest", "name": "Fagsystem", "expires_in_days": 7}, headers=h)
    assert made.status_code == 201
    assert client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=h).status_code == 204
    bad = {"event_id": "a1", "type": "case_opened", "case_id": "c-audit", "occurred_at": "2026-02-01",
           "citizen": CITIZENS[0]}
    client.post("/api/v1/events", json=[bad], headers=h)  # no team_id: quarantined
    entry = client.get("/api/v1/quarantine", headers=h).json()["entries"][0]
    assert client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", headers=h).json()["rejected"] == 1

    log = list(reversed(entries(services.engine)))
    assert [e["action"] for e in log] == [
        "create_team", "create_worker", "set_targets", "set_goals", "set_norms", "add_source", "remove_source",
        "create_token", "revoke_token", "resubmit_quarantine"]
    admin_id = log[0]["actor"]
    assert admin_id.startswith("token:") and all(e["actor"] == admin_id and e["channel"] == "api" for e in log)
    assert all(e["role"] == "admin" and e["at"] and e["address"] for e in log)
    assert log[0]["team_id"] == "t1" and (log[1]["worker_id"], log[1]["team_id"]) == ("w1", "t1")
    assert "placement_starts 2026-12" in log[2]["detail"] and "caseworker 35-45" in log[4]["detail"]
    assert log[7]["detail"] == f"token {made.json()['id']}, role ingest, 7 days"
    assert log[9]["detail"] == f"entry {entry['id']}: refused"
    text = str(log)
    for private in ("Team Øst", "Jens Jensen", "s3cret", "key=abc", made.json()["token"], CITIZENS[0], "c-audit",
                    "Fagsystem"):
        assert private not in text, private


def test_a_refused_change_is_not_audited(client, services, admin_token):
    h = bearer(admin_token)
    assert client.put("/api/v1/norms", json=[{"role": "caseworker", "low": 50, "high": 40}], headers=h).status_code == 422
    assert client.post("/api/v1/tokens", json={"role": "worker"}, headers=h).status_code == 422
    assert entries(services.engine) == []
