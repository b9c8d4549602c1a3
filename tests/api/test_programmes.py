"""Programme routes: process models read and edited, phase views, indicators, the quarterly
report, reference figures beside the teams' own; each role's scope."""

from __future__ import annotations

from api.tokens import create_token
from tests.conftest import bearer


def _setup(client, admin_token):
    h = bearer(admin_token)
    for team in ("A", "B"):
        client.put(f"/api/v1/teams/{team}", json={"name": team}, headers=h)
    client.put("/api/v1/workers/w1", json={"name": "W1", "team_id": "A", "roles": ["jobcoach"]}, headers=h)
    events = [
        {"event_id": "1", "type": "case_opened", "case_id": "c1", "occurred_at": "2026-01-05",
         "citizen": "0101801234", "team_id": "A", "programme": "jobcoaching", "channel": "jobcentre"},
        {"event_id": "2", "type": "worker_assigned", "case_id": "c1", "occurred_at": "2026-01-05T10:00",
         "worker_id": "w1", "role": "jobcoach"},
        {"event_id": "3", "type": "phase_changed", "case_id": "c1", "occurred_at": "2026-01-06",
         "phase": "analysis_planning"},
        {"event_id": "4", "type": "phase_changed", "case_id": "c1", "occurred_at": "2026-01-07",
         "phase": "teaching"},
        {"event_id": "5", "type": "review_held", "case_id": "c1", "occurred_at": "2026-02-01",
         "kind": "mid", "participants": ["citizen", "jobcoach"]},
        {"event_id": "6", "type": "supervision_held", "case_id": "worker:w1",
         "occurred_at": "2026-02-01", "worker_id": "w1"},
    ]
    summary = client.post("/api/v1/events", json=events, headers=h).json()
    assert (summary["accepted"], summary["rejected"]) == (5, 1)
    assert "not a phase of programme 'jobcoaching'" in summary["errors"][0]["reason"]


def test_process_models_read_by_all_and_edited_by_the_admin(client, services, admin_token):
    admin = bearer(admin_token)
    listed = client.get("/api/v1/programmes", headers=admin).json()
    assert {m["programme"] for m in listed} >= {"mestring", "transition", "jobcoaching", "counselling"}
    worker = bearer(create_token(services.engine, "worker", worker_id="w1"))
    model = client.get("/api/v1/programmes/mestring", headers=worker).json()
    assert model["course_days"] == 126 and model["phases"][0]["names"]["da"] == "Visitation"
    assert client.get("/api/v1/programmes/nope", headers=admin).status_code == 404
    model["phases"][0]["planned_days"] = 21
    assert client.put("/api/v1/programmes/mestring", json=model, headers=worker).status_code == 403
    answer = client.put("/api/v1/programmes/mestring", json=model, headers=admin)
    assert answer.status_code == 200 and answer.json()["phases"][0]["planned_days"] == 21
    assert client.get("/api/v1/programmes/mestring", headers=admin).json()["preset"] is False
    bad = client.put("/api/v1/programmes/mestring", json={"phases": []}, headers=admin)
    assert bad.status_code == 422


def test_phase_views_indicators_and_scopes(client, services, admin_token):
    _setup(client, admin_token)
    admin = bearer(admin_token)
    phases = client.get("/api/v1/programmes/jobcoaching/phases", headers=admin).json()
    counts = {r["phase"]: r["cases"] for r in phases["phases"]}
    assert counts["analysis_planning"] == 1
    assert [r["case_id"] for r in phases["needs_attention"]] == ["c1"]  # 21 days planned
    lead_b = bearer(create_token(services.engine, "team_lead", team_id="B"))
    assert client.get("/api/v1/programmes/jobcoaching/phases", params={"team_id": "A"},
                      headers=lead_b).status_code == 403
    own = client.get("/api/v1/programmes/jobcoaching/phases", headers=lead_b).json()
    assert own["needs_attention"] == []
    worker = bearer(create_token(services.engine, "worker", worker_id="w1"))
    assert client.get("/api/v1/programmes/jobcoaching/phases", headers=worker).status_code == 403

    params = {"from": "2026-01", "to": "2026-03"}
    indicators = client.get("/api/v1/programmes/jobcoaching/indicators", params=params, headers=admin).json()
    rows = {(r["team_id"], r["worker_id"]): r["indicators"] for r in indicators["rows"]}
    assert rows[("A", "w1")]["supervisions_per_worker_year"]["numerator"] == 1
    assert client.get("/api/v1/programmes/jobcoaching/indicators", params=params,
                      headers=worker).status_code == 403
    flow = client.get("/api/v1/programmes/jobcoaching/flow", params=params, headers=admin).json()
    assert flow["links"] == [{"source": "(start)", "target": "analysis_planning", "cases": 1}]
    load = client.get("/api/v1/jobcoach-load", headers=worker).json()
    assert [(r["worker_id"], r["finding"], r["status"]) for r in load["rows"]] == [("w1", 1, "within")]


def test_quarterly_report_channels_and_reference_figures(client, services, admin_token):
    _setup(client, admin_token)
    admin = bearer(admin_token)
    manager = bearer(create_token(services.engine, "manager"))
    lead = bearer(create_token(services.engine, "team_lead", team_id="A"))
    report = client.get("/api/v1/programmes/jobcoaching/reports/quarterly/2026Q1", headers=manager)
    assert report.status_code == 200
    funnel = {r["team_id"]: r for r in report.json()["tables"]["funnel"]}
    assert funnel["A"]["referred"] == "<5" and "c1" not in report.text
    assert client.get("/api/v1/programmes/jobcoaching/reports/quarterly/2026Q1",
                      headers=lead).status_code == 403
    assert client.get("/api/v1/programmes/jobcoaching/reports/quarterly/2026Q5",
                      headers=manager).status_code == 422
    channels = client.get("/api/v1/programmes/jobcoaching/channels",
                          params={"from": "2026Q1", "to": "2026Q1"}, headers=manager).json()
    assert channels["rows"][0]["channel"] == "jobcentre" and channels["rows"][0]["referred"] == 1

    csv_text = "label;metric;month;value;source\nnational;placement_share;2026-02;0,21;DREAM\n"
    assert client.post("/api/v1/reference-figures", content=csv_text, headers=manager).status_code == 403
    answer = client.post("/api/v1/reference-figures", content=csv_text, headers=admin)
    assert answer.json() == {"imported": 1}
    bad = client.post("/api/v1/reference-figures", content="label,metric,month,value\nx,nope,2026-02,1\n",
                      headers=admin)
    assert bad.status_code == 422
    unreadable = client.post("/api/v1/reference-figures", content="label,metric,month,value\n\r\"x", headers=admin)
    assert unreadable.status_code == 422 and "cannot be read" in unreadable.json()["detail"]
    bench = client.get("/api/v1/benchmark", params={"metric": "placement_share", "month": "2026-02"},
                       headers=manager).json()
    assert bench["references"][0]["value"] == 0.21 and bench["references"][0]["label"] == "national"
    assert {t["team_id"] for t in bench["teams"]} >= {"A", "B"}
