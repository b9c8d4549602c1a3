"""Random histories in random order: the fast path equals the simple reference of the spec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.calendar import month_window
from metrics.milestones import Organisation, team_rows, worker_rows
from metrics.readmodel import CONCURRENT_US, ReadModel
from tests.metrics import reference
from tests.metrics.conftest import (
    ZONE,
    assert_rows_as_reference,
    local,
    reference_cases,
    without_zeros,
)

# Instants around month edges and both DST changes of 2026, so ties and edges are common.
INSTANTS = sorted(
    {
        local("2026-02-27T12:00"), local("2026-03-01T00:00"), local("2026-03-01T00:00") - timedelta(microseconds=1),
        local("2026-03-10T08:00"), local("2026-03-29T01:30"), local("2026-03-29T03:30"),
        local("2026-04-01T00:00"), local("2026-04-10T09:00"), local("2026-04-29T04:00"),
        local("2026-05-01T00:00"), local("2026-05-02T10:00"), local("2026-05-31T23:59"),
        local("2026-03-02T12:00") + timedelta(hours=31 * 24),
    }
)
NOW = local("2026-05-20T12:00")
MONTHS = ("2026-02", "2026-03", "2026-04", "2026-05")
TEAMS = ("A", "B")
WORKERS = ("w1", "w2", "w3")
CASES = ("c1", "c2", "c3", "c4")

instant = st.sampled_from(INSTANTS)
case = st.sampled_from(CASES)
role = st.sampled_from(("caseworker", "company_consultant", "mentor"))
event = st.one_of(
    st.builds(lambda c, t, tm: {"type": "case_opened", "case_id": c, "occurred_at": t, "citizen": f"x-{c}", "team_id": tm,
                                "programme": "default"}, case, instant, st.sampled_from(TEAMS)),
    st.builds(lambda c, t, tm: {"type": "case_transferred", "case_id": c, "occurred_at": t, "team_id": tm},
              case, instant, st.sampled_from((*TEAMS, "X"))),
    st.builds(lambda c, t, w, r: {"type": "worker_assigned", "case_id": c, "occurred_at": t, "worker_id": w, "role": r},
              case, instant, st.sampled_from(WORKERS), role),
    st.builds(lambda c, t, w, r: {"type": "worker_unassigned", "case_id": c, "occurred_at": t, "worker_id": w, "role": r},
              case, instant, st.sampled_from(WORKERS), role),
    st.builds(lambda c, t: {"type": "cv_completed", "case_id": c, "occurred_at": t}, case, instant),
    st.builds(lambda c, t, lv: {"type": "readiness_assessed", "case_id": c, "occurred_at": t, "level": lv},
              case, instant, st.sampled_from(("ready", "close", "far"))),
    st.builds(lambda c, t, p: {"type": "phase_changed", "case_id": c, "occurred_at": t, "phase": p},
              case, instant, st.sampled_from(("one", "two"))),
    st.builds(lambda c, t, p: {"type": "placement_started", "case_id": c, "occurred_at": t, "placement_id": p},
              case, instant, st.sampled_from(("p1", "p2", "p3"))),
    st.builds(lambda c, t, p: {"type": "placement_ended", "case_id": c, "occurred_at": t, "placement_id": p},
              case, instant, st.sampled_from(("p1", "p2", "p3"))),
    st.builds(lambda c, t, ps: {"type": "follow_up_held", "case_id": c, "occurred_at": t, "participants": ps},
              case, instant, st.lists(st.sampled_from(("citizen", "caseworker", "company_consultant", "mentor")), max_size=4)),
    st.builds(lambda c, t, m, h: {"type": "hours_reported", "case_id": c, "occurred_at": t, "month": m, "hours": h},
              case, instant, st.sampled_from(MONTHS), st.sampled_from((0.0, 7.5, 12.25, 37.0))),
    st.builds(lambda c, t, r, o: {"type": "case_closed", "case_id": c, "occurred_at": t, "reason": r, "outcome": o},
              case, instant, st.sampled_from(("completed", "moved")), st.sampled_from(("job", None))),
)


def _as_wire(events: list[dict]) -> list[dict]:
    out = []
    for number, raw in enumerate(events):
        item = {k: v for k, v in raw.items() if v is not None}
        item["event_id"] = f"h{number}"
        item["occurred_at"] = item["occurred_at"].astimezone(UTC).isoformat()
        out.append(item)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(event, min_size=1, max_size=40), st.integers(min_value=1, max_value=5))
def test_fast_path_equals_reference(store, events, batches):
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events")
    incremental = ReadModel(store.engine, ZONE)
    wire = _as_wire(events)
    size = max(1, len(wire) // batches)
    org = Organisation(("A",), {"w1": "A"})

    def build(figures):
        return [*team_rows(figures, org), *worker_rows(figures, org)]

    for start in range(0, len(wire), size):
        store.append(wire[start : start + size], origin="test")
        incremental.catch_up()
        for month in MONTHS:  # rows built between batches, kept only while no case's part moved
            incremental.month_rows(month_window(month, ZONE, NOW), "rows", build)
    rebuilt = ReadModel(store.engine, ZONE)
    rebuilt.catch_up()
    cases = reference_cases(store.engine)
    for month in MONTHS:
        window = month_window(month, ZONE, NOW)
        expected = reference.month_rows(cases, window.start, window.t, month, org.teams, org.workers)
        kept = incremental.month_rows(window, "rows", build)
        assert kept == build(rebuilt.month_figures(window)), month
        for model in (incremental, rebuilt):
            assert_rows_as_reference(model.month_figures(window), org, expected, month)
    # the funnel, too
    first, end = local("2026-02-01T00:00"), local("2026-05-01T00:00")
    from metrics.calendar import to_us
    from metrics.funnel import funnel_rows

    got = {
        r["team_id"]: without_zeros({k: v for k, v in r.items() if k != "team_id"})
        for r in funnel_rows(rebuilt.cases.values(), "default", to_us(first), to_us(end), to_us(NOW))
    }
    want = {k: without_zeros(v) for k, v in reference.funnel(cases, "default", first, end, NOW).items()}
    assert got == want


def test_reference_agrees_on_a_simulated_organisation(store):
    from ingest.simulation import generate_events, generate_organisation

    sim = generate_organisation(seed=3, teams=3, workers_per_team=5)
    events = list(generate_events(sim, cases=120, months=5, end_month="2026-04", seed=5))
    for start in range(0, len(events), 400):
        assert store.append(events[start : start + 400], origin="test").rejected == 0
    model = ReadModel(store.engine, ZONE)
    model.catch_up()
    cases = reference_cases(store.engine)
    org = Organisation(tuple(t.team_id for t in sim.teams), {w.worker_id: w.team_id for w in sim.workers})
    now = datetime(2026, 4, 18, 12, tzinfo=UTC)
    for month in ("2025-12", "2026-01", "2026-02", "2026-03", "2026-04"):
        window = month_window(month, ZONE, now)
        expected = reference.month_rows(cases, window.start, window.t, month, org.teams, org.workers)
        assert_rows_as_reference(model.month_figures(window), org, expected, month)


NOWS_IN_APRIL = sorted(
    {i for i in INSTANTS if local("2026-04-01T00:00") <= i < local("2026-05-01T00:00")}
    | {i + timedelta(microseconds=1) for i in INSTANTS if local("2026-04-01T00:00") <= i < local("2026-05-01T00:00")}
    | {local("2026-04-02T12:00") + timedelta(hours=31 * 24) - timedelta(days=30)}
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(event, min_size=1, max_size=40))
def test_current_month_kept_as_time_passes_equals_reference(store, events):
    """The current month is updated as `now` moves on (next events, follow-up deadlines)."""
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events")
    store.append(_as_wire(events), origin="test")
    model = ReadModel(store.engine, ZONE)
    model.catch_up()
    cases = reference_cases(store.engine)
    org = Organisation(("A",), {"w1": "A"})
    for now in NOWS_IN_APRIL:
        window = month_window("2026-04", ZONE, now)
        assert window.current
        expected = reference.month_rows(cases, window.start, window.t, "2026-04", org.teams, org.workers)
        assert_rows_as_reference(model.month_figures(window), org, expected, now)
    # an instant well before the last one asked (more than CONCURRENT_US) is computed on its own,
    # exactly, and the month kept at the last instant stays as it was
    last = NOWS_IN_APRIL[-1]
    kept = model._current
    for now in reversed(NOWS_IN_APRIL):
        if (last - now).total_seconds() * 1_000_000 <= CONCURRENT_US:
            continue
        window = month_window("2026-04", ZONE, now)
        expected = reference.month_rows(cases, window.start, window.t, "2026-04", org.teams, org.workers)
        assert_rows_as_reference(model.month_figures(window), org, expected, now)
    assert model._current is kept
