"""Tokens by API, the append-only audit log, case erasure and the security headers."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core import audit
from tests.conftest import bearer


def test_tokens_created_listed_without_secret_and_revoked(client, admin_token):
    h = bearer(admin_token)
    # a worker token names a worker that exists
    assert client.put("/api/v1/workers/w1", json={"name": "w1", "roles": ["caseworker"]}, headers=h).status_code == 200
    created = client.post("/api/v1/tokens", json={"role": "worker", "worker_id": "w1", "expires_in_days": 7}, headers=h)
    assert created.status_code == 201, created.text
    secret, token_id = created.json()["token"], created.json()["id"]
    assert created.json()["expires_at"] is not None
    listed = client.get("/api/v1/tokens", headers=h)
    assert secret not in listed.text and any(t["id"] == token_id for t in listed.json())
    assert client.get("/api/v1/board", headers=bearer(secret)).status_code != 401
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=h).status_code == 204
    assert client.get("/api/v1/board", headers=bearer(secret)).status_code == 401
    assert client.delete("/api/v1/tokens/999999", headers=h).status_code == 404
    refused = client.post("/api/v1/tokens", json={"role": "team_lead"}, headers=h)
    assert refused.status_code == 422 and "team" in refused.text


def test_audit_log_is_append_only_and_exported_as_csv(client, services, admin_token):
    audit.record(services.engine, channel="api", actor="token:1", role="manager", action="open_board",
                 worker_id="=HYPERLINK(1)", address="10.0.0.1")
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), services.engine.begin() as connection:
            connection.execute(text(statement))
    exported = client.get("/api/v1/audit.csv", headers=bearer(admin_token))
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in exported.text  # a spreadsheet will not run it
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=bearer(admin_token)).json()["entries"]]
    assert actions[:2] == ["export_audit", "open_board"]


def test_erasure_removes_a_case_everywhere_and_leaves_an_anonymous_entry(app, client, services, admin_token):
    h = bearer(admin_token)
    kept, erased = "case-kept-41", "case-erase-42"
    events = [
        {"event_id": f"{case}-o", "type": "case_opened", "case_id": case, "occurred_at": "2026-01-05",
         "team_id": "t1", "citizen": "0101801234"} for case in (kept, erased)
    ]
    events.append({"event_id": "bad", "type": "case_opened", "case_id": erased, "occurred_at": "2026-01-05"})
    assert client.post("/api/v1/events", json=events, headers=h).json()["accepted"] == 2
    model = app.state.services.read_model  # the running app's own, which the erasure must reach
    model.catch_up()
    assert model.case(erased) is not None
    with services.engine.connect() as connection:
        newest = connection.execute(text("SELECT max(seq) FROM events")).scalar()
    answer = client.delete(f"/api/v1/cases/{erased}", headers=h)
    assert answer.status_code == 200 and answer.json()["erased"] == {"events": 1, "quarantined": 1, "notes": 0}
    assert model.case(erased) is None and model.case(kept) is not None
    with services.engine.connect() as connection:
        for table in ("events", "quarantine", "audit_log"):
            rows = str(list(connection.execute(text(f"SELECT * FROM {table}"))))
            assert erased not in rows, table
    # the erased case held the newest seq: the next event must still come after it
    later = {"event_id": "later", "type": "case_opened", "case_id": "case-later", "occurred_at": "2026-01-06",
             "team_id": "t1", "citizen": "2512904321"}
    assert client.post("/api/v1/events", json=[later], headers=h).json()["accepted"] == 1
    with services.engine.connect() as connection:
        assert connection.execute(text("SELECT max(seq) FROM events")).scalar() > newest
    assert model.catch_up() >= 0 and model.case("case-later") is not None
    entries = client.get("/api/v1/audit", headers=h).json()["entries"]
    assert entries[0]["action"] == "erase_case" and erased not in str(entries)


def test_security_headers_on_api_and_dashboard(client):
    for path in ("/api/v1/health", "/"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"


def test_only_the_wall_screen_may_be_framed_and_only_when_configured(settings):
    from fastapi.testclient import TestClient

    from api.app import create_app

    framed = create_app(settings.model_copy(update={"wall_frame_ancestors": "https://intra.example"}),
                        run_scheduler=False)
    with TestClient(framed) as client:
        wall = client.get("/wall").headers
        assert "frame-ancestors https://intra.example" in wall["content-security-policy"]
        assert "x-frame-options" not in wall
        other = client.get("/team").headers
        assert "frame-ancestors 'none'" in other["content-security-policy"] and other["x-frame-options"] == "DENY"
