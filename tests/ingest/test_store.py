"""The event store's delivery rules (events.md): idempotency, one of each per case, quarantine,
pseudonyms — on SQLite and PostgreSQL."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import text

from tests.conftest import CITIZENS


def opened(event_id="o1", case_id="c1", when="2026-01-05", **extra):
    return {"event_id": event_id, "type": "case_opened", "case_id": case_id, "occurred_at": when,
            "citizen": CITIZENS[0], "team_id": "t1", **extra}


def event(event_id, kind, case_id="c1", when="2026-02-01T10:00:00", **fields):
    return {"event_id": event_id, "type": kind, "case_id": case_id, "occurred_at": when, **fields}


def rows(store, sql):
    with store.engine.connect() as connection:
        return list(connection.execute(text(sql)))


def test_a_batch_is_stored_and_counted(store):
    summary = store.append([opened(), event("e1", "enrolled"), event("e2", "cv_completed")], origin="test")
    assert (summary.accepted, summary.duplicates, summary.rejected) == (3, 0, 0)
    assert [r.type for r in rows(store, "SELECT type FROM events ORDER BY seq")] == [
        "case_opened", "enrolled", "cv_completed"]


def test_same_key_same_content_is_a_duplicate_stored_once(store):
    store.append([opened()], origin="test")
    # The same instant written another way, and defaults written out, are the same content.
    again = opened(when="2026-01-05T00:00:00+01:00", programme="default")
    summary = store.append([again], origin="test")
    assert (summary.accepted, summary.duplicates, summary.rejected) == (0, 1, 0)
    assert rows(store, "SELECT count(*) FROM events")[0][0] == 1


def test_duplicates_inside_one_batch_are_stored_once(store):
    e = event("e1", "follow_up_held", participants=["citizen", "caseworker"])
    reordered = event("e1", "follow_up_held", participants=["caseworker", "citizen"])
    summary = store.append([e, reordered, e], origin="test")
    assert (summary.accepted, summary.duplicates) == (1, 2)


def test_same_key_different_content_is_a_conflict_kept_in_quarantine(store):
    store.append([event("e1", "readiness_assessed", level="ready")], origin="test")
    summary = store.append([event("e1", "readiness_assessed", level="far")], origin="test")
    assert summary.rejected == 1
    assert "conflict" in summary.errors[0].reason
    assert summary.errors[0].event_id == "e1"
    quarantined = rows(store, "SELECT reason, event_id, payload FROM quarantine")
    assert len(quarantined) == 1 and "conflict" in quarantined[0].reason
    assert orjson.loads(quarantined[0].payload)["level"] == "far"


def test_the_key_is_per_source(store):
    a = {**event("e1", "enrolled"), "source": "fasit"}
    b = {**event("e1", "enrolled", when="2026-03-01"), "source": "excel"}
    summary = store.append([a, b, event("e1", "cv_completed")], origin="test")
    assert summary.accepted == 3


def test_an_invalid_event_claims_no_key(store):
    bad = event("e1", "readiness_assessed", level="maybe")
    first = store.append([bad], origin="test")
    assert first.rejected == 1 and "level" in first.errors[0].reason
    fixed = store.append([event("e1", "readiness_assessed", level="close")], origin="test")
    assert fixed.accepted == 1


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        (opened("o2"), "already opened"),
        (event("x2", "case_closed", reason="moved"), "already closed"),
        (event("x2", "placement_started", placement_id="p1"), "already started"),
        (event("x2", "placement_ended", placement_id="p1", when="2026-03-02"), "already ended"),
    ],
)
def test_one_of_each_per_case(store, second, reason):
    store.append(
        [opened(), event("c", "case_closed", when="2026-06-01", reason="completed"),
         event("s", "placement_started", placement_id="p1"),
         event("e", "placement_ended", placement_id="p1", when="2026-03-01")],
        origin="test",
    )
    summary = store.append([second], origin="test")
    assert summary.rejected == 1 and reason in summary.errors[0].reason
    # Another case and another placement id are fine.
    other = store.append([opened("o9", case_id="c9"), event("s2", "placement_started", placement_id="p2")], origin="test")
    assert other.accepted == 2


def test_one_of_each_also_inside_a_batch(store):
    summary = store.append([opened("o1"), opened("o2")], origin="test")
    assert (summary.accepted, summary.rejected) == (1, 1)
    assert summary.errors[0].index == 1


def test_a_placement_cannot_end_before_it_started_whichever_arrives_first(store):
    start = event("s", "placement_started", placement_id="p1", when="2026-03-10")
    early_end = event("e", "placement_ended", placement_id="p1", when="2026-03-01")
    assert store.append([start, early_end], origin="test").rejected == 1
    other_start = event("s2", "placement_started", placement_id="p2", when="2026-03-10")
    store.append([event("e2", "placement_ended", placement_id="p2", when="2026-03-01")], origin="test")
    summary = store.append([other_start], origin="test")
    assert summary.rejected == 1 and "after its placement_ended" in summary.errors[0].reason
    same_instant = [event("s3", "placement_started", placement_id="p3", when="2026-03-10"),
                    event("e3", "placement_ended", placement_id="p3", when="2026-03-10")]
    assert store.append(same_instant, origin="test").accepted == 2


def test_events_before_their_case_opened_are_kept(store):
    summary = store.append([event("e1", "cv_completed", case_id="later"), opened(case_id="later")], origin="test")
    assert summary.accepted == 2


def test_the_citizen_is_replaced_by_a_pseudonym_before_anything_is_written(store):
    store.append([opened()], origin="test")
    store.append([opened("o2", case_id="c2", citizen=CITIZENS[0])], origin="test")
    payloads = [orjson.loads(r.payload) for r in rows(store, "SELECT payload FROM events ORDER BY seq")]
    assert "citizen" not in payloads[0]
    assert len(payloads[0]["citizen_pseudonym"]) == 64
    # Same citizen, same pseudonym: cases of one person can be linked without knowing who.
    assert payloads[0]["citizen_pseudonym"] == payloads[1]["citizen_pseudonym"]
    dump = str(rows(store, "SELECT * FROM events"))
    assert CITIZENS[0] not in dump


def test_citizen_anywhere_else_is_refused_and_scrubbed_in_quarantine(store):
    sneaky = [
        event("e1", "enrolled", citizen=CITIZENS[1]),
        event("e2", "enrolled", note={"citizen": CITIZENS[1]}),
        event("e3", "follow_up_held", extra=[{"x": {"citizen": CITIZENS[1]}}]),
        opened("o1", citizen_pseudonym="a" * 64),
    ]
    summary = store.append(sneaky, origin="test")
    assert summary.rejected == 4
    for error in summary.errors:
        assert CITIZENS[1] not in error.reason
    dump = str(rows(store, "SELECT * FROM quarantine"))
    assert CITIZENS[1] not in dump
    assert "citizen_pseudonym" in dump


def test_case_opened_without_citizen_is_refused(store):
    e = opened()
    del e["citizen"]
    summary = store.append([e], origin="test")
    assert summary.rejected == 1 and "citizen" in summary.errors[0].reason


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (event("e", "nope"), "type"),
        ({"type": "enrolled", "case_id": "c", "occurred_at": "2026-01-01"}, "event_id"),
        (event("e", "enrolled", when="soon"), "occurred_at"),
        (event("e", "hours_reported", month="2026-13", hours=5), "month"),
        (event("e", "hours_reported", month="2026-01", hours=800), "hours"),
        (event("e", "worker_assigned", worker_id="w1", role="boss"), "role"),
        (event("e", "case_closed", reason="completed", outcome="lottery"), "outcome"),
        (event("e" * 129, "enrolled"), "event_id"),
        ("not an object", "object"),
    ],
)
def test_bad_values_are_refused_with_a_reason_naming_the_field(store, raw, field):
    summary = store.append([raw], origin="test")
    assert summary.rejected == 1
    assert field in summary.errors[0].reason
    assert rows(store, "SELECT count(*) FROM quarantine")[0][0] == 1


def test_unknown_extra_fields_are_kept(store):
    store.append([event("e1", "enrolled", municipality="Aarhus")], origin="test")
    payload = orjson.loads(rows(store, "SELECT payload FROM events")[0].payload)
    assert payload["municipality"] == "Aarhus"


def test_times_are_stored_as_utc_instants(store):
    store.append([event("e1", "enrolled", when="2026-07-01")], origin="test")
    stored = rows(store, "SELECT occurred_at FROM events")[0][0]
    text_form = str(stored)
    assert text_form.startswith("2026-06-30 22:00:00")


def test_arrival_order_is_kept(store):
    for i in range(3):
        store.append([event(f"e{i}", "enrolled", when=f"2026-0{3 - i}-01")], origin="test")
    assert [r.event_id for r in rows(store, "SELECT event_id FROM events ORDER BY seq")] == ["e0", "e1", "e2"]


def test_listeners_hear_of_accepted_events_after_commit(store):
    heard = []
    store.listeners.append(lambda events: heard.extend(e.event_id for e in events))
    store.append([event("e1", "enrolled"), event("e1", "enrolled"), event("bad", "nope")], origin="test")
    assert heard == ["e1"]


def test_numeric_references_that_look_like_a_citizen_number_are_kept_as_sent(store):
    # 3-4 % of ten-digit case numbers start with a valid day and month.
    ids = ["2312151234", "0101801234"]
    events = [opened(f"o{i}", case_id=case_id) for i, case_id in enumerate(ids)]
    events += [event(f"p{i}", "placement_started", case_id=case_id, placement_id="1503991234")
               for i, case_id in enumerate(ids)]
    summary = store.append(events, origin="test")
    assert (summary.accepted, summary.rejected) == (4, 0), summary.errors
    assert {r.case_id for r in rows(store, "SELECT case_id FROM events")} == set(ids)


def test_a_citizen_number_in_free_text_is_refused_and_masked(store):
    summary = store.append([event("n1", "enrolled", note=f"ringede fra {CITIZENS[1]}")], origin="test")
    assert summary.rejected == 1 and "CPR" in summary.errors[0].reason
    assert CITIZENS[1] not in str(rows(store, "SELECT * FROM quarantine"))
