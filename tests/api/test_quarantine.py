"""The quarantine: refused events are listed with their reason and can be fixed and resubmitted."""

from __future__ import annotations

from tests.conftest import CITIZENS, bearer


def test_refused_events_are_listed_and_resubmitted_corrected(client, admin_token):
    h = bearer(admin_token)
    bad = {"event_id": "r1", "type": "readiness_assessed", "case_id": "c1", "occurred_at": "2026-02-01", "level": "soonish"}
    client.post("/api/v1/events", json=[bad], headers=h)
    entries = client.get("/api/v1/quarantine", headers=h).json()["entries"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["event_id"] == "r1" and "level" in entry["reason"] and entry["event"]["level"] == "soonish"
    # Resubmitted as it was: refused again, the entry stays open with one more attempt.
    again = client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", headers=h).json()
    assert again["rejected"] == 1
    assert client.get("/api/v1/quarantine", headers=h).json()["entries"][0]["attempts"] == 2
    fixed = {**bad, "level": "close"}
    r = client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", json=fixed, headers=h)
    assert r.json()["accepted"] == 1
    assert client.get("/api/v1/quarantine", headers=h).json()["entries"] == []
    done = client.get("/api/v1/quarantine?status=resubmitted", headers=h).json()["entries"]
    assert done[0]["status"] == "resubmitted" and done[0]["resolved_at"]
    assert client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", headers=h).status_code == 404


def test_a_refused_case_opened_is_kept_without_the_citizen_and_resubmits(client, admin_token):
    h = bearer(admin_token)
    bad = {"event_id": "o1", "type": "case_opened", "case_id": "c1", "occurred_at": "2026-02-01", "citizen": CITIZENS[0]}
    assert client.post("/api/v1/events", json=[bad], headers=h).json()["rejected"] == 1  # no team_id
    entry = client.get("/api/v1/quarantine", headers=h).json()["entries"][0]
    assert CITIZENS[0] not in str(entry)
    corrected = {**entry["event"], "team_id": "t1"}
    assert client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", json=corrected, headers=h).json()["accepted"] == 1


def test_a_conflict_is_resolved_by_a_new_event_id(client, admin_token):
    h = bearer(admin_token)
    e = {"event_id": "x", "type": "readiness_assessed", "case_id": "c1", "occurred_at": "2026-02-01", "level": "far"}
    client.post("/api/v1/events", json=[e], headers=h)
    client.post("/api/v1/events", json=[{**e, "level": "ready"}], headers=h)
    entry = client.get("/api/v1/quarantine", headers=h).json()["entries"][0]
    assert "conflict" in entry["reason"]
    r = client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", json={**entry["event"], "event_id": "x2"}, headers=h)
    assert r.json()["accepted"] == 1


def test_only_admins_see_the_quarantine(client, services):
    from api.tokens import create_token

    for role, extra in [("ingest", {}), ("manager", {}), ("team_lead", {"team_id": "t1"})]:
        token = create_token(services.engine, role, **extra)
        assert client.get("/api/v1/quarantine", headers=bearer(token)).status_code == 403
        assert client.post("/api/v1/quarantine/1/resubmit", headers=bearer(token)).status_code == 403


def test_an_entry_is_dismissed_with_a_reason_kept_and_audited(client, admin_token, services):
    from core.audit import entries

    h = bearer(admin_token)
    bad = {"event_id": "d1", "type": "readiness_assessed", "case_id": "c1", "occurred_at": "2026-02-01", "level": "soonish"}
    client.post("/api/v1/events", json=[bad], headers=h)
    entry = client.get("/api/v1/quarantine", headers=h).json()["entries"][0]
    url = f"/api/v1/quarantine/{entry['id']}/dismiss"
    assert client.post(url, json={"reason": "  "}, headers=h).status_code == 422
    refused = client.post(url, json={"reason": f"borger {CITIZENS[0]}"}, headers=h)
    assert refused.status_code == 422 and CITIZENS[0] not in refused.text
    assert client.post(url, json={}, headers=h).status_code == 422
    done = client.post(url, json={"reason": "test data from the old system"}, headers=h)
    assert done.status_code == 200, done.text
    kept = done.json()
    assert kept["status"] == "dismissed" and kept["dismissed_reason"] == "test data from the old system"
    assert kept["dismissed_by"].startswith("token:") and kept["resolved_at"]
    # off the open list (the default, as before), kept under its status
    assert client.get("/api/v1/quarantine", headers=h).json()["entries"] == []
    listed = client.get("/api/v1/quarantine?status=dismissed", headers=h).json()["entries"]
    assert [e["id"] for e in listed] == [entry["id"]]
    assert [e["id"] for e in client.get("/api/v1/quarantine?status=all", headers=h).json()["entries"]] == [entry["id"]]
    assert client.post(url, json={"reason": "again"}, headers=h).status_code == 404
    assert client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", headers=h).status_code == 404
    audited = [e for e in entries(services.engine) if e["action"] == "dismiss_quarantine"]
    assert [e["detail"] for e in audited] == [f"entry {entry['id']}"] and "old system" not in str(audited)


def test_only_admins_dismiss(client, services):
    from api.tokens import create_token

    for role, extra in [("ingest", {}), ("manager", {}), ("team_lead", {"team_id": "t1"})]:
        token = create_token(services.engine, role, **extra)
        assert client.post("/api/v1/quarantine/1/dismiss", json={"reason": "x"}, headers=bearer(token)).status_code == 403
