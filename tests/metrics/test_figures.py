"""Each definition of metrics.md on small hand-made histories, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from metrics.calendar import FutureMonth
from metrics.service import MetricsService
from tests.metrics.conftest import ZONE, local

NOW = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)


def ev(type_: str, case: str, at: datetime | str, **fields) -> dict:
    when = at if isinstance(at, str) else at.isoformat()
    event = {"event_id": f"e{next(_ids)}", "type": type_, "case_id": case, "occurred_at": when}
    event.update(fields)
    return event


def opened(case: str, at, team: str = "A", **fields) -> dict:
    return ev("case_opened", case, at, citizen=f"citizen-{case}", team_id=team, **fields)


def send(store, *events) -> None:
    summary = store.append(list(events), origin="test")
    assert summary.rejected == 0, summary.errors


def service(store, now: datetime = NOW) -> MetricsService:
    return MetricsService(store.engine, ZONE, clock=lambda: now)


def team_row(store, month: str, team: str = "A", now: datetime = NOW) -> dict:
    (row,) = service(store, now).milestones(month, "team", team)["rows"]
    return row


def worker_row(store, month: str, worker: str, now: datetime = NOW) -> dict:
    rows = service(store, now).milestones(month, "worker")["rows"]
    return next((r for r in rows if r["worker_id"] == worker), {"active_cases": 0, "closed": {}})


def test_active_and_closed_stock_and_flow(store):
    send(
        store,
        opened("c1", local("2026-01-10T09:00")),
        opened("c2", local("2026-01-11T09:00")),
        ev("case_closed", "c2", local("2026-02-03T12:00"), reason="moved"),
    )
    jan = team_row(store, "2026-01")
    feb = team_row(store, "2026-02")
    mar = team_row(store, "2026-03")
    assert jan["active_cases"] == 2 and jan["closed"].get("moved", 0) == 0
    assert feb["active_cases"] == 1 and feb["closed"] == {"moved": 1}
    assert mar["active_cases"] == 1 and not mar["closed"].get("moved")


def test_case_closed_exactly_at_month_start_counts_in_that_month_as_a_flow(store):
    start = local("2026-03-01T00:00")
    send(
        store,
        opened("c1", local("2026-01-10T09:00")),
        ev("worker_assigned", "c1", local("2026-01-10T10:00"), worker_id="w1", role="caseworker"),
        ev("case_closed", "c1", start, reason="completed", outcome="job"),
    )
    feb = team_row(store, "2026-02")
    mar = team_row(store, "2026-03")
    apr = team_row(store, "2026-04")
    assert feb["active_cases"] == 1 and feb["closed"].get("completed", 0) == 0
    assert mar["active_cases"] == 0 and mar["closed"] == {"completed": 1}
    assert apr["closed"].get("completed", 0) == 0
    assert worker_row(store, "2026-03", "w1")["closed"] == {"completed": 1}


def test_transfer_mid_month_counts_in_new_team_at_a(store):
    send(
        store,
        opened("c1", local("2026-01-10T09:00"), team="A"),
        ev("placement_started", "c1", local("2026-02-03T09:00"), placement_id="p1"),
        ev("case_transferred", "c1", local("2026-02-15T09:00"), team_id="B"),
    )
    a_feb = team_row(store, "2026-02", "A")
    b_feb = team_row(store, "2026-02", "B")
    assert a_feb["active_cases"] == 0 and a_feb["placement_starts"] == 0
    assert b_feb["active_cases"] == 1 and b_feb["placement_starts"] == 1 and b_feb["in_placement"] == 1
    assert team_row(store, "2026-01", "A")["active_cases"] == 1


def test_transfer_after_close_does_not_move_a_closed_case(store):
    send(
        store,
        opened("c1", local("2026-01-10T09:00"), team="A"),
        ev("case_closed", "c1", local("2026-02-10T09:00"), reason="other"),
        ev("case_transferred", "c1", local("2026-02-20T09:00"), team_id="B"),
    )
    assert team_row(store, "2026-02", "A")["closed"] == {"other": 1}
    assert team_row(store, "2026-02", "B")["closed"].get("other", 0) == 0


def test_unassign_by_non_holder_changes_nothing(store):
    send(
        store,
        opened("c1", local("2026-01-10T09:00")),
        ev("worker_assigned", "c1", local("2026-01-11T09:00"), worker_id="w1", role="company_consultant"),
        ev("worker_assigned", "c1", local("2026-01-12T09:00"), worker_id="w2", role="company_consultant"),
        ev("worker_unassigned", "c1", local("2026-01-13T09:00"), worker_id="w1", role="company_consultant"),
    )
    assert worker_row(store, "2026-01", "w2")["caseload"]["company_consultant"] == 1
    assert worker_row(store, "2026-01", "w1")["active_cases"] == 0
    send(store, ev("worker_unassigned", "c1", local("2026-01-14T09:00"), worker_id="w2", role="company_consultant"))
    assert worker_row(store, "2026-01", "w2")["active_cases"] == 0
    # it had a consultant once, so it is not waiting for one
    assert team_row(store, "2026-01")["waiting_for_company_consultant"] == 0


def test_same_instant_events_are_ordered_by_arrival(store):
    at = local("2026-01-11T09:00")
    send(store, opened("c1", local("2026-01-10T09:00")))
    send(store, ev("worker_assigned", "c1", at, worker_id="w1", role="caseworker"))
    send(store, ev("worker_assigned", "c1", at, worker_id="w2", role="caseworker"))
    assert worker_row(store, "2026-01", "w2")["active_cases"] == 1
    assert worker_row(store, "2026-01", "w1")["active_cases"] == 0


def test_placement_ended_and_restarted(store):
    send(
        store,
        opened("c1", local("2026-01-05T09:00")),
        ev("placement_started", "c1", local("2026-01-10T09:00"), placement_id="p1"),
        ev("placement_ended", "c1", local("2026-02-10T09:00"), placement_id="p1"),
        ev("placement_started", "c1", local("2026-02-20T09:00"), placement_id="p2", employer="Bygma"),
    )
    jan, feb = team_row(store, "2026-01"), team_row(store, "2026-02")
    assert jan["in_placement"] == 1 and jan["placement_starts"] == 1
    assert feb["in_placement"] == 1 and feb["placement_starts"] == 1
    # within February, the end came before t: a case ended and not restarted would be out
    send(store, ev("placement_ended", "c1", local("2026-02-25T09:00"), placement_id="p2"))
    assert team_row(store, "2026-02")["in_placement"] == 0


def test_hours_re_reported_latest_by_time_then_arrival(store):
    send(
        store,
        opened("c1", local("2026-01-05T09:00")),
        ev("hours_reported", "c1", local("2026-02-05T09:00"), month="2026-01", hours=20),
        ev("hours_reported", "c1", local("2026-02-03T09:00"), month="2026-01", hours=5),
    )
    jan = team_row(store, "2026-01")
    assert jan["with_ordinary_hours"] == 1 and jan["ordinary_hours"] == 20
    send(store, ev("hours_reported", "c1", local("2026-02-05T09:00"), month="2026-01", hours=0))
    jan = team_row(store, "2026-01")
    assert jan["with_ordinary_hours"] == 0 and jan["ordinary_hours"] == 0


def test_hours_reported_after_t_count_for_the_current_month(store):
    now = local("2026-04-10T12:00")
    send(
        store,
        opened("c1", local("2026-03-05T09:00")),
        ev("hours_reported", "c1", local("2026-05-03T09:00"), month="2026-04", hours=12.5),
    )
    row = team_row(store, "2026-04", now=now)
    assert row["with_ordinary_hours"] == 1 and row["ordinary_hours"] == 12.5


def test_follow_up_due_is_31_times_24_hours_across_dst(store):
    # Placement starts 2026-03-10 10:00 local (CET); 31×24 h later is 2026-04-10 11:00 CEST.
    start = local("2026-03-10T10:00")
    send(
        store,
        opened("c1", local("2026-03-01T09:00")),
        ev("placement_started", "c1", start, placement_id="p1"),
    )
    due = start + timedelta(hours=31 * 24)
    assert due == local("2026-04-10T11:00")
    assert team_row(store, "2026-04", now=due - timedelta(microseconds=1))["follow_up_overdue"] == 0
    assert team_row(store, "2026-04", now=due)["follow_up_overdue"] == 1
    board = service(store, due).board("w-none")
    assert board["cases"] == []


def test_follow_up_resets_deadline_only_from_earliest_open_placement(store):
    send(
        store,
        opened("c1", local("2026-01-01T09:00")),
        ev("follow_up_held", "c1", local("2026-01-02T09:00"), participants=["citizen"]),
        ev("placement_started", "c1", local("2026-01-05T09:00"), placement_id="p1"),
        ev("placement_started", "c1", local("2026-01-20T09:00"), placement_id="p2"),
        ev("follow_up_held", "c1", local("2026-01-25T09:00"),
           participants=["citizen", "caseworker", "company_consultant"]),
    )
    jan = team_row(store, "2026-01")
    assert jan["follow_ups"] == 2 and jan["three_party_follow_ups"] == 1
    # due 2026-02-25 09:00: not overdue at the end of January, overdue at the end of February
    assert jan["follow_up_overdue"] == 0
    assert team_row(store, "2026-02")["follow_up_overdue"] == 1


def test_late_event_restates_a_closed_month(store):
    send(store, opened("c1", local("2026-01-05T09:00")))
    svc = service(store)
    svc.close_month("2026-01", team_id=None, closed_by="test")
    send(store, ev("cv_completed", "c1", local("2026-01-20T09:00")))
    assert team_row(store, "2026-01")["cv_done"] == 1
    closed = svc.closed_month("2026-01")
    row = next(r for r in closed["rows"] if r["team_id"] == "A" and r["worker_id"] is None)
    assert row["frozen"]["cv_done"] == 0 and row["live"]["cv_done"] == 1
    assert row["difference"]["cv_done"] == 1


def test_empty_team_and_future_month(store):
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO teams (team_id, name, updated_at) VALUES ('E', 'Empty', '2026-01-01')"
        )
    rows = service(store).milestones("2026-03", "team")["rows"]
    empty = next(r for r in rows if r["team_id"] == "E")
    assert empty["active_cases"] == 0 and empty["placement_share"] is None and empty["cv_share"] is None
    assert empty["median_days_to_company_consultant"] is None
    with pytest.raises(FutureMonth):
        service(store).milestones("2026-05", "team")


def test_current_month_uses_now(store):
    send(
        store,
        opened("c1", local("2026-04-02T09:00")),
        opened("c2", local("2026-04-20T09:00")),  # after now: not yet
    )
    result = service(store).milestones("2026-04", "team")
    assert result["as_of"] == NOW.isoformat()
    assert next(r for r in result["rows"] if r["team_id"] == "A")["active_cases"] == 1


def test_median_days_to_company_consultant(store):
    send(
        store,
        opened("c1", local("2026-01-05T00:00")),
        ev("worker_assigned", "c1", local("2026-01-06T12:00"), worker_id="w1", role="company_consultant"),
        opened("c2", local("2026-01-05T00:00")),
        ev("worker_assigned", "c2", local("2026-01-04T12:00"), worker_id="w1", role="company_consultant"),
        opened("c3", local("2026-01-05T00:00")),
        ev("worker_assigned", "c3", local("2026-01-08T00:00"), worker_id="w2", role="company_consultant"),
        ev("worker_assigned", "c3", local("2026-01-07T00:00"), worker_id="w3", role="caseworker"),
        opened("c4", local("2026-01-05T00:00")),
        ev("worker_assigned", "c4", local("2026-02-08T00:00"), worker_id="w2", role="company_consultant"),
    )
    jan = team_row(store, "2026-01")
    assert jan["median_days_to_company_consultant"] == 1.5  # 0.0, 1.5, 3.0
    assert jan["waiting_for_company_consultant"] == 1
    assert team_row(store, "2026-02")["median_days_to_company_consultant"] is None


def test_readiness_phase_cv_share_and_caseload_norm_flag(store):
    events = [opened(f"c{i}", local("2026-01-05T09:00")) for i in range(52)]
    events += [
        ev("worker_assigned", f"c{i}", local("2026-01-06T09:00"), worker_id="w1", role="caseworker")
        for i in range(52)
    ]
    events += [
        ev("readiness_assessed", "c0", local("2026-01-07T09:00"), level="far"),
        ev("readiness_assessed", "c0", local("2026-01-08T09:00"), level="ready"),
        ev("phase_changed", "c1", local("2026-01-08T09:00"), phase="teaching"),
        ev("cv_completed", "c2", local("2026-01-08T09:00")),
    ]
    send(store, *events)
    row = worker_row(store, "2026-01", "w1")
    assert row["readiness"]["ready"] == 1 and row["readiness"]["unknown"] == 51
    assert row["phases"] == {"teaching": 1}
    assert row["cv_share"] == 1 / 52
    assert row["caseload"]["caseworker"] == 52
    assert row["caseload_flags"] == {"caseworker": "above"}
    service(store).put_norms([{"role": "caseworker", "low": 40, "high": 60}])
    assert worker_row(store, "2026-01", "w1")["caseload_flags"] == {}


def test_events_before_case_opened_count_once_it_arrives(store):
    send(store, ev("cv_completed", "c1", local("2026-01-07T09:00")))
    assert team_row(store, "2026-01")["active_cases"] == 0
    send(store, opened("c1", local("2026-01-05T09:00")))
    assert team_row(store, "2026-01")["cv_done"] == 1


def test_funnel_counts_cohort_as_known_now(store):
    send(
        store,
        opened("c1", local("2026-01-05T09:00"), programme="mestring"),
        ev("enrolled", "c1", local("2026-01-10T09:00")),
        ev("case_closed", "c1", local("2026-03-10T09:00"), reason="completed", outcome="education"),
        opened("c2", local("2026-01-06T09:00"), programme="mestring"),
        ev("case_closed", "c2", local("2026-03-10T09:00"), reason="completed"),
        opened("c3", local("2026-02-06T09:00"), programme="default"),
        opened("c4", local("2026-03-06T09:00"), programme="mestring"),
    )
    result = service(store).funnel("mestring", "2026-01", "2026-03")
    row = next(r for r in result["rows"] if r["team_id"] == "A")
    assert (row["referred"], row["started"], row["completed"]) == (2, 1, 2)
    assert {k: v for k, v in row["outcomes"].items() if v} == {"education": 1, "none": 1}


def test_targets_goals_and_status(store):
    send(
        store,
        *[opened(f"c{i}", local("2026-01-05T09:00")) for i in range(10)],
        *[ev("placement_started", f"c{i}", local("2026-03-02T09:00"), placement_id="p1") for i in range(4)],
        # the running month's figure is not what a goal is planned from
        *[ev("placement_started", f"c{i}", local("2026-04-02T09:00"), placement_id="p1") for i in range(4, 6)],
    )
    svc = service(store)
    # planned from March (4), the last complete month, not from April (6) still running
    goals = svc.put_goals([{"team_id": "A", "metric": "in_placement", "value": 10, "by": "2026-06"}])
    assert [m["value"] for m in goals[0]["milestones"]] == [6.0, 8.0, 10.0]
    svc.put_targets([{"team_id": "A", "metric": "in_placement", "month": "2026-04", "value": 6.6}])
    row = team_row(store, "2026-04")
    assert row["targets"]["in_placement"] == {"target": 6.6, "status": "at_risk"}
    # the goal re-plans in May from April's figure (6); April keeps its milestone
    may = datetime(2026, 5, 3, tzinfo=UTC)
    svc_may = service(store, may)
    svc_may.milestones("2026-05", "team")
    goal = svc_may.get_goals()[0]
    assert [(m["month"], m["value"]) for m in goal["milestones"]] == [
        ("2026-04", 6.0), ("2026-05", 8.0), ("2026-06", 10.0)
    ]
    trend = svc_may.trend("in_placement", "2026-03", "2026-06", team_id="A")
    assert [p["target"] for p in trend["points"]] == [None, 6.6, 8.0, 10.0]
    assert [p["value"] for p in trend["points"]] == [4, 6, 6, None]


def test_board_columns(store):
    send(
        store,
        opened("c1", local("2026-03-01T09:00")),
        ev("worker_assigned", "c1", local("2026-03-01T10:00"), worker_id="w1", role="caseworker"),
        ev("worker_assigned", "c1", local("2026-03-02T10:00"), worker_id="w2", role="company_consultant"),
        ev("placement_started", "c1", local("2026-03-05T09:00"), placement_id="p1", employer="Jysk", kind="wage_subsidy"),
        ev("hours_reported", "c1", local("2026-04-02T09:00"), month="2026-03", hours=30),
        ev("readiness_assessed", "c1", local("2026-03-03T09:00"), level="close"),
    )
    board = service(store).board("w1")
    (row,) = board["cases"]
    assert row["case_id"] == "c1" and row["roles"] == ["caseworker"]
    assert row["other_holders"] == {"company_consultant": "w2"}
    assert row["placement"]["employer"] == "Jysk" and row["placement"]["kind"] == "wage_subsidy"
    assert row["overdue"] is True and row["readiness"] == "close"
    assert row["hours_last_month"] == 30 and row["hours_this_month"] is None
    assert row["days_since_opened"] == 45 and len(row["citizen"]) == 8
    assert row["latest_event_at"] == local("2026-04-02T09:00").isoformat()
