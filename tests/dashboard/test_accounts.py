"""Dashboard accounts and sessions on SQLite and PostgreSQL: passwords, expiry, sign-in, scoping."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from core.accounts import (
    AccountError,
    create_user,
    end_session,
    list_users,
    session_user,
    set_disabled,
    start_session,
    verify_password,
)
from core.database import session_scope
from core.models import DashboardUser
from dashboard import ids
from tests.dashboard.conftest import callback_key, fill_jobcentre

pytestmark = pytest.mark.slow  # argon2 hashes and a simulated jobcentre


def test_passwords_are_argon2_and_checked(services):
    engine = services.engine
    user = create_user(engine, "sb1", "correct horse battery", "worker", worker_id="w-0001")
    with session_scope(engine) as session:
        stored = session.get(DashboardUser, user.user_id)
    assert stored.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in stored.password_hash
    assert verify_password(engine, "sb1", "correct horse battery").worker_id == "w-0001"
    assert verify_password(engine, "sb1", "wrong horse battery") is None
    assert verify_password(engine, "nobody", "correct horse battery") is None


def test_user_rules(services):
    engine = services.engine
    with pytest.raises(AccountError):
        create_user(engine, "x1", "lang nok til mig 42", "worker")  # no worker id
    with pytest.raises(AccountError):
        create_user(engine, "x2", "lang nok til mig 42", "team_lead")  # no team id
    with pytest.raises(AccountError):
        create_user(engine, "x3", "lang nok til mig 42", "ingest")  # not a dashboard role
    with pytest.raises(AccountError):
        create_user(engine, "x4", "kort", "manager")
    create_user(engine, "x5", "lang nok til mig 42", "manager")
    with pytest.raises(AccountError):
        create_user(engine, "x5", "lang nok til mig 42", "manager")


def test_sessions_end_expire_and_follow_disabling(services):
    engine = services.engine
    user = create_user(engine, "leder", "lang nok til mig 42", "team_lead", team_id="team-01")
    secret, _ = start_session(engine, user, timedelta(hours=1))
    assert session_user(engine, secret).team_id == "team-01"
    end_session(engine, secret)
    assert session_user(engine, secret) is None
    expired, _ = start_session(engine, user, timedelta(seconds=-1))
    assert session_user(engine, expired) is None
    live, _ = start_session(engine, user, timedelta(hours=1))
    set_disabled(engine, user.user_id, True)
    assert session_user(engine, live) is None
    assert verify_password(engine, "leder", "lang nok til mig 42") is None
    set_disabled(engine, user.user_id, False)
    assert verify_password(engine, "leder", "lang nok til mig 42") is not None


@pytest.mark.process
def test_cli_user_create(settings, services):
    from ingest.organisation import TeamIn, put_team

    put_team(services.engine, "team-02", TeamIn(name="Team 2"))  # a team lead leads a team that exists
    env = {**os.environ, "OVERBLIK_DATABASE_URL": settings.database_url,
           "OVERBLIK_PSEUDONYM_KEY": "test-pseudonym-key-0123456789abcdef"}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "user", "create", "kiosk", "--role", "team_lead", "--team-id", "team-02",
         "--password-stdin"],
        input="Toget kører kl 7.42 fra perron 3\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [u.username for u in list_users(services.engine)] == ["kiosk"]
    assert verify_password(services.engine, "kiosk", "Toget kører kl 7.42 fra perron 3").team_id == "team-02"


# -- the dashboard over HTTP, without a browser ------------------------------------------------

def sign_in(client, username: str, password: str):
    return client.post("/sign-in", data={"username": username, "password": password}, follow_redirects=False)


def callback_body(app, output_id: str, inputs: list[dict], state: list[dict]) -> dict:
    """A /_dash-update-component request as the browser would send it for `output_id`'s callback."""
    key = callback_key(app, output_id)
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in key.strip(".").split("...")]
    return {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": state, "changedPropIds": []}


def benchmarking_body(app, month: str, metric: str) -> dict:
    """The benchmarking view's request for one metric over one month, as a live update sends it."""
    return callback_body(app, ids.BENCH_BODY, inputs=[
        {"id": ids.LIVE_VERSION, "property": "data", "value": "x"},
        {"id": ids.BENCH_FROM, "property": "value", "value": month},
        {"id": ids.BENCH_TO, "property": "value", "value": month},
        {"id": ids.BENCH_METRIC, "property": "value", "value": metric}], state=[])


def caseload_body(app, worker_id: str) -> dict:
    """The caseload board's request for `worker_id`'s board, as a live update sends it."""
    return callback_body(
        app, ids.CASELOAD_BODY,
        inputs=[{"id": ids.LIVE_VERSION, "property": "data", "value": "x"},
                {"id": ids.CASELOAD_FILTERS, "property": "value", "value": []},
                {"id": ids.CASELOAD_READINESS, "property": "value", "value": None}],
        state=[{"id": ids.CASELOAD_WORKER, "property": "data", "value": worker_id}],
    )


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=120, months=2)


def test_sign_in_cookie_homes_and_sign_out(client, jobcentre):
    assert client.get("/").text.count('name="password"') == 1
    assert sign_in(client, "leder", "wrong").status_code == 401
    response = sign_in(client, "leder", jobcentre.users["leder"])
    assert response.status_code == 303 and response.headers["location"] == "/team"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    assert client.get("/", follow_redirects=False).headers["location"] == "/team"
    assert client.get("/api/v1/health").json() == {"status": "ok"}  # the API still answers /api/v1
    client.post("/sign-out", follow_redirects=False)
    client.cookies.clear()
    assert client.post("/_dash-update-component", json={}).status_code == 401
    for username, home in (("medarbejder", "/my-caseload"), ("chef", "/benchmarking"), ("admin", "/users")):
        client.cookies.clear()
        assert sign_in(client, username, jobcentre.users[username]).headers["location"] == home


def test_a_tampered_cookie_is_refused(client, jobcentre):
    sign_in(client, "leder", jobcentre.users["leder"])
    value = client.cookies.get("overblik_session")
    client.cookies.clear()
    client.cookies.set("overblik_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.post("/_dash-update-component", json={}).status_code == 401


def test_crafted_callbacks_outside_the_role_get_nothing(app, client, jobcentre, services):
    # what the board would show of the other worker's citizens
    other_cases = {c["citizen"] for c in _board(services, jobcentre.other_worker)}
    assert other_cases
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    body = caseload_body(app, jobcentre.other_worker)
    refused = client.post("/_dash-update-component", json=body)
    assert refused.status_code == 403
    assert not any(case in refused.text for case in other_cases)
    # the same request for the worker's own board answers
    body["state"][0]["value"] = jobcentre.worker
    own = client.post("/_dash-update-component", json=body)
    assert own.status_code == 200
    assert all(c["citizen"] in own.text for c in _board(services, jobcentre.worker))
    # another team's steering view, as a worker and as the team's own lead
    team_body = callback_body(
        app, ids.TEAM_BODY,
        inputs=[{"id": ids.LIVE_VERSION, "property": "data", "value": "x"},
                {"id": ids.TEAM_SELECT, "property": "value", "value": jobcentre.other_team},
                {"id": ids.MONTH_SELECT, "property": "value", "value": None}],
        state=[],
    )
    assert client.post("/_dash-update-component", json=team_body).status_code == 403
    client.cookies.clear()
    sign_in(client, "leder", jobcentre.users["leder"])
    assert client.post("/_dash-update-component", json=team_body).status_code == 403
    team_body["inputs"][1]["value"] = jobcentre.team
    answer = client.post("/_dash-update-component", json=team_body)
    assert answer.status_code == 200
    assert f'"data-team":"{jobcentre.team}"' in json.dumps(answer.json(), separators=(",", ":"))


def _board(services, worker_id: str) -> list[dict]:
    from metrics.service import MetricsService

    return MetricsService(services.engine, services.settings.zone).board(worker_id)["cases"]
