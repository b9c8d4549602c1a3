"""Teams and workers: kept through the API and imported from CSV."""

from __future__ import annotations

from tests.conftest import bearer


def test_put_and_get_teams_and_workers(client, admin_token):
    h = bearer(admin_token)
    r = client.put("/api/v1/teams/t1", json={"name": "Team Nord", "unit": "Jobcenter Aarhus"}, headers=h)
    assert r.json() == {"team_id": "t1", "name": "Team Nord", "unit": "Jobcenter Aarhus"}
    client.put("/api/v1/teams/t1", json={"name": "Team Nord-Vest"}, headers=h)
    assert client.get("/api/v1/teams", headers=h).json() == [{"team_id": "t1", "name": "Team Nord-Vest", "unit": None}]
    w = {"name": "Anne", "team_id": "t1", "roles": ["company_consultant", "caseworker"]}
    assert client.put("/api/v1/workers/w1", json=w, headers=h).json()["roles"] == ["caseworker", "company_consultant"]
    assert client.put("/api/v1/workers/w2", json={**w, "roles": ["boss"]}, headers=h).status_code == 422
    assert [x["worker_id"] for x in client.get("/api/v1/workers?team_id=t1", headers=h).json()] == ["w1"]


def test_csv_import_of_teams_and_workers(client, admin_token):
    h = bearer(admin_token)
    teams = "team_id,name,unit\nt1,Team Nord,JC Aarhus\nt2,Team Syd,\n,No id,\n"
    r = client.post("/api/v1/teams/import", files={"file": ("teams.csv", teams.encode(), "text/csv")}, headers=h)
    assert r.json()["saved"] == 2 and r.json()["errors"][0]["line"] == 4
    workers = "worker_id;name;team_id;roles\nw1;Anne;t1;caseworker;\nw2;Bo;t2;\"caseworker;company_consultant\"\n"
    r = client.post("/api/v1/workers/import", files={"file": ("w.csv", workers.encode(), "text/csv")}, headers=h)
    assert r.json()["saved"] == 2
    by_id = {w["worker_id"]: w for w in client.get("/api/v1/workers", headers=h).json()}
    assert by_id["w2"]["roles"] == ["caseworker", "company_consultant"]
    bad = client.post("/api/v1/teams/import", files={"file": ("x.csv", b"name\nx\n", "text/csv")}, headers=h)
    assert bad.status_code == 422


def test_only_admins_change_organisation_data(client, services):
    from api.tokens import create_token

    manager = create_token(services.engine, "manager")
    assert client.put("/api/v1/teams/t1", json={"name": "x"}, headers=bearer(manager)).status_code == 403
    assert client.get("/api/v1/teams", headers=bearer(manager)).status_code == 200


def test_nul_characters_are_refused_not_crashed_on(client, admin_token):
    h = bearer(admin_token)
    r = client.put("/api/v1/workers/w1", json={"name": "A\u0000nne", "team_id": "t1"}, headers=h)
    assert r.status_code == 422
    assert client.put("/api/v1/teams/t%00x", json={"name": "x"}, headers=h).status_code == 400
