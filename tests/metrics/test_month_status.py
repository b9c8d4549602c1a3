"""Honest month status (metrics.md, "Targets and milestones"): pro-rated, not reported yet, forecast."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.calendar import add_months, format_month
from metrics.month_status import MonthClock, forecast, working_days
from tests.metrics import reference
from tests.metrics.conftest import ZONE, local
from tests.metrics.test_figures import ev, opened, send, service

HOURS = ("with_ordinary_hours", "ordinary_hours")


def clock_on(day: str, month: str | None = None, reporting_day: int = 10) -> MonthClock:
    now = local(f"{day}T09:00")
    return MonthClock.of(month or day[:7], now, ZONE, reporting_day)


def test_first_of_the_month_is_not_behind():
    december = clock_on("2026-12-01")
    assert december.running and december.working_days == 23 and december.working_days_elapsed == 0
    # 1 of 32 placements started on the 1st: no working day is over, nothing is behind yet
    assert december.compared_with("placement_starts", 32) == 0
    assert december.status("placement_starts", 1, 32) == "on_track"
    assert december.status("placement_starts", 0, 32) == "on_track"


def test_a_flow_is_held_against_its_target_pro_rated_to_the_working_days_over():
    mid = clock_on("2026-12-15")  # Tuesday: 1–4, 7–11 and 14 December are over
    assert mid.working_days_elapsed == 10
    assert mid.compared_with("placement_starts", 23) == 10
    assert mid.status("placement_starts", 10, 23) == "on_track"
    assert mid.status("placement_starts", 9, 23) == "at_risk"
    assert mid.status("placement_starts", 8, 23) == "behind"
    # a Saturday adds no working day
    assert clock_on("2026-12-05").working_days_elapsed == clock_on("2026-12-07").working_days_elapsed == 4


def test_a_stock_is_held_against_the_full_target_in_the_running_month():
    first = clock_on("2026-12-01")
    assert first.compared_with("in_placement", 32) == 32
    assert first.status("in_placement", 30, 32) == "at_risk"
    assert first.status("in_placement", 1, 32) == "behind"
    assert first.status("placement_share", 0.5, 0.5) == "on_track"


def test_ordinary_hours_have_no_status_until_their_reporting_deadline_has_passed():
    for metric in HOURS:
        on_5th = clock_on("2026-12-05", "2026-11")
        assert not on_5th.reported(metric) and on_5th.status(metric, 0, 30) is None
        assert clock_on("2026-12-10", "2026-11").status(metric, 0, 30) is None  # the deadline day itself
        on_11th = clock_on("2026-12-11", "2026-11")
        assert on_11th.reported(metric) and on_11th.status(metric, 0, 30) == "behind"
        assert on_11th.status(metric, 30, 30) == "on_track"  # a closed month: the full target
        # the running month's hours are not reported either
        assert clock_on("2026-12-20").status(metric, 100, 1) is None
        # the deadline is a setting
        assert clock_on("2026-12-05", "2026-11", reporting_day=3).status(metric, 27, 30) == "at_risk"
    assert clock_on("2026-12-05", "2026-11").reported("placement_starts")


def test_a_closed_month_is_held_against_the_full_target():
    november = clock_on("2026-12-01", "2026-11")
    assert not november.running and november.working_days_elapsed == november.working_days == 21
    assert november.status("placement_starts", 28, 32) == "behind"
    assert november.status("placement_starts", 29, 32) == "at_risk"


def test_forecast_from_the_profile_of_past_months():
    # 10 so far; past months had 40 %, 50 % and 50 % of their flow by the same working day
    assert forecast(10, 5, 20, [0.4, 0.5, 0.5]) == {"low": 20, "expected": 20, "high": 25}
    assert forecast(10, 5, 20, []) == {"low": 40, "expected": 40, "high": 40}  # straight pace
    assert forecast(3, 0, 20, [0.5]) is None  # no working day over yet
    assert forecast(7, 20, 20, [0.5]) == {"low": 7, "expected": 7, "high": 7}


months = st.builds(lambda y, m: format_month(y, m), st.integers(2000, 2100), st.integers(1, 12))
metrics = st.sampled_from(("placement_starts", "in_placement", "cv_share", *HOURS))


@settings(max_examples=60, deadline=None)
@given(months, st.integers(0, 45), metrics, st.floats(0, 500), st.floats(0.01, 500), st.integers(1, 28))
def test_status_agrees_with_the_reference(month, offset, metric, value, target, reporting_day):
    today = date.fromisoformat(f"{month}-01") + timedelta(days=offset)
    clock = MonthClock(month, today, today.strftime("%Y-%m") == month, reporting_day)
    expected = reference.target_status(metric, value, target, month, today, reporting_day)
    assert clock.status(metric, value, target) == expected


@given(months, st.floats(0.01, 1000))
def test_the_pro_rated_target_grows_from_0_to_the_target(month, target):
    first = date.fromisoformat(f"{month}-01")
    days = [first + timedelta(days=k) for k in range(31) if (first + timedelta(days=k)).strftime("%Y-%m") == month]
    values = [MonthClock(month, day, True).compared_with("placement_starts", target) for day in days]
    assert values[0] == 0 and values == sorted(values) and values[-1] <= target
    after = MonthClock(month, date.fromisoformat(f"{add_months(month, 1)}-01"), False)
    assert after.compared_with("placement_starts", target) == target
    assert len(working_days(month)) in range(20, 24)


@given(st.floats(0, 1000), st.integers(1, 23), st.integers(0, 23),
       st.lists(st.floats(0, 1), max_size=6))
def test_a_forecast_range_is_ordered_and_never_below_what_is_there(value, total, elapsed, shares):
    result = forecast(value, min(elapsed, total), total, shares)
    if elapsed == 0:
        assert result is None
    else:
        assert value <= result["low"] <= result["expected"] <= result["high"]


def test_the_forecast_of_a_team_from_its_past_months_profile(store):
    """Past months had 25 % or 50 % of their placement starts by their 5th working day's end;
    3 by the 5th in December forecast 6–12, 8 expected."""
    events = []
    case = 0
    for month, early in zip(("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"),
                            (2, 4, 2, 4, 2, 4), strict=True):
        first = working_days(month)[0].isoformat()
        for k in range(8):
            case += 1
            events.append(opened(f"c{case}", local("2026-05-04T09:00")))
            at = local(f"{first}T10:00") if k < early else local(f"{month}-25T10:00")
            events.append(ev("placement_started", f"c{case}", at, placement_id="p1"))
    for k in range(3):
        case += 1
        events += [opened(f"c{case}", local("2026-05-04T09:00")),
                   ev("placement_started", f"c{case}", local(f"2026-12-0{k + 1}T10:00"), placement_id="p1")]
    send(store, *events)
    svc = service(store, local("2026-12-08T10:00"))  # Tuesday: 1–4 and 7 December are over
    svc.put_targets([{"team_id": "A", "metric": "placement_starts", "month": "2026-12", "value": 10}])
    (row,) = svc.milestones("2026-12", "team", "A")["rows"]
    progress = row["month_progress"]["placement_starts"]
    assert progress["working_days_elapsed"] == 5 and progress["compared_with"] == 10 * 5 / 23
    assert progress["forecast"] == {"low": 6, "expected": 8, "high": 12}
    assert row["targets"]["placement_starts"] == {"target": 10, "status": "on_track"}
    assert row["month_progress"]["in_placement"]["forecast"] is None  # a stock has none
    assert row["month_progress"]["with_ordinary_hours"] == {
        "reported": False, "working_days_elapsed": 5, "working_days": 23, "compared_with": None, "forecast": None}
