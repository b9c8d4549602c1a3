"""Every input validated at the edge: crafted callback payloads, scope of goals, month closes and
the wall screen, token and user bindings, mapping paths, and HTTP feeds to internal addresses."""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, table

from core.access import CALLBACKS, PERMISSIONS, Role
from metrics.calendar import add_months, month_of
from tests.dashboard.conftest import fill_jobcentre
from tests.security.callback_fuzz import payloads

USERS = {Role.worker: "medarbejder", Role.team_lead: "leder", Role.manager: "chef", Role.admin: "admin"}
# rows a request may add whatever it carries: who signed in, who opened what
SESSION_LEVEL = {"audit_log", "dashboard_sessions", "sign_in_failures", "alembic_version"}


def _dash(app):
    server = next(r.app.app for r in app.routes if getattr(r, "path", None) == "")
    return server.extensions["overblik_dashboard"]


def row_counts(engine) -> tuple[int, ...]:
    """Rows of every table but the session-level ones, in one query."""
    names = sorted(n for n in inspect(engine).get_table_names() if n not in SESSION_LEVEL)
    query = select(*[select(func.count()).select_from(table(n)).scalar_subquery() for n in names])
    with engine.connect() as conn:
        return tuple(conn.execute(query).one())


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=8, months=1)


def _base(jc, zone) -> dict:
    month = month_of(datetime.now(UTC), zone)
    return {
        "url.pathname": "/team", "url.search": "", "live-push.n_clicks": 1, "live-version.data": "v1",
        "caseload-filters.value": [], "caseload-readiness.value": None, "caseload-worker.data": jc.worker,
        "record-last.data": None, "record-action.value": "contact", "record-case.value": None,
        "record-form-id.data": "ob-fuzz-1", "record-submit.n_clicks": 1, "record-undo.n_clicks": None,
        "sheet-upload.contents": None, "sheet-confirm.n_clicks": 1, "sheet-pending.data": None,
        "team-select.value": jc.team, "month-select.value": month, "team-drawn.data": f"{jc.team}:{month}",
        "drill.n_clicks": [{"id": {"type": "drill", "field": "new_cases"}, "property": "n_clicks", "value": 1}],
        "drill-close.n_clicks": None, "team-action-add.n_clicks": 1, "team-action-kind.value": "action",
        "team-action-text.value": "Follow up the overdue cases", "talk-worker.value": jc.worker,
        "talk-add.n_clicks": 1, "talk-kind.value": "note", "talk-text.value": "Talked about the caseload",
        "bench-from.value": add_months(month, -6), "bench-to.value": month, "bench-metric.value": "new_cases",
        "wall-team.data": jc.team, "user-create.n_clicks": 1, "user-name.value": "fuzzed",
        "user-password.value": "a-long-password-4711", "user-role.value": "worker", "user-worker.value": jc.worker,
        "user-team.value": None, "admin-team-save.n_clicks": 1, "admin-team-id.value": "fuzz-team",
        "admin-team-name.value": "Fuzz", "admin-team-unit.value": None, "admin-worker-save.n_clicks": 1,
        "admin-worker-id.value": "fuzz-worker", "admin-worker-name.value": "Fuzz",
        "admin-worker-team.value": jc.team, "admin-worker-roles.value": ["caseworker"],
        "admin-target-save.n_clicks": 1, "admin-target-team.value": jc.team,
        "admin-target-metric.value": "new_cases", "admin-target-month.value": month,
        "admin-target-value.value": 5, "admin-goal-save.n_clicks": 1, "admin-goal-team.value": jc.team,
        "admin-goal-metric.value": "new_cases", "admin-goal-month.value": add_months(month, 3),
        "admin-goal-value.value": 5, "admin-norm-save.n_clicks": 1,
        "admin-norm-low.value": [{"id": {"type": "admin-norm-low", "role": "caseworker"}, "property": "value",
                                  "value": 10}],
        "admin-norm-high.value": [{"id": {"type": "admin-norm-high", "role": "caseworker"}, "property": "value",
                                   "value": 40}],
        "admin-source-add.n_clicks": 1, "admin-source-name.value": "fuzzsource",
        "admin-source-kind.value": "http_feed", "admin-source-location.value": "http://127.0.0.1:9/feed",
        "admin-source-token.value": None, "admin-source-interval.value": 300,
        "admin-token-create.n_clicks": 1, "admin-token-name.value": "fuzz", "admin-token-role.value": "worker",
        "admin-token-worker.value": jc.worker, "admin-token-team.value": None, "admin-token-days.value": 30,
    }


WRITES = ("admin-", "users-table", "team-action-log", "talk-log", "record-message", "sheet-message")


def test_crafted_callback_payloads_never_answer_500_and_store_nothing(app, services, jobcentre, capsys):
    dash_app = _dash(app)
    assert set(dash_app.callback_map) == set(CALLBACKS)
    other = {"team-select.value": jobcentre.other_team, "talk-worker.value": jobcentre.other_worker,
             "caseload-worker.data": jobcentre.other_worker, "wall-team.data": jobcentre.other_team,
             "user-worker.value": jobcentre.other_worker, "user-team.value": jobcentre.other_team,
             "record-case.value": "no-such-case", "admin-worker-team.value": "no-such-team",
             "admin-target-team.value": "no-such-team", "admin-goal-team.value": "no-such-team",
             "admin-token-worker.value": "no-such-worker", "admin-token-team.value": "no-such-team"}
    made = payloads(dash_app.callback_map, _base(jobcentre, services.settings.zone), other)
    clients = {}
    for role, name in USERS.items():
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        answer = client.post("/sign-in", data={"username": name, "password": jobcentre.users[name]},
                             follow_redirects=False)
        assert answer.status_code == 303
        clients[role] = client
    statuses = collections.Counter()
    per_class = collections.Counter()
    failures, stored = [], []
    try:
        for n, payload in enumerate(made):
            action = CALLBACKS.get(payload.callback, (None,))[0]
            roles = [r for r in USERS if action is None or r in PERMISSIONS[action]] or [Role.admin]
            role = roles[n % len(roles)]
            write = payload.callback.strip(".").startswith(WRITES)
            before = row_counts(services.engine) if write and payload.invalid else None
            # NaN and Infinity as a browser's JSON.parse would refuse, but a crafted request may send
            answer = clients[role].post("/_dash-update-component", content=json.dumps(payload.body),
                                        headers={"Content-Type": "application/json"})
            statuses[answer.status_code] += 1
            per_class[payload.label] += 1
            if answer.status_code >= 500:
                failures.append((payload.callback, payload.slot, payload.label, role.value, answer.text[:200]))
            if before is not None and row_counts(services.engine) != before:
                stored.append((payload.callback, payload.slot, payload.label, role.value))
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)
    with capsys.disabled():
        print(f"\ncallback fuzz: {len(made)} payloads, answers {dict(statuses)}")
        print("per class:", dict(per_class))
        for f in failures[:400]:
            print("500:", f)
        for s in stored[:100]:
            print("STORED:", s)
    assert not failures, f"{len(failures)} answers of 500"
    assert not stored, f"{len(stored)} invalid payloads stored something"
    assert len(made) >= 2000
