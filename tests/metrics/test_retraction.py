"""event_retracted (docs/events-extensions.md): the figures read the log without the events it
names, whatever order they arrive in; a retracted "one of each" frees its place."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.calendar import month_window
from metrics.casestate import NEVER
from metrics.milestones import Organisation
from metrics.readmodel import ReadModel
from tests.metrics import reference
from tests.metrics.conftest import ZONE, assert_rows_as_reference, local, reference_cases
from tests.metrics.test_property import CASES, INSTANTS, MONTHS, NOW, _as_wire, event

retraction = st.builds(
    lambda c, t, k: {"type": "event_retracted", "case_id": c, "occurred_at": t, "retracts": f"h{k}"},
    st.sampled_from(CASES), st.sampled_from(INSTANTS), st.integers(min_value=0, max_value=39),
)


def _same_as_reference(models, store) -> None:
    cases = reference_cases(store.engine)
    org = Organisation(("A",), {"w1": "A"})
    for month in MONTHS:
        window = month_window(month, ZONE, NOW)
        expected = reference.month_rows(cases, window.start, window.t, month, org.teams, org.workers)
        for model in models:
            assert_rows_as_reference(model.month_figures(window), org, expected, month)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(event, event, retraction), min_size=1, max_size=40), st.integers(1, 5))
def test_retractions_in_any_order_equal_the_reference(store, events, batches):
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events")
    incremental = ReadModel(store.engine, ZONE)
    wire = _as_wire(events)
    size = max(1, len(wire) // batches)
    for start in range(0, len(wire), size):
        store.append(wire[start : start + size], origin="test")
        incremental.catch_up()
    rebuilt = ReadModel(store.engine, ZONE)
    rebuilt.catch_up()
    _same_as_reference((incremental, rebuilt), store)


def _open(case_id: str, when: str) -> list[dict]:
    return [
        {"event_id": f"{case_id}-o", "type": "case_opened", "case_id": case_id, "occurred_at": when,
         "citizen": f"x-{case_id}", "team_id": "A"},
        {"event_id": f"{case_id}-a", "type": "worker_assigned", "case_id": case_id, "occurred_at": when,
         "worker_id": "w1", "role": "caseworker"},
    ]


def test_a_retracted_close_reopens_the_case_and_it_may_be_closed_again(store):
    model = ReadModel(store.engine, ZONE)
    assert store.append([*_open("k1", "2026-03-02"),
                         {"event_id": "c1", "type": "case_closed", "case_id": "k1", "occurred_at": "2026-03-10",
                          "reason": "moved"}], origin="test").accepted == 3
    model.catch_up()
    t = int((local("2026-03-20T12:00").timestamp()) * 1_000_000)
    assert not model.cases["k1"].active(t)
    undo = {"event_id": "u1", "type": "event_retracted", "case_id": "k1", "occurred_at": "2026-03-10",
            "retracts": "c1"}
    assert store.append([undo], origin="test").accepted == 1
    model.catch_up()
    assert model.cases["k1"].active(t)
    again = {"event_id": "c2", "type": "case_closed", "case_id": "k1", "occurred_at": "2026-03-11",
             "reason": "completed", "outcome": "job"}
    assert store.append([again], origin="test").accepted == 1
    third = {**again, "event_id": "c3"}
    summary = store.append([third], origin="test")
    assert summary.rejected == 1 and "already closed" in summary.errors[0].reason
    model.catch_up()
    assert not model.cases["k1"].active(t) and model.cases["k1"].close_reason == "completed"
    _same_as_reference((model,), store)


def test_a_retraction_may_come_first_and_is_checked(store):
    model = ReadModel(store.engine, ZONE)
    store.append(_open("k2", "2026-03-02"), origin="test")
    early = {"event_id": "u2", "type": "event_retracted", "case_id": "k2", "occurred_at": "2026-03-05",
             "retracts": "cv-late"}
    assert store.append([early], origin="test").accepted == 1
    model.catch_up()
    late = {"event_id": "cv-late", "type": "cv_completed", "case_id": "k2", "occurred_at": "2026-03-04"}
    assert store.append([late], origin="test").accepted == 1
    model.catch_up()
    assert model.cases["k2"].cv == NEVER  # the retraction was there first
    # another source's event of that id is not touched; nor may a retraction cross cases or be retracted
    other = {**late, "event_id": "cv-late", "source": "other"}
    store.append([other], origin="test")
    model.catch_up()
    assert model.cases["k2"].cv < NEVER
    store.append(_open("k3", "2026-03-02"), origin="test")
    crossed = {"event_id": "u3", "type": "event_retracted", "case_id": "k3", "occurred_at": "2026-03-05",
               "retracts": "k2-o"}
    assert "another case" in store.append([crossed], origin="test").errors[0].reason
    undo_undo = {"event_id": "u4", "type": "event_retracted", "case_id": "k2", "occurred_at": "2026-03-05",
                 "retracts": "u2"}
    assert "cannot be retracted" in store.append([undo_undo], origin="test").errors[0].reason
    twice = {**early, "event_id": "u5"}
    assert "already retracted" in store.append([twice], origin="test").errors[0].reason
    model.catch_up()
    _same_as_reference((model,), store)
