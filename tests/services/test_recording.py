"""Recording casework on a caseworker's behalf (services/recording.py) on a real database (SQLite
and PostgreSQL): only on one's own cases, refused with the fields' problems, stored once through
the write path and audited as `record_event` / `record_sheet` without case data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.access import Role
from core.audit import AuditAction, entries
from core.errors import Forbidden, Invalid
from ingest.organisation import TeamIn, WorkerIn, put_team, put_worker
from services import recording
from services.actor import Actor
from tests.conftest import CITIZENS

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
WORKER = Actor(name="user:anna", role=Role.worker, entry="dashboard", worker_id="w1")
OTHER_WORKER = Actor(name="user:bo", role=Role.worker, entry="dashboard", worker_id="w2")
LEAD = Actor(name="user:lead", role=Role.team_lead, entry="dashboard", team_id="t1")
OTHER_LEAD = Actor(name="user:lead2", role=Role.team_lead, entry="dashboard", team_id="t2")
MANAGER = Actor(name="user:boss", role=Role.manager, entry="dashboard")


@pytest.fixture
def cases(services):
    """c1 held by w1 in team t1, c2 by w2 in team t2."""
    for team in ("t1", "t2"):
        put_team(services.engine, team, TeamIn(name=f"Team {team}"))
    put_worker(services.engine, "w1", WorkerIn(name="Anna", team_id="t1", roles=["caseworker"]))
    put_worker(services.engine, "w2", WorkerIn(name="Bo", team_id="t2", roles=["caseworker"]))
    events = []
    for n, (case, team, worker) in enumerate((("c1", "t1", "w1"), ("c2", "t2", "w2"))):
        events += [
            {"event_id": f"{case}-o", "type": "case_opened", "case_id": case, "occurred_at": "2026-01-05",
             "team_id": team, "citizen": CITIZENS[n]},
            {"event_id": f"{case}-a", "type": "worker_assigned", "case_id": case, "occurred_at": "2026-01-05",
             "worker_id": worker, "role": "caseworker"},
        ]
    assert services.store.append(events, origin="test").accepted == 4
    return services


def _record(services, actor, action="readiness_assessed", case_id="c1", form_id="ob-0001", worker_id="w1",
            **values):
    values.setdefault("date", "2026-03-09")
    return recording.record_entry(services.store, services.read_model, actor, action, case_id, values,
                                  form_id=form_id, worker_id=worker_id, now=NOW)


def _recorded(services) -> list[dict]:
    return [e for e in reversed(entries(services.engine)) if e["action"].startswith("record_")]


def test_a_worker_records_on_its_own_case_once_and_it_is_audited_by_type(cases):
    done = _record(cases, WORKER, level="far")
    assert done.summary.accepted == 1 and done.entry.event_ids == ["ob-0001"]
    stored = recording.recorded(cases.engine, ["ob-0001"])
    assert stored == [{"event_id": "ob-0001", "type": "readiness_assessed", "case_id": "c1",
                       "recorded_by": "user:anna"}]
    again = _record(cases, WORKER, level="far")  # a double click: the same form again
    assert again.summary.accepted == 0 and again.summary.duplicates == 1
    [entry] = _recorded(cases)
    assert entry["action"] == AuditAction.record_event == "record_event"
    assert (entry["channel"], entry["actor"], entry["role"]) == ("dashboard", "user:anna", "worker")
    assert entry["detail"] == "readiness_assessed" and entry["worker_id"] == "w1" and entry["team_id"] == "t1"
    assert "c1" not in str(entry) and CITIZENS[0] not in str(entry)


def test_recording_is_refused_outside_the_role_and_the_cases_one_holds(cases):
    refused = [
        lambda: _record(cases, MANAGER, level="far"),  # the role does not record
        lambda: _record(cases, OTHER_WORKER, level="far", worker_id="w2"),  # c1 is not w2's
        lambda: _record(cases, OTHER_LEAD, level="far"),  # c1 is not in team t2
        # a case opened on another team's caseload
        lambda: _record(cases, LEAD, "case_opened", None, "ob-0009", "w2", citizen=CITIZENS[2]),
        lambda: recording.record_sheet(cases.store, cases.read_model, OTHER_LEAD, "t1", [], NOW),
        lambda: recording.record_sheet(cases.store, cases.read_model, WORKER, "t1", [], NOW),
    ]
    for action in refused:
        with pytest.raises(Forbidden):
            action()
    assert _recorded(cases) == [] and recording.recorded(cases.engine, ["ob-0001", "ob-0009"]) == []


def test_a_wrong_field_is_refused_with_its_problems_and_nothing_is_recorded(cases):
    with pytest.raises(recording.EntryRefused) as refused:
        _record(cases, WORKER, "placement_started", date="2026-04-01", employer="", hours_per_week="200")
    assert refused.value.problems == ["invalid_future_date", "invalid_employer", "invalid_hours_per_week"]
    assert isinstance(refused.value, Invalid) and refused.value.key == "invalid_future_date"
    with pytest.raises(recording.EntryRefused) as refused:
        _record(cases, LEAD, "placement_started", employer=f"Firma {CITIZENS[0]}")
    assert refused.value.problems == ["identity_in_text"] and CITIZENS[0] not in str(refused.value)
    with pytest.raises(Invalid):
        _record(cases, WORKER, level="far", form_id="not-a-form")
    assert _recorded(cases) == []


def test_a_new_case_is_opened_on_the_boards_caseload_and_a_lead_undoes_only_its_own_entry(cases):
    opened = _record(cases, LEAD, "case_opened", None, "ob-00000000aa", "w1", citizen=CITIZENS[2],
                     programme="default")
    assert opened.summary.accepted == 2 and opened.entry.case_id == "OB-00000000AA"
    assert recording.undo(cases.store, cases.read_model, WORKER, opened.entry.event_ids, worker_id="w1",
                          now=NOW) is None  # not Anna's entry
    undone = recording.undo(cases.store, cases.read_model, LEAD, opened.entry.event_ids, worker_id="w1", now=NOW)
    assert undone is not None and undone.summary.accepted == 2
    assert [e["type"] for e in undone.entry.events] == ["event_retracted"] * 2
    assert [(e["actor"], e["detail"]) for e in _recorded(cases)] == [("user:lead", "case_opened"),
                                                                     ("user:lead", "event_retracted")]


def _sheet_event(case_id: str, actor: Actor, **fields) -> dict:
    return {"event_id": f"sheet-{case_id}", "source": recording.SOURCE, "type": "cv_completed", "case_id": case_id,
            "occurred_at": "2026-03-09", "recorded_by": actor.name, "via": "sheet", **fields}


def test_a_sheet_records_only_its_teams_cases_as_the_lead_and_is_audited_by_count(cases):
    with pytest.raises(Forbidden):  # a case of another team, slipped into the sheet
        recording.record_sheet(cases.store, cases.read_model, LEAD, "t1", [_sheet_event("c2", LEAD)], NOW)
    with pytest.raises(Invalid):  # an event that is not the lead's own
        recording.record_sheet(cases.store, cases.read_model, LEAD, "t1", [_sheet_event("c1", WORKER)], NOW)
    assert _recorded(cases) == []
    summary = recording.record_sheet(cases.store, cases.read_model, LEAD, "t1", [_sheet_event("c1", LEAD)], NOW)
    assert summary.accepted == 1
    [entry] = _recorded(cases)
    assert (entry["action"], entry["team_id"], entry["detail"]) == ("record_sheet", "t1", "1 events")


def test_a_second_cv_on_the_form_is_named_not_recorded_while_the_api_stores_it(cases, client, ingest_token):
    from tests.conftest import bearer

    first = _record(cases, WORKER, "cv_completed", form_id="ob-cv1")
    assert first.summary.accepted == 1
    again = _record(cases, WORKER, "cv_completed", form_id="ob-cv1")  # the same form twice: a duplicate
    assert again.summary.duplicates == 1
    with pytest.raises(recording.EntryRefused) as refused:
        _record(cases, WORKER, "cv_completed", form_id="ob-cv2")
    assert refused.value.problems == ["record_cv_exists"]
    assert recording.recorded(cases.engine, ["ob-cv2"]) == []
    # the API answers a second cv_completed exactly as events.md defines: stored
    answer = client.post("/api/v1/events", headers=bearer(ingest_token), json=[
        {"event_id": "feed-cv2", "source": "feed", "type": "cv_completed", "case_id": "c1",
         "occurred_at": "2026-03-09"}])
    assert answer.status_code < 300 and answer.json()["accepted"] == 1


def test_the_last_entry_is_read_from_the_log_and_is_only_the_actors_own(cases):
    assert recording.last_entry(cases.engine, WORKER) is None
    _record(cases, WORKER, form_id="ob-e1", level="far")
    opened = _record(cases, LEAD, "case_opened", None, "ob-00000000bb", "w1", citizen=CITIZENS[2],
                     programme="default")
    # a feed's event after them changes neither's last entry
    assert cases.store.append([{"event_id": "feed-1", "source": "feed", "type": "cv_completed", "case_id": "c1",
                                "occurred_at": "2026-03-09"}], origin="test").accepted == 1
    assert recording.last_entry(cases.engine, WORKER) == {"event_ids": ["ob-e1"], "case_id": "c1",
                                                          "action": "readiness_assessed"}
    assert recording.last_entry(cases.engine, LEAD) == {"event_ids": opened.entry.event_ids,
                                                        "case_id": opened.entry.case_id, "action": "case_opened"}
    assert recording.last_entry(cases.engine, OTHER_WORKER) is None
    # undone: nothing left to undo, not the entry before it
    _record(cases, WORKER, form_id="ob-e2", level="close")
    last = recording.last_entry(cases.engine, WORKER)
    assert last["event_ids"] == ["ob-e2"]
    assert recording.undo(cases.store, cases.read_model, WORKER, last["event_ids"], worker_id="w1", now=NOW)
    assert recording.last_entry(cases.engine, WORKER) is None
