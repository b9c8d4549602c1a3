"""Editing in the administration view, through its Dash callbacks over real HTTP, on SQLite and
PostgreSQL: each change reaches the same services as the API, lands in the audit log, answers
in the user's language, and is refused to anyone but an admin and to other sites."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime

import orjson
import pytest

from core.audit import entries
from core.programmes import load_models, save_model
from core.tokens import authenticate, list_tokens
from dashboard import ids
from ingest.organisation import list_teams, list_workers
from ingest.quarantine import list_quarantine
from ingest.sources import list_sources
from metrics.service import MetricsService
from tests.conftest import CITIZENS
from tests.dashboard.conftest import fill_jobcentre
from tests.dashboard.test_accounts import callback_body, sign_in

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=8, months=1)


def _pid(component) -> str:
    return json.dumps(component, sort_keys=True, separators=(",", ":")) if isinstance(component, dict) else component


def post(app, client, output_id: str, *, click=None, inputs=(), state=(), headers=None):
    """A callback request as the browser sends it when `click` (an id) was clicked."""
    inputs = list(inputs)
    if isinstance(click, str) and not any(isinstance(i, dict) and i.get("id") == click for i in inputs):
        inputs.insert(0, {"id": click, "property": "n_clicks", "value": 1})
    body = callback_body(app, output_id, inputs=inputs,
                         state=[{"id": k, "property": p, "value": v} for k, p, v in state])
    body["changedPropIds"] = [f"{_pid(click)}.n_clicks"] if click is not None else []
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def actions(engine, action: str) -> list[dict]:
    return [e for e in entries(engine) if e["action"] == action]


def team_form(team_id, name, unit=None):
    return [(ids.ADMIN_TEAM_ID, "value", team_id), (ids.ADMIN_TEAM_NAME, "value", name),
            (ids.ADMIN_TEAM_UNIT, "value", unit)]


def test_teams_and_workers_are_created_renamed_and_audited(app, client, services, jobcentre):
    sign_in(client, "admin", jobcentre.users["admin"])
    answer = post(app, client, ids.ADMIN_TEAMS, click=ids.ADMIN_TEAM_SAVE, state=team_form("syd", "Team Syd", "Vest"))
    assert answer.status_code == 200 and "Gemt: Team Syd (syd)" in answer.text
    assert {"label": "Team Syd (syd)", "value": "syd"} in answer.json()["response"][ids.ADMIN_WORKER_TEAM]["options"]
    answer = post(app, client, ids.ADMIN_TEAMS, click=ids.ADMIN_TEAM_SAVE, state=team_form("syd", "Team Sydhavn"))
    assert "Team Sydhavn" in answer.text
    assert next(t for t in list_teams(services.engine) if t.team_id == "syd").name == "Team Sydhavn"
    assert [e["team_id"] for e in actions(services.engine, "create_team")] == ["syd"]
    renamed = actions(services.engine, "rename_team")
    assert renamed[0]["actor"] == "user:admin" and renamed[0]["channel"] == "dashboard"
    assert "Sydhavn" not in str(entries(services.engine))  # ids only, no names

    edit = post(app, client, ids.ADMIN_TEAM_ID, click={"type": ids.ADMIN_TEAM_EDIT, "id": "syd"},
                inputs=[[{"id": {"type": ids.ADMIN_TEAM_EDIT, "id": "syd"}, "property": "n_clicks", "value": 1}]])
    filled = edit.json()["response"]
    assert filled[ids.ADMIN_TEAM_NAME]["value"] == "Team Sydhavn" and filled[ids.ADMIN_TEAM_ID]["value"] == "syd"

    worker = [(ids.ADMIN_WORKER_ID, "value", "w-new"), (ids.ADMIN_WORKER_NAME, "value", "Ny Medarbejder"),
              (ids.ADMIN_WORKER_TEAM, "value", "syd"), (ids.ADMIN_WORKER_ROLES, "value", ["caseworker", "mentor"])]
    answer = post(app, client, ids.ADMIN_WORKERS, click=ids.ADMIN_WORKER_SAVE, state=worker)
    assert "Gemt: Ny Medarbejder (w-new)" in answer.text
    saved = next(w for w in list_workers(services.engine) if w.worker_id == "w-new")
    assert (saved.team_id, saved.roles) == ("syd", ["caseworker", "mentor"])
    made = actions(services.engine, "create_worker")[0]
    assert (made["worker_id"], made["team_id"]) == ("w-new", "syd") and "Ny Medarbejder" not in str(made)
    worker[2] = (ids.ADMIN_WORKER_TEAM, "value", jobcentre.team)
    post(app, client, ids.ADMIN_WORKERS, click=ids.ADMIN_WORKER_SAVE, state=worker)
    assert next(w for w in list_workers(services.engine) if w.worker_id == "w-new").team_id == jobcentre.team
    assert len(actions(services.engine, "change_worker")) == 1


def test_a_form_that_cannot_be_saved_says_why_in_the_users_language(app, client, services, jobcentre):
    sign_in(client, "admin", jobcentre.users["admin"])
    before = list_teams(services.engine)
    answer = post(app, client, ids.ADMIN_TEAMS, click=ids.ADMIN_TEAM_SAVE, state=team_form("syd", "  "))
    assert answer.status_code == 200 and "Ikke gemt: Navn skal udfyldes." in answer.text
    assert "Traceback" not in answer.text and list_teams(services.engine) == before
    client.cookies.set("overblik_lang", "de")
    answer = post(app, client, ids.ADMIN_TEAMS, click=ids.ADMIN_TEAM_SAVE, state=team_form("", "Team X"))
    assert "Nicht gespeichert: Team-ID muss ausgefüllt werden." in answer.text
    client.cookies.set("overblik_lang", "en")
    worker = [(ids.ADMIN_WORKER_ID, "value", "w9"), (ids.ADMIN_WORKER_NAME, "value", "N"),
              (ids.ADMIN_WORKER_TEAM, "value", "no-such-team"), (ids.ADMIN_WORKER_ROLES, "value", [])]
    assert "There is no such team." in post(app, client, ids.ADMIN_WORKERS, click=ids.ADMIN_WORKER_SAVE,
                                             state=worker).text
    target = [(ids.ADMIN_TARGET_TEAM, "value", jobcentre.team), (ids.ADMIN_TARGET_METRIC, "value", "placement_starts"),
              (ids.ADMIN_TARGET_MONTH, "value", "2026-12"), (ids.ADMIN_TARGET_VALUE, "value", "many")]
    assert "Not saved: Value: “many” is not a number." in post(app, client, ids.ADMIN_TARGETS,
                                                                click=ids.ADMIN_TARGET_SAVE, state=target).text
    assert entries(services.engine) == []  # nothing saved, nothing recorded


def test_targets_and_goals_are_set_and_the_goals_milestones_shown(app, client, services, jobcentre):
    metrics = MetricsService(services.engine, services.settings.zone)
    sign_in(client, "admin", jobcentre.users["admin"])
    month = datetime.now(UTC).strftime("%Y-%m")
    target = [(ids.ADMIN_TARGET_TEAM, "value", jobcentre.team), (ids.ADMIN_TARGET_METRIC, "value", "placement_starts"),
              (ids.ADMIN_TARGET_MONTH, "value", month), (ids.ADMIN_TARGET_VALUE, "value", "12")]
    answer = post(app, client, ids.ADMIN_TARGETS, click=ids.ADMIN_TARGET_SAVE, state=target)
    assert answer.status_code == 200 and "Gemt" in answer.text
    assert {"team_id": jobcentre.team, "metric": "placement_starts", "month": month, "value": 12.0} in \
        metrics.get_targets()
    target[1] = (ids.ADMIN_TARGET_METRIC, "value", "cv_share")
    target[3] = (ids.ADMIN_TARGET_VALUE, "value", "37,5")  # per cent, with a Danish decimal comma
    assert "37,5\xa0%" in post(app, client, ids.ADMIN_TARGETS, click=ids.ADMIN_TARGET_SAVE, state=target).text
    assert any(t["metric"] == "cv_share" and t["value"] == pytest.approx(0.375) for t in metrics.get_targets())
    target[3] = (ids.ADMIN_TARGET_VALUE, "value", "120")
    assert "En andel er mellem 0 og 100 %." in post(app, client, ids.ADMIN_TARGETS, click=ids.ADMIN_TARGET_SAVE,
                                                     state=target).text
    target[1] = (ids.ADMIN_TARGET_METRIC, "value", "placement_starts")
    target[3] = (ids.ADMIN_TARGET_VALUE, "value", "")  # empty: removed
    answer = post(app, client, ids.ADMIN_TARGETS, click=ids.ADMIN_TARGET_SAVE, state=target)
    assert "Fjernet" in answer.text
    assert not any(t["metric"] == "placement_starts" for t in metrics.get_targets())
    assert [e["action"] for e in entries(services.engine)] == ["set_targets", "set_targets", "set_targets"]

    by = f"{datetime.now(UTC).year + 1}-{datetime.now(UTC).month:02d}"
    goal = [(ids.ADMIN_GOAL_TEAM, "value", jobcentre.team), (ids.ADMIN_GOAL_METRIC, "value", "placement_starts"),
            (ids.ADMIN_GOAL_MONTH, "value", by), (ids.ADMIN_GOAL_VALUE, "value", "26")]
    answer = post(app, client, ids.ADMIN_GOALS, click=ids.ADMIN_GOAL_SAVE, state=goal)
    assert answer.status_code == 200 and "Milepæle" in answer.text
    stored = next(g for g in metrics.get_goals() if g["team_id"] == jobcentre.team)
    assert stored["by"] == by and stored["value"] == 26 and len(stored["milestones"]) == 13
    assert stored["milestones"][-1]["value"] == pytest.approx(26)
    message = answer.json()["response"][ids.ADMIN_GOAL_MESSAGE]["children"]
    assert "26" in json.dumps(message)
    entry = actions(services.engine, "set_goals")[0]
    assert entry["team_id"] == jobcentre.team and by in entry["detail"]
    # a form with a field left empty names the first one and stores nothing
    from dashboard.i18n import t

    def refusal(output_id, click, form, message_id) -> str:
        answer = post(app, client, output_id, click=click, state=form)
        return json.dumps(answer.json()["response"][message_id]["children"], ensure_ascii=False)

    no_team = [(ids.ADMIN_TARGET_TEAM, "value", None), *target[1:]]
    assert t("err_required", "da").format(field=t("team", "da")) in refusal(
        ids.ADMIN_TARGETS, ids.ADMIN_TARGET_SAVE, no_team, ids.ADMIN_TARGET_MESSAGE)
    no_month = [*target[:2], (ids.ADMIN_TARGET_MONTH, "value", None), target[3]]
    assert t("err_required", "da").format(field=t("month", "da")) in refusal(
        ids.ADMIN_TARGETS, ids.ADMIN_TARGET_SAVE, no_month, ids.ADMIN_TARGET_MESSAGE)
    no_by = [*goal[:2], (ids.ADMIN_GOAL_MONTH, "value", None), goal[3]]
    assert t("err_required", "da").format(field=t("to_month", "da")) in refusal(
        ids.ADMIN_GOALS, ids.ADMIN_GOAL_SAVE, no_by, ids.ADMIN_GOAL_MESSAGE)
    assert len(actions(services.engine, "set_goals")) == 1


def test_norms_are_edited(app, client, services, jobcentre):
    metrics = MetricsService(services.engine, services.settings.zone)
    sign_in(client, "admin", jobcentre.users["admin"])
    roles = [n["role"] for n in metrics.get_norms()]
    lows = [{"id": {"type": ids.ADMIN_NORM_LOW, "role": r}, "property": "value",
             "value": "30" if r == "caseworker" else ""} for r in roles]
    highs = [{"id": {"type": ids.ADMIN_NORM_HIGH, "role": r}, "property": "value",
              "value": "45" if r == "caseworker" else ""} for r in roles]

    def save(low_list, high_list):
        body = callback_body(app, ids.ADMIN_NORM_MESSAGE,
                             inputs=[{"id": ids.ADMIN_NORM_SAVE, "property": "n_clicks", "value": 1}],
                             state=[low_list, high_list])
        body["changedPropIds"] = [f"{ids.ADMIN_NORM_SAVE}.n_clicks"]
        return client.post("/_dash-update-component", json=body)

    answer = save(lows, highs)
    assert answer.status_code == 200 and "Gemt" in answer.text
    bands = {n["role"]: (n["low"], n["high"]) for n in metrics.get_norms()}
    assert bands["caseworker"] == (30, 45) and bands["mentor"] == (None, None)
    assert "caseworker 30-45" in actions(services.engine, "set_norms")[0]["detail"]
    lows[roles.index("caseworker")]["value"] = "50"
    answer = save(lows, highs)
    assert "»fra« må ikke være over »til«" in answer.text
    assert {n["role"]: (n["low"], n["high"]) for n in metrics.get_norms()}["caseworker"] == (30, 45)


def test_a_drop_folder_source_is_added_run_and_removed(app, client, services, jobcentre, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    now = datetime.now(UTC).isoformat()
    lines = [{"event_id": f"drop-{i}", "source": "drop-test", "type": "case_opened", "case_id": f"drop-case-{i}",
              "occurred_at": now, "team_id": jobcentre.team, "citizen": CITIZENS[i]} for i in range(3)]
    delivered = folder / "events.ndjson"
    delivered.write_bytes(b"\n".join(orjson.dumps(x) for x in lines))
    os.utime(delivered, (time.time() - 60, time.time() - 60))  # settled
    sign_in(client, "admin", jobcentre.users["admin"])
    form = [(ids.ADMIN_SOURCE_NAME, "value", "drop-test"), (ids.ADMIN_SOURCE_KIND, "value", "drop_folder"),
            (ids.ADMIN_SOURCE_LOCATION, "value", str(folder)), (ids.ADMIN_SOURCE_TOKEN, "value", None),
            (ids.ADMIN_SOURCE_INTERVAL, "value", "300")]
    no_runs = [[], []]

    def add(state):
        inputs = [{"id": ids.ADMIN_SOURCE_ADD, "property": "n_clicks", "value": 1}, *no_runs]
        return post(app, client, ids.ADMIN_SOURCES, click=ids.ADMIN_SOURCE_ADD, inputs=inputs, state=state)

    answer = add(form)
    assert answer.status_code == 200 and "Gemt: drop-test" in answer.text
    source = next(s for s in list_sources(services.engine) if s.name == "drop-test")
    assert (source.kind, source.interval_seconds, source.config["path"]) == ("drop_folder", 300, str(folder))
    assert "Der findes allerede en kilde med det navn." in add(form).text
    bad = list(form)
    bad[0] = (ids.ADMIN_SOURCE_NAME, "value", "no spaces allowed")
    assert "Navn: bogstaver, tal" in add(bad).text
    feed = [(ids.ADMIN_SOURCE_NAME, "value", "feed"), (ids.ADMIN_SOURCE_KIND, "value", "http_feed"),
            (ids.ADMIN_SOURCE_LOCATION, "value", "ftp://example.org"), (ids.ADMIN_SOURCE_TOKEN, "value", "s3cret"),
            (ids.ADMIN_SOURCE_INTERVAL, "value", "60")]
    assert "Adressen skal begynde med http:" in add(feed).text  # (Dash writes / as \\u002f)
    assert "feed" not in [x.name for x in list_sources(services.engine)]

    run = {"type": ids.ADMIN_SOURCE_RUN, "name": "drop-test"}
    remove = {"type": ids.ADMIN_SOURCE_REMOVE, "name": "drop-test"}
    inputs = [{"id": ids.ADMIN_SOURCE_ADD, "property": "n_clicks", "value": 0},
              [{"id": run, "property": "n_clicks", "value": 1}], [{"id": remove, "property": "n_clicks", "value": 0}]]
    answer = post(app, client, ids.ADMIN_SOURCES, click=run, inputs=inputs, state=form)
    assert "Kørt: drop-test – 3 nye, 0 dubletter, 0 afvist" in answer.text
    assert not (folder / "events.ndjson").exists()  # imported, then deleted
    assert all(c not in answer.text for c in CITIZENS[:3])
    assert "drop-test: ok" in actions(services.engine, "run_source")[0]["detail"]

    inputs[1][0]["value"], inputs[2][0]["value"] = 1, 1
    answer = post(app, client, ids.ADMIN_SOURCES, click=remove, inputs=inputs, state=form)
    assert "Fjernet: drop-test" in answer.text
    assert [s.name for s in list_sources(services.engine)] == []
    assert actions(services.engine, "remove_source")[0]["detail"] == "source drop-test"
    assert str(folder) not in str(entries(services.engine))


def test_a_quarantined_event_is_resubmitted_as_is_and_the_outcome_shown(app, client, services, jobcentre):
    store = services.store
    opened = {"event_id": "q-open", "source": "qtest", "type": "case_opened", "case_id": "q-case",
              "occurred_at": datetime.now(UTC).isoformat(), "team_id": jobcentre.team, "citizen": CITIZENS[2],
              "programme": "mestring"}
    phase = {"event_id": "q-phase", "source": "qtest", "type": "phase_changed", "case_id": "q-case",
             "occurred_at": datetime.now(UTC).isoformat(), "phase": "aftercare"}
    assert store.append([opened], origin="test").accepted == 1
    assert store.append([phase], origin="test").rejected == 1  # not a phase of mestring (yet)
    entry = list_quarantine(store)[0]
    sign_in(client, "admin", jobcentre.users["admin"])
    button = {"type": ids.ADMIN_RESUBMIT, "id": entry["id"]}

    def resubmit():
        return post(app, client, ids.ADMIN_QUARANTINE, click=button,
                    inputs=[[{"id": button, "property": "n_clicks", "value": 1}], []],
                    state=[(ids.ADMIN_QUARANTINE_REASON, "value", None)])

    again = resubmit()
    assert again.status_code == 200 and "Afvist igen" in again.text and "mestring" in again.text
    assert list_quarantine(store)[0]["attempts"] == 2
    assert CITIZENS[2] not in again.text and "citizen_pseudonym" not in again.text
    # the admin adds the phase to the programme's model: the event, as it was sent, now fits
    model = load_models(services.engine)["mestring"].as_dict()
    model["phases"].append({"id": "aftercare", "names": {"da": "Efterværn", "en": "Aftercare", "de": "Nachsorge"},
                            "planned_days": 30, "stage": "securing"})
    save_model(services.engine, "mestring", {k: v for k, v in model.items() if k not in ("programme", "preset")})
    accepted = resubmit()
    assert "Modtaget – posten er løst." in accepted.text
    assert list_quarantine(store) == []
    assert "✓" in accepted.text and "quarantine_empty" not in accepted.text
    outcomes = [e["detail"] for e in actions(services.engine, "resubmit_quarantine")]
    assert outcomes == [f"entry {entry['id']}: accepted", f"entry {entry['id']}: refused"]
    assert "Posten er ikke længere åben." in resubmit().text


def test_tokens_are_created_shown_once_listed_and_revoked(app, client, services, jobcentre):
    sign_in(client, "admin", jobcentre.users["admin"])
    form = [(ids.ADMIN_TOKEN_NAME, "value", "Fagsystem"), (ids.ADMIN_TOKEN_ROLE, "value", "worker"),
            (ids.ADMIN_TOKEN_WORKER, "value", None), (ids.ADMIN_TOKEN_TEAM, "value", None),
            (ids.ADMIN_TOKEN_DAYS, "value", "30")]

    def create(state):
        inputs = [{"id": ids.ADMIN_TOKEN_CREATE, "property": "n_clicks", "value": 1}, []]
        return post(app, client, ids.ADMIN_TOKENS, click=ids.ADMIN_TOKEN_CREATE, inputs=inputs, state=state)

    assert "En medarbejdernøgle skal knyttes til en medarbejder." in create(form).text
    assert list_tokens(services.engine) == []
    form[2] = (ids.ADMIN_TOKEN_WORKER, "value", jobcentre.worker)
    form[4] = (ids.ADMIN_TOKEN_DAYS, "value", "0")
    assert "Udløb: mellem 1 og 3650 dage." in create(form).text
    form[4] = (ids.ADMIN_TOKEN_DAYS, "value", "30")
    answer = create(form)
    secret_box = answer.json()["response"][ids.ADMIN_TOKEN_SECRET]["children"]
    secret = next(v for v in _strings(secret_box) if v.startswith("ovb_"))
    caller = authenticate(services.engine, secret)
    assert caller is not None and (caller.role.value, caller.worker_id) == ("worker", jobcentre.worker)
    token = list_tokens(services.engine)[0]
    expires = token.expires_at.replace(tzinfo=UTC) if token.expires_at.tzinfo is None else token.expires_at
    assert 29.9 < (expires - datetime.now(UTC)).total_seconds() / 86400 <= 30
    made = actions(services.engine, "create_token")[0]
    assert made["detail"] == f"token {token.id}, role worker, 30 days" and secret not in str(entries(services.engine))

    revoke = {"type": ids.ADMIN_TOKEN_REVOKE, "id": token.id}
    inputs = [{"id": ids.ADMIN_TOKEN_CREATE, "property": "n_clicks", "value": 1},
              [{"id": revoke, "property": "n_clicks", "value": 1}]]
    answer = post(app, client, ids.ADMIN_TOKENS, click=revoke, inputs=inputs, state=form)
    assert "Tilbagekaldt: #" in answer.text
    assert secret not in answer.text and secret[:10] in answer.text  # listed by its prefix, never again in full
    assert answer.json()["response"][ids.ADMIN_TOKEN_SECRET]["children"] == ""
    assert authenticate(services.engine, secret) is None
    assert actions(services.engine, "revoke_token")[0]["detail"] == f"token {token.id}"


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    return []


def test_changes_are_refused_to_other_roles_and_other_sites(app, client, services, jobcentre):
    def attempts():
        yield ids.ADMIN_TEAMS, ids.ADMIN_TEAM_SAVE, [], team_form("evil", "Evil team")
        yield ids.ADMIN_TOKENS, ids.ADMIN_TOKEN_CREATE, [
            {"id": ids.ADMIN_TOKEN_CREATE, "property": "n_clicks", "value": 1}, []], [
            (ids.ADMIN_TOKEN_NAME, "value", "x"), (ids.ADMIN_TOKEN_ROLE, "value", "admin"),
            (ids.ADMIN_TOKEN_WORKER, "value", None), (ids.ADMIN_TOKEN_TEAM, "value", None),
            (ids.ADMIN_TOKEN_DAYS, "value", "30")]
        yield ids.ADMIN_TARGETS, ids.ADMIN_TARGET_SAVE, [], [
            (ids.ADMIN_TARGET_TEAM, "value", jobcentre.team), (ids.ADMIN_TARGET_METRIC, "value", "placement_starts"),
            (ids.ADMIN_TARGET_MONTH, "value", "2026-12"), (ids.ADMIN_TARGET_VALUE, "value", "1")]

    def nothing_changed():
        assert "evil" not in [t.team_id for t in list_teams(services.engine)]
        assert list_tokens(services.engine) == []
        assert MetricsService(services.engine, services.settings.zone).get_targets() == []

    for username in ("leder", "chef", "medarbejder"):
        client.cookies.clear()
        sign_in(client, username, jobcentre.users[username])
        for output, click, inputs, state in attempts():
            answer = post(app, client, output, click=click, inputs=inputs, state=state)
            assert answer.status_code == 403, (username, output)
        nothing_changed()
    client.cookies.clear()
    sign_in(client, "admin", jobcentre.users["admin"])
    for output, click, inputs, state in attempts():
        answer = post(app, client, output, click=click, inputs=inputs, state=state,
                      headers={"Origin": "https://evil.example"})
        assert answer.status_code == 403 and "cross-site" in answer.text
    nothing_changed()
    assert entries(services.engine) == []


def test_crafted_row_ids_are_answered_without_an_error(app, client, services, jobcentre):
    sign_in(client, "admin", jobcentre.users["admin"])
    for crafted in ("x", None, 2**40, -1):
        button = {"type": ids.ADMIN_RESUBMIT, "id": crafted}
        answer = post(app, client, ids.ADMIN_QUARANTINE, click=button,
                      inputs=[[{"id": button, "property": "n_clicks", "value": 1}], []],
                      state=[(ids.ADMIN_QUARANTINE_REASON, "value", None)])
        # an id no page sends (null, out of range) is refused before the callback (dashboard/inputs.py)
        assert answer.status_code == (400 if crafted in (None, 2**40) else 200), crafted
        revoke = {"type": ids.ADMIN_TOKEN_REVOKE, "id": crafted}
        answer = post(app, client, ids.ADMIN_TOKENS, click=revoke,
                      inputs=[{"id": ids.ADMIN_TOKEN_CREATE, "property": "n_clicks", "value": 0},
                              [{"id": revoke, "property": "n_clicks", "value": 1}]],
                      state=[(ids.ADMIN_TOKEN_NAME, "value", None), (ids.ADMIN_TOKEN_ROLE, "value", None),
                             (ids.ADMIN_TOKEN_WORKER, "value", None), (ids.ADMIN_TOKEN_TEAM, "value", None),
                             (ids.ADMIN_TOKEN_DAYS, "value", None)])
        assert answer.status_code == (400 if crafted in (None, 2**40) else 200), crafted
    answer = post(app, client, ids.ADMIN_TEAMS, click=ids.ADMIN_TEAM_SAVE, state=team_form("nul\x00id", "Nul\x00"))
    assert answer.status_code == 200 and "nulid" in [t.team_id for t in list_teams(services.engine)]
    assert entries(services.engine)[0]["action"] == "create_team"


def _turn(app, client, table: str, *, query: str = "", page: int | None = None):
    """The request of a list's search box (typed `query`) or of its page button to `page`."""
    search = {"id": ids.list_search(table), "property": "value", "value": query}
    if page is None:
        body = callback_body(app, ids.list_page(table), inputs=[search, []], state=[])
        body["changedPropIds"] = [f"{ids.list_search(table)}.value"]
    else:
        button = {"type": ids.LIST_PAGE, "list": table, "page": page}
        body = callback_body(app, ids.list_page(table),
                             inputs=[search, [{"id": button, "property": "n_clicks", "value": 1}]], state=[])
        body["changedPropIds"] = [f"{_pid(button)}.n_clicks"]
    return client.post("/_dash-update-component", json=body)


def test_the_lists_are_searched_and_paged_on_the_server(app, client, services, jobcentre):
    from ingest.organisation import WorkerIn, put_worker

    for number in range(45):
        put_worker(services.engine, f"w-extra-{number:02d}",
                   WorkerIn(name=f"Extra Person {number:02d}", team_id=jobcentre.team, roles=["caseworker"]))
    total = len(list_workers(services.engine))
    sign_in(client, "admin", jobcentre.users["admin"])
    page = callback_body(app, ids.PAGE, inputs=[{"id": ids.URL, "property": "pathname", "value": "/admin"},
                                                {"id": ids.URL, "property": "search", "value": ""}], state=[])
    shown = client.post("/_dash-update-component", json=page).text
    assert f"1–20 af {total}" in shown and shown.count(ids.ADMIN_WORKER_EDIT) == 20  # 20 rows a page
    assert ids.list_search(ids.ADMIN_WORKERS) in shown and ids.list_search(ids.USERS_TABLE) not in shown

    third = _turn(app, client, ids.ADMIN_WORKERS, page=3)
    assert third.status_code == 200 and f"41–{min(60, total)} af {total}" in third.text
    assert third.text.count(ids.ADMIN_WORKER_EDIT) == min(20, total - 40)
    beyond = _turn(app, client, ids.ADMIN_WORKERS, page=99)  # a page past the end shows the last
    assert f"af {total}" in beyond.text and "Traceback" not in beyond.text

    found = _turn(app, client, ids.ADMIN_WORKERS, query="person 1")  # any case; name, id, team or role
    assert "1–10 af 10" in found.text and "Extra Person 19" in found.text and "Extra Person 20" not in found.text
    assert "Intet passer til søgningen." in _turn(app, client, ids.ADMIN_WORKERS, query="zebra").text
    page_two = _turn(app, client, ids.ADMIN_WORKERS, query="extra", page=2)
    assert "21–40 af 45" in page_two.text and "Extra Person 20" in page_two.text

    teams = _turn(app, client, ids.ADMIN_TEAMS, query=jobcentre.team)
    assert teams.status_code == 200 and jobcentre.team in teams.text
    users = _turn(app, client, ids.USERS_TABLE, query="leder")
    assert "leder" in users.text and "medarbejder" not in users.text
    for table in ids.ADMIN_LISTS:  # every list answers its search
        assert _turn(app, client, table, query="x").status_code == 200, table

    client.cookies.clear()
    sign_in(client, "chef", jobcentre.users["chef"])
    for table in ids.ADMIN_LISTS:
        assert _turn(app, client, table, query="Extra").status_code == 403, table


def test_a_quarantined_event_is_dismissed_with_a_reason_and_kept(app, client, services, jobcentre):
    store = services.store
    bad = {"event_id": "q-bad", "source": "qtest", "type": "readiness_assessed", "case_id": "q-case",
           "occurred_at": datetime.now(UTC).isoformat(), "level": "soonish"}
    assert store.append([bad], origin="test").rejected == 1
    entry = list_quarantine(store)[0]
    sign_in(client, "admin", jobcentre.users["admin"])
    button = {"type": ids.ADMIN_DISMISS, "id": entry["id"]}

    def dismiss(reason):
        return post(app, client, ids.ADMIN_QUARANTINE, click=button,
                    inputs=[[], [{"id": button, "property": "n_clicks", "value": 1}]],
                    state=[(ids.ADMIN_QUARANTINE_REASON, "value", reason)])

    assert "Skriv eller vælg en begrundelse" in dismiss("  ").text
    refused = dismiss(f"borger {CITIZENS[1]}")
    assert "cpr- eller identitetsnummer" in refused.text and CITIZENS[1] not in refused.text
    assert list_quarantine(store)[0]["id"] == entry["id"]  # still open
    done = dismiss("Testdata")
    assert done.status_code == 200 and "Henlagt" in done.text
    assert list_quarantine(store) == []
    kept = list_quarantine(store, status="dismissed")[0]
    assert (kept["id"], kept["dismissed_by"], kept["dismissed_reason"]) == (entry["id"], "user:admin", "Testdata")
    assert kept["resolved_at"] is not None
    assert [e["detail"] for e in actions(services.engine, "dismiss_quarantine")] == [f"entry {entry['id']}"]
    assert "Posten er ikke længere åben." in dismiss("Testdata").text
