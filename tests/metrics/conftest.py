"""Helpers of the metrics tests: events in, figures out of the fast path and the reference."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import select

from core.database import as_utc
from core.models import Event
from metrics.milestones import team_rows, worker_rows
from metrics.readmodel import ReadModel
from tests.metrics.reference import Ev, without_retracted

ZONE = ZoneInfo("Europe/Copenhagen")
DICT_FIELDS = ("caseload", "readiness", "phases", "closed", "outcomes")


def reference_cases(engine) -> dict[str, list[Ev]]:
    """Every stored event, read back plainly through the ORM, grouped by case; the log is read
    as docs/events-extensions.md says: without retracted events and without the retractions."""
    with engine.connect() as connection:
        rows = [(r.case_id, r.source, r.event_id, r.type, orjson.loads(r.payload), r.seq, r.occurred_at)
                for r in connection.execute(select(Event).order_by(Event.seq))]
    cases: dict[str, list[Ev]] = {}
    for case_id, _source, _event_id, event_type, payload, seq, occurred_at in without_retracted(rows):
        cases.setdefault(case_id, []).append(Ev(seq, event_type, case_id, as_utc(occurred_at), payload))
    return cases


def without_zeros(row: dict) -> dict:
    """A row with 0-valued keys of object figures left out (metrics.md allows either)."""
    out = dict(row)
    for name in DICT_FIELDS:
        if isinstance(out.get(name), dict):
            out[name] = {k: v for k, v in out[name].items() if v}
    return out


def assert_rows_as_reference(figures, org, expected: dict, where) -> None:
    """The read model's team and worker rows of a window (`figures`) are the reference model's
    (`expected`, by ("team" | "worker", id)), 0-valued object keys aside."""
    fast = {("team", r["team_id"]): r for r in team_rows(figures, org)}
    fast.update({("worker", r["worker_id"]): r for r in worker_rows(figures, org)})
    assert set(fast) == set(expected), where
    for key, row in expected.items():
        got = without_zeros({k: v for k, v in fast[key].items() if k in row})
        assert got == without_zeros(row), (where, key)


def local(text: str) -> datetime:
    """A local Copenhagen wall-clock time as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def model(store) -> ReadModel:
    return ReadModel(store.engine, ZONE)
