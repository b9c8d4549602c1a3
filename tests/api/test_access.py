"""The access matrix walked in full: every OpenAPI route × every role and bad credential."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from api.tokens import create_token, revoke_token
from core.access import PERMISSIONS, ROUTES, Role
from tests.conftest import bearer

SECRET_CASE = "case-9f3e-own"  # a case of worker w1 (team t1); refusals must not show it
OTHER_CASE = "case-7a1b-other"  # a case of worker w2 (team t2)
MONTH = "2026-02"
PATH_VALUES = {"entry_id": "999999", "team_id": "t1", "worker_id": "w1", "name": "no-such-source",
               "month": "2020-01", "token_id": "999999", "case_id": "no-such-case",
               "programme": "stv", "quarter": "2026Q1"}
QUERY_VALUES = {"month": MONTH, "field": "caseload", "metric": "active_cases", "from": "2026-01",
                "to": MONTH, "programme": "stv", "worker_id": "w1", "until": MONTH}
IDENTITIES = [*Role, "none", "bad", "expired", "revoked"]


def _event(event_id, kind, case_id, when, **fields):
    return {"event_id": event_id, "type": kind, "case_id": case_id, "occurred_at": when, **fields}


@pytest.fixture
def world(client, services, admin_token):
    h = bearer(admin_token)
    for team in ("t1", "t2"):
        assert client.put(f"/api/v1/teams/{team}", json={"name": team, "unit": "u"}, headers=h).status_code == 200
    for worker, team in (("w1", "t1"), ("w2", "t2")):
        r = client.put(f"/api/v1/workers/{worker}", json={"name": worker, "team_id": team, "roles": ["caseworker"]}, headers=h)
        assert r.status_code == 200
    events = []
    for case, worker, team in ((SECRET_CASE, "w1", "t1"), (OTHER_CASE, "w2", "t2")):
        events += [
            _event(f"{case}-o", "case_opened", case, "2026-01-05", team_id=team, citizen="0101801234"),
            _event(f"{case}-a", "worker_assigned", case, "2026-01-06", worker_id=worker, role="caseworker"),
        ]
    summary = client.post("/api/v1/events", json=events, headers=h).json()
    assert summary["accepted"] == 4, summary
    engine = services.engine
    tokens = {
        Role.ingest: create_token(engine, "ingest"),
        Role.worker: create_token(engine, "worker", worker_id="w1"),
        Role.team_lead: create_token(engine, "team_lead", team_id="t1"),
        Role.manager: create_token(engine, "manager"),
        Role.admin: admin_token,
        Role.monitoring: create_token(engine, "monitoring"),
        "bad": "ovb_not-a-token",
        "expired": create_token(engine, "admin", expires_in=timedelta(seconds=-1)),
    }
    revoked = create_token(engine, "admin")
    with engine.connect() as connection:
        token_id = connection.execute(text("SELECT max(id) FROM access_tokens")).scalar()
    revoke_token(engine, token_id)
    tokens["revoked"] = revoked
    return tokens


def _request(client, token, method, path, operation):
    url = path
    for name, value in PATH_VALUES.items():
        url = url.replace("{" + name + "}", value)
    params = {
        p["name"]: QUERY_VALUES[p["name"]]
        for p in operation.get("parameters", [])
        if p["in"] == "query" and (p.get("required") or (p["name"] == "worker_id" and path.endswith(("board", "cases"))))
    }
    headers = bearer(token) if token else {}
    content = None
    if method in ("POST", "PUT"):
        # an empty body: authorisation is decided before the body is read
        headers["Content-Type"] = "application/json"
        content = b"{}"
    return client.request(method, url, params=params, headers=headers, content=content)


@pytest.mark.slow
def test_every_route_and_role_as_the_matrix_says(client, app, world):
    document = client.get("/api/v1/openapi.json").json()
    assert app.state.follower.warmed.wait(60), "the read model did not warm: /api/v1/ready would say so"
    seen = set()
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            key = (method.upper(), path)
            assert key in ROUTES, f"{key} has no entry in core.access.ROUTES"
            seen.add(key)
            action = ROUTES[key][0]
            for identity in IDENTITIES:
                answer = _request(client, world.get(identity), method.upper(), path, operation)
                checked += 1
                where = f"{method.upper()} {path} as {identity}: {answer.status_code} {answer.text[:200]}"
                if action is None:
                    assert answer.status_code == 200, where
                elif identity in ("none", "bad", "expired", "revoked"):
                    assert answer.status_code == 401, where
                elif identity not in PERMISSIONS[action]:
                    assert answer.status_code == 403, where
                else:
                    assert answer.status_code not in (401, 403), where
                    assert answer.status_code < 500, where
                    if method == "get" and "{" not in path:
                        assert answer.status_code == 200, where
                if answer.status_code in (401, 403):
                    assert SECRET_CASE not in answer.text and OTHER_CASE not in answer.text, where
                    assert set(answer.json()) == {"detail"}, where
    assert seen == set(ROUTES), f"matrix entries without a route: {set(ROUTES) - seen}"
    print(f"access matrix: {len(seen)} routes x {len(IDENTITIES)} identities = {checked} requests")


CROSS_TEAM = [
    ("worker", "/api/v1/board", {"worker_id": "w2"}),
    ("worker", "/api/v1/milestones", {"month": MONTH, "team_id": "t2"}),
    ("worker", "/api/v1/trend", {"metric": "active_cases", "from": "2026-01", "to": MONTH, "team_id": "t2"}),
    ("worker", "/api/v1/trend", {"metric": "active_cases", "from": "2026-01", "to": MONTH, "worker_id": "w2"}),
    ("worker", "/api/v1/targets", {"team_id": "t2"}),
    ("team_lead", "/api/v1/board", {"worker_id": "w2"}),
    ("team_lead", "/api/v1/milestones", {"month": MONTH, "team_id": "t2"}),
    ("team_lead", "/api/v1/milestones/cases", {"month": MONTH, "field": "caseload", "team_id": "t2"}),
    ("team_lead", "/api/v1/milestones/cases", {"month": MONTH, "field": "caseload", "worker_id": "w2"}),
    ("team_lead", "/api/v1/trend", {"metric": "active_cases", "from": "2026-01", "to": MONTH, "team_id": "t2"}),
    ("team_lead", "/api/v1/trend", {"metric": "active_cases", "from": "2026-01", "to": MONTH, "worker_id": "w2"}),
    ("team_lead", "/api/v1/targets", {"team_id": "t2"}),
    ("worker", "/api/v1/goals", {"team_id": "t2"}),
    ("team_lead", "/api/v1/goals", {"team_id": "t2"}),
    ("team_lead", "/api/v1/months/2020-01", {"team_id": "t2"}),
]


@pytest.mark.parametrize(("role", "path", "params"), CROSS_TEAM)
def test_cross_team_requests_by_id_are_refused(client, world, role, path, params):
    answer = client.get(path, params=params, headers=bearer(world[Role(role)]))
    assert answer.status_code == 403, answer.text
    assert OTHER_CASE not in answer.text and "w2" not in answer.text.replace(params.get("worker_id", "-"), "")


def test_own_scope_is_answered_and_audited(client, world, admin_token):
    board = client.get("/api/v1/board", headers=bearer(world[Role.worker]))
    assert board.status_code == 200 and SECRET_CASE in board.text and OTHER_CASE not in board.text
    funnel = client.get("/api/v1/funnel", params={"programme": "stv", "from": "2026-01", "to": MONTH},
                        headers=bearer(world[Role.team_lead]))
    assert funnel.status_code == 200 and all(r["team_id"] == "t1" for r in funnel.json()["rows"])
    cases = client.get("/api/v1/milestones/cases", params={"month": MONTH, "field": "caseload", "worker_id": "w1"},
                       headers=bearer(world[Role.team_lead]))
    assert cases.status_code == 200, cases.text
    log = client.get("/api/v1/audit", headers=bearer(admin_token)).json()["entries"]
    opened = [(e["action"], e["worker_id"], e["role"], e["channel"]) for e in log]
    assert ("open_board", "w1", "worker", "api") in opened
    assert ("open_case_list", "w1", "team_lead", "api") in opened
    assert all(e["address"] for e in log)
    assert SECRET_CASE not in str(log)
