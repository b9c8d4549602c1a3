"""POST /api/v1/events through the app: formats, answers, limits and roles."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from api.tokens import create_token, revoke_token
from tests.conftest import CITIZENS, bearer


def ev(i, kind="enrolled", **fields):
    return {"event_id": f"e{i}", "type": kind, "case_id": f"c{i}", "occurred_at": "2026-02-01", **fields}


def test_array_object_and_ndjson_bodies(client, ingest_token):
    h = bearer(ingest_token)
    r = client.post("/api/v1/events", json=[ev(1), ev(2)], headers=h)
    assert r.status_code == 200
    assert r.json() == {"accepted": 2, "duplicates": 0, "rejected": 0, "errors": []}
    r = client.post("/api/v1/events", json=ev(3), headers=h)
    assert r.json()["accepted"] == 1
    body = b"\n".join(orjson.dumps(e) for e in [ev(4), ev(1)]) + b"\n{broken\n\n"
    r = client.post("/api/v1/events", content=body, headers={**h, "Content-Type": "application/x-ndjson"})
    data = r.json()
    assert (data["accepted"], data["duplicates"], data["rejected"]) == (1, 1, 1)
    assert data["errors"][0]["index"] == 2 and "line 3" in data["errors"][0]["reason"]


def test_per_event_errors_carry_index_event_id_and_reason(client, ingest_token):
    r = client.post(
        "/api/v1/events",
        json=[ev(1), ev(2, "readiness_assessed", level="soon"), ev(3, "mystery")],
        headers=bearer(ingest_token),
    )
    data = r.json()
    assert data["accepted"] == 1 and data["rejected"] == 2
    assert [(e["index"], e["event_id"]) for e in data["errors"]] == [(1, "e2"), (2, "e3")]
    assert "level" in data["errors"][0]["reason"]
    assert "unknown event type" in data["errors"][1]["reason"]


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"", 400), (b"{not json", 400), (b"42", 422), (b'"event"', 422), (b"null", 422)],
)
def test_bodies_that_are_not_events(client, ingest_token, body, status):
    r = client.post("/api/v1/events", content=body, headers={**bearer(ingest_token), "Content-Type": "application/json"})
    assert r.status_code == status
    assert r.json()["detail"]


def test_too_large_a_body_is_413(settings, ingest_token):
    from fastapi.testclient import TestClient

    from api.app import create_app

    small = settings.model_copy(update={"max_body_bytes": 1000})
    with TestClient(create_app(small, run_scheduler=False)) as client:
        r = client.post("/api/v1/events", json=[ev(i) for i in range(50)], headers=bearer(ingest_token))
        assert r.status_code == 413
        assert "1000 bytes" in r.json()["detail"]


def test_tokens_and_roles(client, services, ingest_token):
    assert client.post("/api/v1/events", json=[ev(1)]).status_code == 401
    assert client.post("/api/v1/events", json=[ev(1)], headers=bearer("ovb_wrong")).status_code == 401
    worker = create_token(services.engine, "worker", worker_id="w1")
    r = client.post("/api/v1/events", json=[ev(1)], headers=bearer(worker))
    assert r.status_code == 403 and "accepted" not in r.text
    # An ingest token sends but reads nothing.
    assert client.get("/api/v1/quarantine", headers=bearer(ingest_token)).status_code == 403
    assert client.get("/api/v1/teams", headers=bearer(ingest_token)).status_code == 403


def test_expired_and_revoked_tokens_are_refused(client, services):
    expired = create_token(services.engine, "ingest", expires_in=timedelta(seconds=-1))
    assert client.post("/api/v1/events", json=[ev(1)], headers=bearer(expired)).status_code == 401
    token = create_token(services.engine, "ingest")
    assert client.post("/api/v1/events", json=[ev(1)], headers=bearer(token)).status_code == 200
    from api.tokens import list_tokens

    token_id = next(t.id for t in list_tokens(services.engine) if token.startswith(t.prefix) and t.revoked_at is None and t.expires_at is None)
    assert revoke_token(services.engine, token_id)
    assert client.post("/api/v1/events", json=[ev(2)], headers=bearer(token)).status_code == 401


def test_tokens_are_stored_hashed(client, services, admin_token):
    from sqlalchemy import text

    with services.engine.connect() as connection:
        stored = str(list(connection.execute(text("SELECT * FROM access_tokens"))))
    assert admin_token not in stored


def test_an_error_never_echoes_the_citizen(client, ingest_token):
    bad = {"event_id": "o1", "type": "case_opened", "case_id": "c1", "occurred_at": "2026-02-01",
           "citizen": CITIZENS[2], "team_id": 5}
    r = client.post("/api/v1/events", json=[bad, {**ev(2), "citizen": CITIZENS[2]}], headers=bearer(ingest_token))
    assert r.json()["rejected"] == 2
    assert CITIZENS[2] not in r.text


def test_health_needs_no_token(client):
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/events" in doc["paths"]
