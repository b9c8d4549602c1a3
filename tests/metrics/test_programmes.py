"""Programmes on SQLite and PostgreSQL: presets end to end, the phase check at ingest, phase
views, the jobcoach's phase-dependent norm, quality indicators on hand-worked histories."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from core.programmes import PRESETS, ModelCache, ProcessModelError, load_model, preset, save_model
from ingest.organisation import TeamIn, WorkerIn, put_team, put_worker
from metrics.programme_service import ProgrammeService
from tests.metrics.conftest import ZONE, local

_ids = itertools.count(1)
NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)


def ev(type_: str, case: str, at, **fields) -> dict:
    when = at if isinstance(at, str) else at.isoformat()
    return {"event_id": f"p{next(_ids)}", "type": type_, "case_id": case, "occurred_at": when,
            **fields}


def opened(case: str, at, programme: str, team: str = "A", **fields) -> dict:
    return ev("case_opened", case, at, citizen=f"citizen-{case}", team_id=team,
              programme=programme, **fields)


def send(store, *events) -> None:
    summary = store.append(list(events), origin="test")
    assert summary.rejected == 0, summary.errors


def service(store, now: datetime = NOW) -> ProgrammeService:
    return ProgrammeService(store.engine, ZONE, clock=lambda: now)


def quarantined(store) -> list[tuple[str, str]]:
    with store.engine.connect() as connection:
        return list(connection.exec_driver_sql("SELECT event_id, reason FROM quarantine"))


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_loaded_and_used_end_to_end(store, name):
    model = preset(name)
    assert model is not None and model.phases
    for phase in model.phases:  # every phase named in Danish, English and German
        assert set(phase.names) == {"da", "en", "de"}
    if name == "mestring":
        assert len(model.phases) == 4 and model.course_days == 18 * 7
    if name == "transition":
        assert len(model.phases) == 8
    if name == "jobcoaching":
        assert model.ratios == {"finding": 5, "securing": 6}
    start = local("2026-01-05T09:00")
    events = [opened("k1", start, name), opened("k2", start, name)]
    for day, phase in enumerate(model.phases):  # k1 walks through every phase; k2 stays in the first
        events.append(ev("phase_changed", "k1", local(f"2026-01-{5 + day:02d}T10:00"), phase=phase.id))
    events.append(ev("phase_changed", "k2", local("2026-01-05T10:00"), phase=model.phases[0].id))
    send(store, *events)
    overview = service(store).phases(name)
    counts = {row["phase"]: row["cases"] for row in overview["phases"]}
    last, first = model.phases[-1].id, model.phases[0].id
    assert counts[last] == 1 and counts[first] == 1 and sum(counts.values()) == 2
    # k2 has been in the first phase since January: far past its plan in July
    assert [r["case_id"] for r in overview["needs_attention"]][:2].count("k2") == 1
    flow = service(store).flow(name, "2026-01", "2026-01")["links"]
    steps = {(link["source"], link["target"]): link["cases"] for link in flow}
    assert steps[("(start)", first)] == 2
    assert sum(steps.values()) == 2 + len(model.phases) - 1


def test_unknown_phase_goes_to_quarantine_with_the_reason(store):
    send(store, opened("m1", local("2026-02-02T09:00"), "mestring"))
    summary = store.append(
        [ev("phase_changed", "m1", local("2026-02-03T09:00"), phase="profiling"),
         ev("phase_changed", "m1", local("2026-02-03T10:00"), phase="teaching")],
        origin="test",
    )
    assert (summary.accepted, summary.rejected) == (1, 1)
    assert "not a phase of programme 'mestring'" in summary.errors[0].reason
    (entry,) = quarantined(store)
    assert "referral, preparation, teaching, placement" in entry[1]


def test_phase_checked_against_case_opened_in_the_same_batch(store):
    summary = store.append(
        [ev("phase_changed", "m2", local("2026-02-03T09:00"), phase="stabilisation"),
         opened("m2", local("2026-02-02T09:00"), "mestring")],
        origin="test",
    )
    assert (summary.accepted, summary.rejected) == (1, 1)


def test_phase_of_a_case_not_opened_yet_is_accepted_and_shown_unchecked(store):
    send(store, ev("phase_changed", "late", local("2026-02-03T09:00"), phase="no-such-phase"))
    send(store, opened("late", local("2026-02-01T09:00"), "mestring"))
    overview = service(store).phases("mestring")
    rows = {r["phase"]: r["cases"] for r in overview["phases"]}
    assert rows["(not in model)"] == 1


def test_programme_without_a_model_takes_any_phase(store):
    send(store, opened("d1", local("2026-02-02T09:00"), "default"),
         ev("phase_changed", "d1", local("2026-02-03T09:00"), phase="anything"))


def test_admin_edit_replaces_the_preset_and_the_check_follows(store):
    data = preset("counselling").as_dict()
    data["phases"].append({"id": "aftercare", "names": {"en": "Aftercare"}, "planned_days": 30})
    save_model(store.engine, "counselling", data)
    assert load_model(store.engine, "counselling").phase_ids[-1] == "aftercare"
    send(store, opened("c1", local("2026-02-02T09:00"), "counselling"),
         ev("phase_changed", "c1", local("2026-02-03T09:00"), phase="aftercare"))
    with pytest.raises(ProcessModelError):
        save_model(store.engine, "counselling", {"phases": [{"id": "x", "planned_days": -1}]})


def test_every_cache_of_the_models_follows_an_edit_at_once(store):
    """Another process's phase check (its own cache) sees an edit on its next batch."""
    caches = [ModelCache(store.engine), ModelCache(store.engine)]
    assert all("aftercare" not in c.models()["counselling"].phase_ids for c in caches)
    data = preset("counselling").as_dict()
    data["phases"].append({"id": "aftercare", "names": {"en": "Aftercare"}, "planned_days": 30})
    save_model(store.engine, "counselling", data)
    assert all(c.models()["counselling"].phase_ids[-1] == "aftercare" for c in caches)
    assert caches[0].models() is caches[0].models()  # read again only when an edit changed them


def test_jobcoach_norm_depends_on_the_phase(store):
    """1:5 while finding a job, 1:6 while securing it: load = finding/5 + securing/6."""
    at = local("2026-03-02T09:00")
    events = []
    # coach j1: 4 finding + 2 securing = 0.8 + 0.333 > 1 → above
    # coach j2: 3 finding + 2 securing = 0.6 + 0.333 < 1 → within
    # coach j3: 6 securing = 1.0 → within (at the norm, not above)
    plan = {"j1": (4, 2), "j2": (3, 2), "j3": (0, 6)}
    for coach, (finding, securing) in plan.items():
        for n in range(finding + securing):
            case = f"{coach}-{n}"
            phase = "analysis_planning" if n < finding else "stabilisation"
            events += [
                opened(case, at, "jobcoaching"),
                ev("worker_assigned", case, at, worker_id=coach, role="jobcoach"),
                ev("phase_changed", case, at, phase=phase),
            ]
    send(store, *events)
    rows = {r["worker_id"]: r for r in service(store).jobcoach_load()["rows"]}
    assert (rows["j1"]["finding"], rows["j1"]["securing"], rows["j1"]["status"]) == (4, 2, "above")
    assert rows["j2"]["status"] == "within" and rows["j2"]["load"] == pytest.approx(0.6 + 2 / 6, abs=1e-4)
    assert rows["j3"]["status"] == "within" and rows["j3"]["load"] == pytest.approx(1.0)
    # the same six cases of j3 all finding a job would be above 1:5
    send(store, *[ev("phase_changed", f"j3-{n}", local("2026-03-03T09:00"), phase="intervention")
                  for n in range(6)])
    rows = {r["worker_id"]: r for r in service(store).jobcoach_load()["rows"]}
    assert rows["j3"]["status"] == "above" and rows["j3"]["finding"] == 6


def test_quality_indicators_against_hand_worked_histories(store):
    engine = store.engine
    put_team(engine, "A", TeamIn(name="A"))
    put_worker(engine, "w1", WorkerIn(name="W1", team_id="A", roles=["caseworker"]))
    put_worker(engine, "w2", WorkerIn(name="W2", team_id="A", roles=["company_consultant"]))
    three = ["citizen", "caseworker", "company_consultant"]
    p_start, p_end = local("2026-03-01T00:00"), local("2026-03-31T00:00")
    send(
        store,
        # m1: middle of its 126-day course is 2026-03-09; mid talk before it; final talk; closed
        opened("m1", local("2026-01-05T09:00"), "mestring"),
        ev("worker_assigned", "m1", local("2026-01-05T10:00"), worker_id="w1", role="caseworker"),
        ev("worker_assigned", "m1", local("2026-01-06T10:00"), worker_id="w2", role="company_consultant"),
        ev("review_held", "m1", local("2026-03-01T10:00"), kind="mid", participants=["citizen", "caseworker"]),
        ev("placement_started", "m1", p_start, placement_id="p1"),
        ev("follow_up_held", "m1", local("2026-03-10T10:00"), participants=three),
        ev("follow_up_held", "m1", local("2026-03-20T10:00"), participants=["citizen", "caseworker"]),
        ev("placement_ended", "m1", p_end, placement_id="p1"),
        ev("follow_up_held", "m1", local("2026-04-05T10:00"), participants=three),
        ev("review_held", "m1", local("2026-04-18T10:00"), kind="final"),
        ev("case_closed", "m1", local("2026-04-20T10:00"), reason="completed", outcome="job"),
        # m2: middle 2026-03-14, its mid talk came after; closed without a final talk
        opened("m2", local("2026-01-10T09:00"), "mestring"),
        ev("worker_assigned", "m2", local("2026-01-10T10:00"), worker_id="w1", role="caseworker"),
        ev("review_held", "m2", local("2026-03-20T10:00"), kind="mid"),
        ev("case_closed", "m2", local("2026-05-01T10:00"), reason="dropped_out"),
        # m3: closed before its middle (not counted for the mid talk), with a final talk
        opened("m3", local("2026-02-01T09:00"), "mestring"),
        ev("worker_assigned", "m3", local("2026-02-01T10:00"), worker_id="w1", role="caseworker"),
        ev("review_held", "m3", local("2026-02-19T10:00"), kind="final"),
        ev("case_closed", "m3", local("2026-02-20T10:00"), reason="other"),
        # m4: its middle falls after the period
        opened("m4", local("2026-05-15T09:00"), "mestring"),
        # another programme's case counts for none of mestring's indicators
        opened("x1", local("2026-01-05T09:00"), "counselling"),
        ev("review_held", "x1", local("2026-01-06T10:00"), kind="final"),
        ev("case_closed", "x1", local("2026-01-07T10:00"), reason="other"),
        # supervisions of w1: two in the period, one before it
        ev("supervision_held", "worker:w1", local("2025-12-01T10:00"), worker_id="w1"),
        ev("supervision_held", "worker:w1", local("2026-02-01T10:00"), worker_id="w1"),
        ev("supervision_held", "worker:w1", local("2026-05-01T10:00"), worker_id="w1"),
    )
    result = service(store).indicators("mestring", "2026-01", "2026-06")
    rows = {(r["team_id"], r["worker_id"]): r["indicators"] for r in result["rows"]}
    team, w1, w2 = rows[("A", None)], rows[("A", "w1")], rows[("A", "w2")]

    assert (team["mid_review_share"]["numerator"], team["mid_review_share"]["denominator"]) == (1, 2)
    assert team["mid_review_share"]["status"] == "behind"
    assert team["final_review_share"]["value"] == pytest.approx(2 / 3)
    assert w2["mid_review_share"]["value"] == 1.0 and w2["mid_review_share"]["status"] == "on_track"

    years = (local("2026-07-01T00:00") - local("2026-01-01T00:00")).total_seconds() / 86400 / 365.25
    assert w1["supervisions_per_worker_year"]["value"] == pytest.approx(2 / years)
    assert w1["supervisions_per_worker_year"]["status"] == "on_track"  # 4.03 a year
    assert w2["supervisions_per_worker_year"]["value"] == 0
    assert team["supervisions_per_worker_year"]["value"] == pytest.approx(2 / (2 * years))
    assert team["supervisions_per_worker_year"]["status"] == "behind"

    placement_months = (p_end - p_start).total_seconds() / 86400 / (365.25 / 12)
    assert team["three_party_per_placement_month"]["numerator"] == 1
    assert team["three_party_per_placement_month"]["value"] == pytest.approx(1 / placement_months)
    assert team["three_party_per_placement_month"]["status"] == "on_track"


def test_supervision_needs_the_workers_pseudo_case(store):
    summary = store.append(
        [ev("supervision_held", "case-7", local("2026-02-01T10:00"), worker_id="w1"),
         ev("review_held", "c", local("2026-02-01T10:00"), kind="halfway")],
        origin="test",
    )
    assert summary.rejected == 2
    assert "worker:<worker_id>" in summary.errors[0].reason


def test_cohort_completion_over_time(store):
    send(
        store,
        opened("a", local("2026-01-05T09:00"), "mestring"),
        opened("b", local("2026-01-06T09:00"), "mestring"),
        opened("c", local("2026-02-06T09:00"), "mestring"),  # outside the January cohort
        ev("case_closed", "a", local("2026-03-10T09:00"), reason="completed", outcome="job"),
        ev("case_closed", "b", local("2026-04-10T09:00"), reason="dropped_out"),
    )
    result = service(store).cohort_completion("mestring", "2026-01", "2026-01", until="2026-04")
    assert result["cohort"] == 2
    points = {p["month"]: p for p in result["points"]}
    assert (points["2026-02"]["completed"], points["2026-02"]["active"]) == (0, 2)
    assert (points["2026-03"]["completed"], points["2026-03"]["active"]) == (1, 1)
    assert points["2026-04"]["closed_otherwise"] == 1 and points["2026-04"]["active"] == 0


def test_phase_dependent_norm_flags_the_worker_row_of_the_milestones(store):
    from metrics.service import MetricsService

    at = local("2026-03-02T09:00")
    events = []
    for n in range(6):  # six cases: within 1:6 while securing a job, above 1:5 while finding one
        events += [opened(f"s{n}", at, "jobcoaching"),
                   ev("worker_assigned", f"s{n}", at, worker_id="jc", role="jobcoach"),
                   ev("phase_changed", f"s{n}", at, phase="stabilisation")]
    send(store, *events)
    metrics = MetricsService(store.engine, ZONE, clock=lambda: NOW)

    def row(month):
        return next(r for r in metrics.milestones(month, "worker")["rows"] if r["worker_id"] == "jc")

    assert row("2026-03")["caseload_flags"] == {} and row("2026-03")["jobcoach_load"]["securing"] == 6
    send(store, ev("phase_changed", "s0", local("2026-04-02T09:00"), phase="intervention"))
    flagged = row("2026-04")
    assert flagged["caseload_flags"] == {"jobcoach": "above"}
    assert (flagged["jobcoach_load"]["finding"], flagged["jobcoach_load"]["securing"]) == (1, 5)


def test_the_demo_simulation_fits_the_mestring_preset(store):
    from ingest.simulation import generate_events, generate_organisation

    events = list(generate_events(generate_organisation(seed=2, teams=1, workers_per_team=3),
                                  cases=80, months=3, seed=2))
    assert any(e["type"] == "phase_changed" for e in events)
    summary = store.append(events, origin="test")
    assert not [e.reason for e in summary.errors if e.reason.startswith("phase")]


def test_the_demo_records_evaluation_talks_and_supervision_near_the_standards(store):
    from ingest.simulation import (
        generate_events,
        generate_organisation,
        store_organisation,
        supervision_events,
    )

    org = generate_organisation(seed=4, teams=2, workers_per_team=6, mentor_team=True)
    assert org.teams[-1].name == "Team Mentor"
    mentor_roles = {role for w in org.workers if w.team_id == org.teams[-1].team_id for role in w.roles}
    assert {"caseworker", "company_consultant", "mentor", "jobcoach"} <= mentor_roles
    store_organisation(store.engine, org)
    events = list(generate_events(org, cases=400, months=12, end_month="2026-06", seed=4,
                                  zone=ZONE.key, until=NOW, review_talks=True))
    events += supervision_events(org, 12, "2026-06", seed=4, zone=ZONE.key, until=NOW)
    summary = store.append(events, origin="test")
    assert summary.rejected == 0, summary.errors[:3]
    rows = service(store).indicators("mestring", "2025-07", "2026-06")["rows"]
    values = {name: [r["indicators"][name]["value"] for r in rows if r["worker_id"] is None]
              for name in ("mid_review_share", "final_review_share", "supervisions_per_worker_year")}
    # each team near its standard (0.9, 0.9, 4 a year), so the demo shows every status
    assert all(0.7 <= v <= 1 for v in values["mid_review_share"]), values
    assert all(0.7 <= v <= 1 for v in values["final_review_share"]), values
    assert all(2.5 <= v <= 5.5 for v in values["supervisions_per_worker_year"]), values


def test_the_talks_leave_the_rest_of_the_simulated_history_as_it_was():
    from ingest.simulation import generate_events, generate_organisation

    org = generate_organisation(seed=2, teams=2, workers_per_team=4)
    plain = list(generate_events(org, cases=60, months=6, seed=9))
    talks = list(generate_events(org, cases=60, months=6, seed=9, review_talks=True))
    shape = [(e["case_id"], e["type"], e["occurred_at"]) for e in plain]
    assert any(e["type"] == "review_held" for e in talks)
    assert [(e["case_id"], e["type"], e["occurred_at"]) for e in talks if e["type"] != "review_held"] == shape


def test_review_and_supervision_events_arrive_by_csv_import(store, tmp_path):
    from ingest.imports import import_path

    path = tmp_path / "talks.csv"
    path.write_text(
        "event_id,type,occurred_at,case_id,kind,participants,worker_id,citizen,team_id,programme\n"
        "i1,case_opened,2026-01-05,m9,,,,0101801234,A,mestring\n"
        "i2,review_held,2026-02-01,m9,mid,citizen;jobcoach,,,,\n"
        "i3,supervision_held,2026-02-02,worker:w7,,,w7,,,\n",
        encoding="utf-8",
    )
    result = import_path(store, path, origin="test")
    assert (result.summary.accepted, result.summary.rejected) == (3, 0), result.summary.errors
    rows = service(store).indicators("mestring", "2026-01", "2026-06")["rows"]
    team = next(r for r in rows if r["team_id"] == "A" and r["worker_id"] is None)
    assert team["indicators"]["mid_review_share"]["value"] == 1.0
    supervised = next(r for r in rows if r["worker_id"] == "w7")
    assert supervised["indicators"]["supervisions_per_worker_year"]["numerator"] == 1


def test_a_teams_programme_figures_equal_those_read_from_every_case(store):
    """A team's phase views and quality indicators read only the cases the team ever had and its
    workers' (held or supervised): the same figures as from every case."""
    from core.programmes import load_models
    from ingest.simulation import generate_events, generate_organisation, store_organisation
    from metrics import programmes, quality
    from metrics.calendar import to_us
    from metrics.readmodel import load_organisation

    sim = generate_organisation(seed=4, teams=3, workers_per_team=4)
    store_organisation(store.engine, sim)
    events = list(generate_events(sim, cases=150, months=6, end_month="2026-07", seed=4, until=NOW))
    # supervisions by workers of every team, on their pseudo cases, some in and some before the period
    for i, worker in enumerate(sim.workers):
        events.append(ev("supervision_held", f"worker:{worker.worker_id}", local(f"2026-0{1 + i % 6}-03T10:00"),
                         worker_id=worker.worker_id))
    for start in range(0, len(events), 500):
        store.append(events[start:start + 500], origin="test")
    programmes_service = service(store)
    read = programmes_service.model
    org = load_organisation(store.engine)
    first, last = "2026-02", "2026-07"
    start_us, end_us, _ = programmes_service._period(first, last)
    checked = 0
    for name, model in load_models(store.engine).items():
        everything = quality.quality_indicators(read.cases.values(), model, start_us, end_us, to_us(NOW),
                                                dict(org.workers))
        every_case = programmes.programme_cases(read.cases.values(), name)
        for team in org.teams:
            got = programmes_service.indicators(name, first, last, team_id=team)["rows"]
            assert got == [r for r in everything if r["team_id"] == team], (name, team)
            phases = programmes_service.phases(name, team_id=team)
            assert {k: phases[k] for k in ("phases", "without_phase", "needs_attention")} == \
                programmes.phase_overview(every_case, model, to_us(NOW), team_id=team), (name, team)
            flow = programmes_service.flow(name, first, last, team_id=team)["links"]
            assert flow == programmes.phase_flow(every_case, model, start_us, min(end_us, to_us(NOW)),
                                                 team_id=team), (name, team)
            checked += bool(got)
    assert checked  # the simulation gave the teams programme cases to compare
