"""Dashboard access: every callback in the matrix × every role, sign-in throttle, sessions, CSRF."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from itsdangerous import URLSafeTimedSerializer

from core.access import CALLBACKS, PERMISSIONS, Role
from core.accounts import list_users, set_password
from dashboard.auth import SESSION_COOKIE, session_secret
from tests.dashboard.conftest import dash_app_of, fill_jobcentre
from tests.dashboard.test_accounts import sign_in

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test

USERS = {Role.worker: "medarbejder", Role.team_lead: "leder", Role.manager: "chef", Role.admin: "admin"}


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=8, months=1)


def _body(key: str, spec: dict, other_worker: str, other_team: str) -> dict:
    """A callback request whose worker and team values all point at the *other* team."""
    def value(item):
        name = f"{item['id']}.{item['property']}".lower()
        if "worker" in name:
            return other_worker
        if "team" in name and "select" in name:
            return other_team
        return None

    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in key.strip(".").split("...")]
    return {
        "output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [{**i, "value": value(i)} for i in spec["inputs"]],
        "state": [{**s, "value": value(s)} for s in spec["state"]], "changedPropIds": [],
    }


def test_every_callback_is_in_the_matrix_and_refuses_roles_outside_it(app, client, jobcentre):
    dash_app = dash_app_of(app)
    assert set(dash_app.callback_map) == set(CALLBACKS), "callbacks and core.access.CALLBACKS differ"
    checked = 0
    for identity in [None, *USERS]:
        client.cookies.clear()
        if identity is not None:
            assert sign_in(client, USERS[identity], jobcentre.users[USERS[identity]]).status_code == 303
        for key, spec in dash_app.callback_map.items():
            action = CALLBACKS[key][0]
            answer = client.post("/_dash-update-component",
                                 json=_body(key, spec, jobcentre.other_worker, jobcentre.other_team))
            checked += 1
            where = f"{key} as {identity}: {answer.status_code}"
            if identity is None:
                assert answer.status_code == 401, where
            elif action is not None and identity not in PERMISSIONS[action]:
                assert answer.status_code == 403, where
                assert jobcentre.other_worker not in answer.text, where
    print(f"callback matrix: {len(CALLBACKS)} callbacks x {len(USERS) + 1} identities = {checked} requests")


def test_sign_in_is_throttled_per_user_with_a_clear_message(client, jobcentre):
    for _ in range(5):
        assert sign_in(client, "leder", "wrong").status_code == 401
    blocked = sign_in(client, "leder", jobcentre.users["leder"])
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text or "For mange" in blocked.text
    assert "retry-after" in blocked.headers
    # another user from the same address is not yet blocked
    assert sign_in(client, "chef", jobcentre.users["chef"]).status_code == 303


def test_sessions_rotate_on_sign_in_and_end_on_password_change(client, services, jobcentre):
    sign_in(client, "leder", jobcentre.users["leder"])
    first = client.cookies.get(SESSION_COOKIE)
    sign_in(client, "leder", jobcentre.users["leder"])
    second = client.cookies.get(SESSION_COOKIE)
    assert first != second
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, first)
    assert client.post("/_dash-update-component", json={}).status_code == 401  # the old one ended
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, second)
    assert client.get("/team").status_code == 200
    user = next(u for u in list_users(services.engine) if u.username == "leder")
    set_password(services.engine, user.id, "Nye ord på en ny dag 3")
    assert client.post("/_dash-update-component", json={}).status_code == 401


def test_an_idle_session_ends(client, settings, jobcentre, monkeypatch):
    import itsdangerous.timed

    sign_in(client, "leder", jobcentre.users["leder"])
    serializer = URLSafeTimedSerializer(session_secret(settings), salt="overblik-dashboard-session")
    inner = serializer.loads(client.cookies.get(SESSION_COOKIE))
    # the same session, signed as if its last request was 31 minutes ago
    earlier = time.time() - 31 * 60
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: earlier))
    stale = serializer.dumps(inner)
    monkeypatch.undo()
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, stale)
    assert client.post("/_dash-update-component", json={}).status_code == 401
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, serializer.dumps(inner))  # the same, signed now: alive
    assert client.get("/team").status_code == 200 and 'name="password"' not in client.get("/team").text


def test_cross_site_posts_are_refused(client, jobcentre):
    sign_in(client, "leder", jobcentre.users["leder"])
    evil = client.post("/_dash-update-component", json={}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "cross-site" in evil.text
    evil = client.post("/sign-out", headers={"Referer": "https://evil.example/page"}, follow_redirects=False)
    assert evil.status_code == 403
    same = client.post("/sign-out", headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert same.status_code == 303


def test_cookies_are_secure_behind_a_trusted_proxy(settings, jobcentre):
    from fastapi.testclient import TestClient

    from api.app import create_app

    proxied = create_app(settings.model_copy(update={"trusted_proxies": "192.0.2.1"}), run_scheduler=False)
    with TestClient(proxied, client=("192.0.2.1", 40000)) as client:
        answer = client.post("/sign-in", data={"username": "leder", "password": jobcentre.users["leder"]},
                             headers={"X-Forwarded-Proto": "https"}, follow_redirects=False)
        assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]
        plain = client.post("/sign-in", data={"username": "chef", "password": jobcentre.users["chef"]},
                            follow_redirects=False)
        assert "Secure" not in plain.headers["set-cookie"]


def test_opening_a_board_in_the_dashboard_is_audited_once_per_window(app, client, services, jobcentre):
    from core.audit import entries
    from tests.dashboard.test_accounts import caseload_body

    sign_in(client, "leder", jobcentre.users["leder"])
    body = caseload_body(app, jobcentre.worker)
    for _ in range(3):  # live updates re-run the callback
        assert client.post("/_dash-update-component", json=body).status_code == 200
    opened = [e for e in entries(services.engine) if e["action"] == "open_board"]
    assert len(opened) == 1
    assert (opened[0]["channel"], opened[0]["actor"], opened[0]["worker_id"]) == (
        "dashboard", "user:leder", jobcentre.worker)
    body["state"][0]["value"] = jobcentre.other_worker  # refused: not recorded as opened
    assert client.post("/_dash-update-component", json=body).status_code == 403
    assert len([e for e in entries(services.engine) if e["action"] == "open_board"]) == 1


def test_exports_of_another_team_or_worker_are_refused(client, jobcentre):
    sign_in(client, "leder", jobcentre.users["leder"])
    assert client.get("/meeting-pack.pdf", params={"team": jobcentre.other_team}).status_code == 403
    assert client.get("/talk.pdf", params={"worker": jobcentre.other_worker}).status_code == 403
    own = client.get("/talk.pdf", params={"worker": jobcentre.worker})
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
