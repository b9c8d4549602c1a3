"""Every input validated at the edge: crafted callback payloads, scope of goals, month closes and
the wall screen, token and user bindings, mapping paths, and HTTP feeds to internal addresses."""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, table

from api.tokens import create_token
from core.access import CALLBACKS, PERMISSIONS, Role
from metrics.calendar import add_months, month_of
from tests.conftest import bearer
from tests.dashboard.conftest import dash_app_of, fill_jobcentre
from tests.security.callback_fuzz import payloads

USERS = {Role.worker: "medarbejder", Role.team_lead: "leder", Role.manager: "chef", Role.admin: "admin"}
# rows a request may add whatever it carries: who signed in, who opened what
SESSION_LEVEL = {"audit_log", "dashboard_sessions", "sign_in_failures", "alembic_version"}


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
        "record-last.data": None, "record-action.value": "follow_up_held", "record-case.value": None,
        "record-form-id.data": "ob-fuzz-1", "record-submit.n_clicks": 1, "record-undo.n_clicks": None,
        "sheet-upload.contents": None, "sheet-confirm.n_clicks": 1, "sheet-pending.data": None,
        "sheet-resolve.value": [],
        "team-select.value": jc.team, "month-select.value": month, "team-drawn.data": f"{jc.team}:{month}",
        "drill.n_clicks": [{"id": {"type": "drill", "field": "active_cases"}, "property": "n_clicks", "value": 1}],
        "drill-close.n_clicks": None, "team-action-add.n_clicks": 1, "team-action-kind.value": "action",
        "team-action-text.value": "Follow up the overdue cases", "talk-worker.value": jc.worker,
        "talk-add.n_clicks": 1, "talk-kind.value": "note", "talk-text.value": "Talked about the caseload",
        "bench-from.value": add_months(month, -6), "bench-to.value": month, "bench-metric.value": "placement_starts",
        "wall-team.data": jc.team, "user-create.n_clicks": 1, "user-name.value": "fuzzed",
        "user-password.value": "a-long-password-4711", "user-role.value": "worker", "user-worker.value": jc.worker,
        "user-team.value": None, "admin-team-save.n_clicks": 1, "admin-team-id.value": "fuzz-team",
        "admin-team-name.value": "Fuzz", "admin-team-unit.value": None, "admin-worker-save.n_clicks": 1,
        "admin-worker-id.value": "fuzz-worker", "admin-worker-name.value": "Fuzz",
        "admin-worker-team.value": jc.team, "admin-worker-roles.value": ["caseworker"],
        "admin-target-save.n_clicks": 1, "admin-target-team.value": jc.team,
        "admin-target-metric.value": "placement_starts", "admin-target-month.value": month,
        "admin-target-value.value": 5, "admin-goal-save.n_clicks": 1, "admin-goal-team.value": jc.team,
        "admin-goal-metric.value": "placement_starts", "admin-goal-month.value": add_months(month, 3),
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


def _names_what_exists(engine, payload) -> bool:
    """Whether a mutated id names a team or worker that exists by now (the fuzz itself may have
    made a team called "2000-13" through the team form): then it is not an invalid id."""
    if not payload.value_is_text:
        return False
    value = payload.value.replace("\x00", "").strip()  # as the forms keep it
    with engine.connect() as conn:
        return bool(conn.exec_driver_sql(
            "SELECT 1 FROM teams WHERE team_id = :v UNION SELECT 1 FROM workers WHERE worker_id = :v"
            .replace(":v", "?" if engine.dialect.name == "sqlite" else "%(v)s"),
            (value,) * 2 if engine.dialect.name == "sqlite" else {"v": value}).first())


WRITES = ("admin-", "users-table", "team-action-log", "talk-log", "record-message", "sheet-message")


# 3,222 payloads, each write one counted in every table: about a minute a database, more on a
# loaded machine
@pytest.mark.timeout(900)
@pytest.mark.slow
def test_crafted_callback_payloads_never_answer_500_and_store_nothing(app, services, jobcentre, capsys):
    dash_app = dash_app_of(app)
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
    last = None
    statuses = collections.Counter()
    per_class = collections.Counter()
    failures, stored = [], []
    try:
        for n, payload in enumerate(made):
            action = CALLBACKS.get(payload.callback, (None,))[0]
            roles = [r for r in USERS if action is None or r in PERMISSIONS[action]] or [Role.admin]
            role = roles[n % len(roles)]
            write = payload.callback.strip(".").startswith(WRITES)
            # what was counted after the last write request (read callbacks store nothing but
            # session-level rows), so one count per write request
            invalid = write and payload.invalid and not _names_what_exists(services.engine, payload)
            before = (last if last is not None else row_counts(services.engine)) if invalid else None
            # NaN and Infinity as a browser's JSON.parse would refuse, but a crafted request may send
            answer = clients[role].post("/_dash-update-component", content=json.dumps(payload.body),
                                        headers={"Content-Type": "application/json"})
            statuses[answer.status_code] += 1
            per_class[payload.label] += 1
            if answer.status_code >= 500:
                failures.append((payload.callback, payload.slot, payload.label, role.value, answer.text[:200]))
            after = last = row_counts(services.engine) if write else None
            if before is not None and after != before:
                names = sorted(n for n in inspect(services.engine).get_table_names() if n not in SESSION_LEVEL)
                changed = [n for n, a, b in zip(names, before, after, strict=True) if a != b]
                stored.append((payload.callback, payload.slot, payload.label, role.value, changed))
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


# -- scope: goals, month closes ---------------------------------------------------------------


@pytest.fixture
def two_teams(client, services, admin_token):
    h = bearer(admin_token)
    for team in ("t1", "t2"):
        assert client.put(f"/api/v1/teams/{team}", json={"name": team}, headers=h).status_code == 200
    for worker, team in (("w1", "t1"), ("w2", "t2")):
        assert client.put(f"/api/v1/workers/{worker}", json={"name": worker, "team_id": team,
                                                              "roles": ["caseworker"]}, headers=h).status_code == 200
    month = month_of(datetime.now(UTC), services.settings.zone)
    goals = [{"team_id": team, "metric": "placement_starts", "by": add_months(month, 3), "value": 10}
             for team in ("t1", "t2")]
    assert client.put("/api/v1/goals", json=goals, headers=h).status_code == 200
    engine = services.engine
    return {"admin": h, "worker": bearer(create_token(engine, "worker", worker_id="w1")),
            "lead": bearer(create_token(engine, "team_lead", team_id="t1")),
            "manager": bearer(create_token(engine, "manager")), "month": month}


def test_goals_are_scoped_to_the_callers_team(client, two_teams):
    for who in ("worker", "lead"):
        own = client.get("/api/v1/goals", headers=two_teams[who])
        assert own.status_code == 200 and {g["team_id"] for g in own.json()} == {"t1"}, own.text
        other = client.get("/api/v1/goals", params={"team_id": "t2"}, headers=two_teams[who])
        assert other.status_code == 403 and set(other.json()) == {"detail"} and "t2" not in other.text
        unknown = client.get("/api/v1/goals", params={"team_id": "no-such-team"}, headers=two_teams[who])
        assert unknown.status_code == 403  # nothing said about whether another team exists
    every = client.get("/api/v1/goals", headers=two_teams["manager"])
    assert {g["team_id"] for g in every.json()} == {"t1", "t2"}
    one = client.get("/api/v1/goals", params={"team_id": "t2"}, headers=two_teams["admin"])
    assert {g["team_id"] for g in one.json()} == {"t2"}
    assert client.get("/api/v1/goals", params={"team_id": "nope"}, headers=two_teams["admin"]).status_code == 404


def test_month_closes_are_scoped_to_the_team(client, two_teams):
    last = add_months(two_teams["month"], -1)
    lead = two_teams["lead"]
    refused = client.post(f"/api/v1/months/{last}/close", params={"team_id": "t2"}, headers=lead)
    assert refused.status_code == 403
    assert client.post(f"/api/v1/months/{last}/close", headers=lead).status_code == 200
    assert client.post(f"/api/v1/months/{last}/close", params={"team_id": "t2"},
                       headers=two_teams["admin"]).status_code == 200
    assert client.post(f"/api/v1/months/{last}/close", params={"team_id": "nope"},
                       headers=two_teams["admin"]).status_code == 404
    listed = client.get("/api/v1/months", headers=lead).json()
    assert {c["scope"] for c in listed} == {"t1"}, listed  # not t2's close
    assert {c["scope"] for c in client.get("/api/v1/months", headers=two_teams["manager"]).json()} == {"t1", "t2"}
    assert client.get(f"/api/v1/months/{last}", params={"team_id": "t2"}, headers=lead).status_code == 403
    own = client.get(f"/api/v1/months/{last}", headers=lead)
    assert own.status_code == 200 and {r["team_id"] for r in own.json()["rows"]} <= {"t1"}
    for bad in ("2000-13", "0000-00", "2026-1", "9999-99", "x" * 300):
        answer = client.post(f"/api/v1/months/{bad}/close", headers=lead)
        assert answer.status_code in (404, 422), (bad, answer.status_code)


@pytest.mark.slow
def test_the_wall_screen_shows_no_case_id_to_anyone(app, client, services, jobcentre):
    from dashboard import ids
    from tests.dashboard.test_accounts import callback_body

    cases = [c["case_id"] for c in services.store.engine.connect().exec_driver_sql(
        "SELECT DISTINCT case_id FROM events").mappings()]
    assert cases
    for name in ("medarbejder", "leder", "chef"):
        client.cookies.clear()
        client.post("/sign-in", data={"username": name, "password": jobcentre.users[name]})
        body = callback_body(app, ids.WALL_BODY, inputs=[{"id": ids.LIVE_VERSION, "property": "data", "value": "x"}],
                             state=[{"id": ids.WALL_TEAM, "property": "data", "value": jobcentre.team}])
        answer = client.post("/_dash-update-component", json=body)
        assert answer.status_code == 200
        assert not [c for c in cases if c in answer.text], name


# -- tokens and users only for workers and teams that exist -----------------------------------


@pytest.mark.slow
def test_tokens_are_issued_only_for_workers_and_teams_that_exist(client, two_teams, services, db_url, tmp_path):
    h = two_teams["admin"]
    for body, expected in [
        ({"role": "worker", "worker_id": "no-such-worker"}, 422),
        ({"role": "worker"}, 422),
        ({"role": "worker", "worker_id": "w1", "team_id": "t2"}, 422),  # not the worker's team
        ({"role": "team_lead", "team_id": "no-such-team"}, 422),
        ({"role": "team_lead"}, 422),
        ({"role": "team_lead", "team_id": "t1", "worker_id": "w1"}, 422),
        ({"role": "manager", "team_id": "t1"}, 422),
        ({"role": "ingest", "worker_id": "w1"}, 422),
        ({"role": "worker", "worker_id": "w1"}, 201),
        ({"role": "worker", "worker_id": "w1", "team_id": "t1"}, 201),
        ({"role": "team_lead", "team_id": "t1"}, 201),
    ]:
        before = len(client.get("/api/v1/tokens", headers=h).json())
        answer = client.post("/api/v1/tokens", json=body, headers=h)
        assert answer.status_code == expected, (body, answer.text)
        after = len(client.get("/api/v1/tokens", headers=h).json())
        assert after == before + (expected == 201), body
        if expected == 422:
            assert answer.json()["detail"] and "ovb_" not in answer.text
    # the command line: the same shape rules; an id the organisation data does not hold yet is
    # issued with a warning (the operator provisions on the server, often before that data)
    from typer.testing import CliRunner

    from api.cli import app as cli_app
    from core.settings import reset_settings

    runner = CliRunner()
    env = {"OVERBLIK_DATABASE_URL": db_url, "OVERBLIK_PSEUDONYM_KEY": "k" * 32}
    reset_settings()  # the command line reads its settings from this environment
    try:
        for args in (["--role", "worker"], ["--role", "team_lead"],
                     ["--role", "worker", "--worker-id", "w1", "--team-id", "t2"],
                     ["--role", "team_lead", "--team-id", "t1", "--worker-id", "w1"],
                     ["--role", "manager", "--team-id", "t1"]):
            bad = runner.invoke(cli_app, ["token", "create", *args], env=env)
            assert bad.exit_code == 2 and "ovb_" not in bad.output, args
        later = runner.invoke(cli_app, ["token", "create", "--role", "worker", "--worker-id", "ghost"], env=env)
        assert later.exit_code == 0 and "warning" in later.output and "no worker" in later.output
        later = runner.invoke(cli_app, ["token", "create", "--role", "team_lead", "--team-id", "ghost"], env=env)
        assert later.exit_code == 0 and "warning" in later.output and "no team" in later.output
        good = runner.invoke(cli_app, ["token", "create", "--role", "team_lead", "--team-id", "t1"], env=env)
        assert good.exit_code == 0 and "warning" not in good.output, good.output
        bad_user = runner.invoke(cli_app, ["user", "create", "mixed", "--role", "worker", "--worker-id", "w1",
                                           "--team-id", "t2", "--password-stdin"], input="a-long-password-4711\n",
                                 env=env)
        assert bad_user.exit_code == 2
        lead = runner.invoke(cli_app, ["user", "create", "lead2", "--role", "team_lead", "--team-id", "ghost",
                                       "--password-stdin"], input="a-long-password-4711\n", env=env)
        assert lead.exit_code == 0 and "warning" in lead.output
    finally:
        reset_settings()
    from core.accounts import list_users
    names = {u.username for u in list_users(services.engine)}
    assert "mixed" not in names and "lead2" in names


@pytest.mark.slow
def test_the_admin_views_token_and_user_forms_refuse_unknown_bindings(app, client, services, jobcentre):
    from core import messages
    from core.accounts import list_users
    from core.tokens import list_tokens
    from dashboard import ids
    from tests.dashboard.test_accounts import callback_body

    client.post("/sign-in", data={"username": "admin", "password": jobcentre.users["admin"]})
    state = {ids.ADMIN_TOKEN_NAME: "x", ids.ADMIN_TOKEN_ROLE: "worker", ids.ADMIN_TOKEN_WORKER: "ghost",
             ids.ADMIN_TOKEN_TEAM: None, ids.ADMIN_TOKEN_DAYS: 30}
    for role, worker, team, word in (("worker", "ghost", None, "There is no such worker"),
                                     ("team_lead", None, "ghost", "There is no such team")):
        state.update({ids.ADMIN_TOKEN_ROLE: role, ids.ADMIN_TOKEN_WORKER: worker, ids.ADMIN_TOKEN_TEAM: team})
        body = callback_body(app, ids.ADMIN_TOKEN_MESSAGE,
                             inputs=[{"id": ids.ADMIN_TOKEN_CREATE, "property": "n_clicks", "value": 1}, []],
                             state=[{"id": k, "property": "value", "value": v} for k, v in state.items()])
        body["changedPropIds"] = [f"{ids.ADMIN_TOKEN_CREATE}.n_clicks"]
        answer = client.post("/_dash-update-component", json=body, headers={"Accept-Language": "en"})
        assert answer.status_code == 200 and (word in answer.text or "findes ikke" in answer.text), answer.text[:300]
    assert list_tokens(services.engine) == []
    body = callback_body(app, ids.USER_MESSAGE,
                         inputs=[{"id": ids.USER_CREATE, "property": "n_clicks", "value": 1}, []],
                         state=[{"id": ids.USER_NAME, "property": "value", "value": "ghostly"},
                                {"id": ids.USER_PASSWORD, "property": "value", "value": "a-long-password-4711"},
                                {"id": ids.USER_ROLE, "property": "value", "value": "worker"},
                                {"id": ids.USER_WORKER, "property": "value", "value": "ghost"},
                                {"id": ids.USER_TEAM, "property": "value", "value": None}])
    body["changedPropIds"] = [f"{ids.USER_CREATE}.n_clicks"]
    answer = client.post("/_dash-update-component", json=body)  # no language asked for: Danish
    assert answer.status_code == 200 and messages.text("error_binding_no_worker", "da") in answer.text
    assert "ghostly" not in {u.username for u in list_users(services.engine)}


# -- mapping paths confined to OVERBLIK_MAPPINGS_DIR ------------------------------------------

SECRET_LINE = "root:x:0:0:SECRET-LINE-4711:/root:/bin/bash"


@pytest.fixture
def mapping_folders(tmp_path, monkeypatch):
    """A mappings folder with one good mapping, a file outside it, and links out of it."""
    from core.settings import reset_settings
    from tests.ingest.test_mapping import CASES

    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "good.yaml").write_text(CASES.read_text(encoding="utf-8"), encoding="utf-8")
    outside = tmp_path / "secret.yaml"
    outside.write_text(f"{SECRET_LINE}\npassword: SECRET-VALUE-4711\n", encoding="utf-8")
    (folder / "link.yaml").symlink_to(outside)
    (folder / "dirlink").symlink_to(tmp_path)
    (folder / "leaky.yaml").write_text("password: SECRET-VALUE-4711\n'a key: with SECRET-KEY-4711': 1\n",
                                       encoding="utf-8")
    (folder / "broken.yaml").write_text("name: 'SECRET-QUOTED-4711\n  : [\n", encoding="utf-8")
    monkeypatch.setenv("OVERBLIK_MAPPINGS_DIR", str(folder))
    reset_settings()
    yield folder, outside
    monkeypatch.delenv("OVERBLIK_MAPPINGS_DIR", raising=False)
    reset_settings()


ESCAPES = ["../secret", "../secret.yaml", "../../etc/passwd", "/etc/passwd", "/etc/shadow", "link", "link.yaml",
           "dirlink/secret.yaml", "dirlink/mappings/good.yaml/../../secret.yaml", "./../secret.yaml",
           "good/../../secret.yaml", "..", "/", "", " ", "\x00", "nope"]


def test_a_sources_mapping_must_be_a_file_in_the_mappings_folder(client, admin_token, mapping_folders, tmp_path):
    folder, outside = mapping_folders
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    h = bearer(admin_token)
    for tried, value in enumerate([*ESCAPES, str(outside), str(folder / ".." / "secret.yaml"),
                                   str(folder / "link.yaml")]):
        answer = client.post("/api/v1/sources", headers=h, json={
            "name": f"drop{tried}", "kind": "drop_folder", "config": {"path": str(inbox), "mapping": value}})
        assert answer.status_code == 422, (value, answer.text)
        assert "SECRET" not in answer.text and "root:x" not in answer.text, (value, answer.text)
    for name in ("leaky", "broken"):  # inside, but not a mapping: the reason quotes nothing of it
        answer = client.post("/api/v1/sources", headers=h, json={
            "name": f"drop-{name}", "kind": "drop_folder", "config": {"path": str(inbox), "mapping": name}})
        assert answer.status_code == 422 and "line" in answer.text, answer.text
        assert "SECRET" not in answer.text, answer.text
    assert client.get("/api/v1/sources", headers=h).json() == []
    for value in ("good", "good.yaml", str(folder / "good.yaml")):
        answer = client.post("/api/v1/sources", headers=h, json={
            "name": f"ok{len(value)}", "kind": "drop_folder", "config": {"path": str(inbox), "mapping": value}})
        assert answer.status_code == 201, answer.text


def test_a_stored_mapping_outside_the_folder_is_refused_at_the_run(store, mapping_folders, tmp_path):
    from ingest.dropfolder import DropFolderConfig, collect_folder

    folder, outside = mapping_folders
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = DropFolderConfig.model_construct(path=str(inbox), mapping=str(outside), settle_seconds=0,
                                              processed_dir=None, failed_dir=None, event_source=None)
    outcome = collect_folder(store, "old", config)
    assert outcome.error and "OVERBLIK_MAPPINGS_DIR" in outcome.error and "SECRET" not in outcome.error


def test_an_imports_mapping_name_cannot_leave_the_folder(settings, services, mapping_folders):
    from api.app import create_app

    folder, _ = mapping_folders
    token = create_token(services.engine, "ingest")
    app = create_app(settings.model_copy(update={"mappings_dir": folder}), run_scheduler=False)
    with TestClient(app) as client:
        for value in [*ESCAPES, "..%2Fsecret", "link", "leaky", "broken"]:
            answer = client.post("/api/v1/imports", params={"mapping": value}, headers=bearer(token),
                                 files={"file": ("x.csv", b"Sagsnr\n1\n", "text/csv")})
            assert answer.status_code in (400, 404, 422), (value, answer.status_code)
            assert "SECRET" not in answer.text and "root:x" not in answer.text, (value, answer.text)


# -- HTTP feeds refuse internal addresses, before any connection ------------------------------


@pytest.fixture
def listener():
    """A loopback socket that counts who connects to it: a refused feed never does."""
    import socket

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)

    def connections() -> int:
        count = 0
        while True:
            try:
                conn, _ = server.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    yield server.getsockname()[1], connections
    server.close()


def internal_urls(port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}/feed", f"http://localhost:{port}/feed", f"http://[::1]:{port}/feed",
            f"http://0.0.0.0:{port}/feed", f"http://[::ffff:127.0.0.1]:{port}/feed", f"http://2130706433:{port}/feed",
            f"http://0177.0.0.1:{port}/feed", f"http://0x7f.1:{port}/feed", f"http://127.1:{port}/feed",
            f"https://127.0.0.1:{port}/feed", f"http://user:pw@127.0.0.1:{port}/feed",
            "http://10.0.0.1/feed", "http://10.255.255.254:8080/", "http://172.16.0.1/", "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[fc00::1]/",
            "http://[fd12:3456::1]/", "http://100.64.0.1/", "http://224.0.0.1/", "http://[ff02::1]/",
            "http://240.0.0.1/", "http://255.255.255.255/", "http://[::]/", "http://0/"]


def test_feeds_to_internal_addresses_are_refused_when_added(services, client, admin_token, listener):
    from ingest.sources import SourceError, add_source

    port, connections = listener
    urls = internal_urls(port)
    for url in urls:
        with pytest.raises(SourceError, match="public addresses only"):
            add_source(services.engine, "feed", "http_feed", {"url": url})
        answer = client.post("/api/v1/sources", headers=bearer(admin_token),
                             json={"name": "feed", "kind": "http_feed", "config": {"url": url}})
        assert answer.status_code == 422 and "public addresses only" in answer.text, (url, answer.text)
    assert connections() == 0
    assert client.get("/api/v1/sources", headers=bearer(admin_token)).json() == []
    print(f"\nSSRF refusals at add: {len(urls)} addresses x 2 entry points")


def _feed_server(host: str, handler_body):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            handler_body(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.slow
def test_feeds_are_checked_again_at_every_connection(store, listener, monkeypatch):
    """A name that resolved to a public address when added and resolves to loopback at the
    fetch (DNS rebinding), and a redirect to loopback: refused before connecting."""
    import socket

    from core.settings import reset_settings
    from ingest import netguard
    from ingest.feed import FeedConfig, collect_feed

    port, connections = listener
    real = socket.getaddrinfo
    answers = {"feed.rebind.test": ["93.184.216.34", "127.0.0.1"]}  # public once, then loopback

    def fake(host, *args, **kwargs):
        if host in answers:
            address = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, args[0] if args else 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(netguard.socket, "getaddrinfo", fake)
    config = FeedConfig(url=f"http://feed.rebind.test:{port}/feed", max_attempts=1)  # vetted: public
    outcome = collect_feed(store, "rebind", config, None)
    assert outcome.error and "refused before connecting" in outcome.error and "loopback" in outcome.error
    assert connections() == 0

    # a feed allowed on 127.0.0.2 that redirects to 127.0.0.1, which is not allowed
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", f"http://127.0.0.1:{port}/feed")
        handler.end_headers()

    server = _feed_server("127.0.0.2", redirect)
    monkeypatch.setenv("OVERBLIK_FEED_ALLOWED_NETWORKS", "127.0.0.2/32")
    reset_settings()
    try:
        config = FeedConfig(url=f"http://127.0.0.2:{server.server_port}/feed", max_attempts=1)
        outcome = collect_feed(store, "redirect", config, None)
        assert outcome.error and "refused before connecting" in outcome.error, outcome.error
        assert connections() == 0
        # the same feed, its redirect allowed by the setting: it reaches the listener
        monkeypatch.setenv("OVERBLIK_FEEDS_ALLOW_PRIVATE", "true")
        reset_settings()
        outcome = collect_feed(store, "redirect", config.model_copy(update={"timeout_seconds": 0.5}), None)
        assert connections() == 1
    finally:
        server.shutdown()
        monkeypatch.delenv("OVERBLIK_FEED_ALLOWED_NETWORKS", raising=False)
        monkeypatch.delenv("OVERBLIK_FEEDS_ALLOW_PRIVATE", raising=False)
        reset_settings()


def test_a_stored_feed_to_an_internal_address_is_refused_at_the_run(store, listener, monkeypatch):
    from core.settings import reset_settings
    from ingest.sources import add_source, run_source

    port, connections = listener
    monkeypatch.setenv("OVERBLIK_FEEDS_ALLOW_PRIVATE", "true")
    reset_settings()
    add_source(store.engine, "local", "http_feed", {"url": f"http://127.0.0.1:{port}/feed", "max_attempts": 1})
    monkeypatch.delenv("OVERBLIK_FEEDS_ALLOW_PRIVATE")
    reset_settings()  # the installation no longer allows it: the stored source is refused
    result = run_source(store, "local")
    assert result.status == "failed" and "public addresses only" in (result.error or "")
    assert connections() == 0


@pytest.mark.slow
def test_a_stored_bad_month_does_not_break_the_meeting_pack(client, services, jobcentre):
    """An action stored with month 2000-13 before months were checked: left out, the pack is made."""
    from core.database import session_scope, utcnow
    from core.models import AgreedAction
    from dashboard.agreements import add_agreement, agreements_of

    assert add_agreement(services.engine, team_id=jobcentre.team, worker_id=None, month="2000-13", kind="action",
                         text="x", created_by="leder") is None  # not any more
    now = utcnow()
    with session_scope(services.engine) as session:
        for month in ("2000-13", "0000-00", "../"):
            session.add(AgreedAction(team_id=jobcentre.team, worker_id=None, month=month, kind="action",
                                     text="stored before", status="open", created_by="leder", created_at=now,
                                     updated_at=now))
    assert agreements_of(services.engine, team_id=jobcentre.team, worker_id=None) == []
    client.post("/sign-in", data={"username": "leder", "password": jobcentre.users["leder"]})
    pack = client.get("/meeting-pack.pdf", params={"team": jobcentre.team})
    assert pack.status_code == 200 and pack.content.startswith(b"%PDF")
    for month in ("2000-13", "0000-00", "../../etc/passwd", "9999-99"):
        assert client.get("/meeting-pack.pdf", params={"team": jobcentre.team, "month": month}).status_code == 404
