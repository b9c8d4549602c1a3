"""Headings name whose board a viewer reads, the wall screen leads back, counted phrases agree
with their count: over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dashboard import ids
from metrics.calendar import month_of
from tests.dashboard.conftest import fill_jobcentre
from tests.dashboard.test_accounts import benchmarking_body, callback_body, sign_in

pytestmark = pytest.mark.slow  # a simulated jobcentre and argon2 sign-ins


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=120, months=2)


def _page(app, client, path: str, search: str = "") -> str:
    body = callback_body(app, ids.PAGE, inputs=[{"id": ids.URL, "property": "pathname", "value": path},
                                                {"id": ids.URL, "property": "search", "value": search}], state=[])
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.text
    return json.dumps(answer.json(), ensure_ascii=False)


def _board(app, client, worker_id: str) -> str:
    body = callback_body(
        app, ids.CASELOAD_BODY,
        inputs=[{"id": ids.LIVE_VERSION, "property": "data", "value": "x"},
                {"id": ids.CASELOAD_FILTERS, "property": "value", "value": []},
                {"id": ids.CASELOAD_READINESS, "property": "value", "value": None}],
        state=[{"id": ids.CASELOAD_WORKER, "property": "data", "value": worker_id}],
    )
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.text
    return json.dumps(answer.json(), ensure_ascii=False)


def _words(tree) -> str:
    if isinstance(tree, dict):
        return _words(tree.get("props", {}).get("children"))
    if isinstance(tree, list):
        return "".join(_words(child) for child in tree)
    return "" if tree is None else str(tree)


def _table(tree, class_name: str) -> list[list[str]]:
    """The body rows of the table with this class in a callback's answer, as the cells' text."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if tree.get("type") == "Table" and props.get("className") == class_name:
            body = next(part for part in props["children"] if part and part["type"] == "Tbody")
            return [[_words(cell) for cell in row["props"]["children"]] for row in body["props"]["children"]]
        tree = list(tree.values())
    if isinstance(tree, list):
        return next((found for child in tree if (found := _table(child, class_name))), [])
    return []


def test_a_lead_on_a_members_board_reads_the_members_name_not_my(app, client, jobcentre, services):
    name = next(w.name for w in jobcentre.org.workers if w.worker_id == jobcentre.worker)
    sign_in(client, "leder", jobcentre.users["leder"])
    page = _page(app, client, "/my-caseload", f"?worker={jobcentre.worker}")
    assert f"Sagsstamme: {name}" in page and "Min sagsstamme" not in page
    board = _board(app, client, jobcentre.worker)
    assert f"Tal for {name} i " in board
    assert "Mine tal" not in board and "Min rolle" not in board and '"Rolle"' in board
    client.cookies.set("overblik_lang", "en")
    board = _board(app, client, jobcentre.worker)
    assert f"Figures for {name} in " in board and "My figures" not in board and "My role" not in board
    client.cookies.set("overblik_lang", "de")
    assert f"Zahlen von {name} im " in _board(app, client, jobcentre.worker)
    # the worker on their own board: "my"
    client.cookies.clear()
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    page = _page(app, client, "/my-caseload")
    assert "Min sagsstamme" in page and "Sagsstamme:" not in page
    board = _board(app, client, jobcentre.worker)
    assert "Mine tal i" in board and "Min rolle" in board and name not in board.split("Mine tal i")[0][-80:]


def test_the_wall_screen_leads_back_to_the_users_own_view(app, client, jobcentre):
    sign_in(client, "leder", jobcentre.users["leder"])
    page = _page(app, client, "/wall")
    assert f'"id": "{ids.WALL_BACK}"' in page and '"href": "/team"' in page
    assert '"aria-label": "Tilbage til Overblik"' in page
    client.cookies.clear()
    sign_in(client, "chef", jobcentre.users["chef"])
    assert '"href": "/benchmarking"' in _page(app, client, "/wall", f"?team={jobcentre.team}")


def test_counted_phrases_agree_with_their_count(app, client, services):
    from core.accounts import create_user
    from ingest.organisation import TeamIn, WorkerIn, put_team, put_worker
    from tests.conftest import CITIZENS

    put_team(services.engine, "team-01", TeamIn(name="Hold 1"))
    put_worker(services.engine, "w-1", WorkerIn(name="Anna", team_id="team-01", roles=["caseworker"]))
    now = datetime.now(UTC).isoformat()
    assert services.store.append([
        {"event_id": "o1", "type": "case_opened", "case_id": "c1", "occurred_at": now, "team_id": "team-01",
         "citizen": CITIZENS[0]},
        {"event_id": "a1", "type": "worker_assigned", "case_id": "c1", "occurred_at": now, "worker_id": "w-1",
         "role": "caseworker"},
        {"event_id": "p1", "type": "placement_started", "case_id": "c1", "occurred_at": now, "placement_id": "p1",
         "employer": "Rema 1000", "kind": "internship", "hours_per_week": 10},
    ], origin="test").accepted == 3
    create_user(services.engine, "leder", "Tre hvide svaner 7!", "team_lead", team_id="team-01")
    sign_in(client, "leder", "Tre hvide svaner 7!")
    body = callback_body(app, ids.WALL_BODY, inputs=[{"id": ids.LIVE_VERSION, "property": "data", "value": "x"}],
                         state=[{"id": ids.WALL_TEAM, "property": "data", "value": "team-01"}])
    wall = json.dumps(client.post("/_dash-update-component", json=body).json(), ensure_ascii=False)
    assert " nyt virksomhedsforløb denne måned" in wall and "nye virksomhedsforløb" not in wall
    assert " borgere med ordinære timer" in wall  # 0 of them: the plural
    assert '"1 sag vist"' in _board(app, client, "w-1")
    client.cookies.set("overblik_lang", "de")
    wall = json.dumps(client.post("/_dash-update-component", json=body).json(), ensure_ascii=False)
    assert " Praktikum diesen Monat begonnen" in wall and '"1 Fall angezeigt"' in _board(app, client, "w-1")


def test_cases_of_an_unknown_team_are_counted_under_it_and_named_as_unknown(app, client, services, admin_token):
    from core.accounts import create_user
    from ingest.organisation import TeamIn, put_team
    from tests.conftest import CITIZENS, bearer

    for team in ("team-01", "team-02"):
        put_team(services.engine, team, TeamIn(name=f"Hold {team[-1]}"))
    now = datetime.now(UTC)
    month = month_of(now, services.settings.zone)
    events = [{"event_id": f"o{n}", "type": "case_opened", "case_id": f"c{n}", "occurred_at": now.isoformat(),
               "team_id": team, "citizen": CITIZENS[n]}
              for n, team in enumerate(("team-01", "team-zz", "team-zz"))]
    assert services.store.append(events, origin="test").accepted == 3
    # the API as metrics.md has it: the cases counted under their team_id; no such team listed
    rows = client.get("/api/v1/milestones", params={"month": month}, headers=bearer(admin_token)).json()["rows"]
    assert {r["team_id"]: r["active_cases"] for r in rows} == {"team-01": 1, "team-02": 0, "team-zz": 2}
    assert [t["team_id"] for t in client.get("/api/v1/teams", headers=bearer(admin_token)).json()] == [
        "team-01", "team-02"]
    # benchmarking names the group as unknown, after the teams, unranked
    create_user(services.engine, "chef", "Grøn kaffe hver tirsdag", "manager")
    sign_in(client, "chef", "Grøn kaffe hver tirsdag")
    body = benchmarking_body(app, month, "active_cases")
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.text
    bench = json.dumps(answer.json(), ensure_ascii=False)
    assert "Ukendt team (team-zz)" in bench
    assert bench.index("Hold 1") < bench.index("Hold 2") < bench.index("Ukendt team (team-zz)")
    board = _table(answer.json(), "table scoreboard")
    assert [row[:2] for row in board] == [["1", "Hold 1"], ["2", "Hold 2"], ["–", "Ukendt team (team-zz)"]]
    # the team view's list of teams holds only the organisation's teams
    page = _page(app, client, "/team")
    assert "team-zz" not in page
