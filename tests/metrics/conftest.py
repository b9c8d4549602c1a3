"""Helpers of the metrics tests: events in, figures out of the fast path and the reference."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import select

from core.database import as_utc
from core.models import Event
from metrics.readmodel import ReadModel
from tests.metrics.reference import Ev

ZONE = ZoneInfo("Europe/Copenhagen")
DICT_FIELDS = ("caseload", "readiness", "phases", "closed", "outcomes")


def reference_cases(engine) -> dict[str, list[Ev]]:
    """Every stored event, read back plainly through the ORM, grouped by case; the log is read
    as docs/events-extensions.md says: without retracted events and without the retractions."""
    with engine.connect() as connection:
        rows = list(connection.execute(select(Event).order_by(Event.seq)))
    withdrawn = {(r.case_id, r.source, orjson.loads(r.payload)["retracts"]) for r in rows
                 if r.type == "event_retracted"}
    cases: dict[str, list[Ev]] = {}
    for row in rows:
        if row.type == "event_retracted" or (row.case_id, row.source, row.event_id) in withdrawn:
            continue
        cases.setdefault(row.case_id, []).append(
            Ev(row.seq, row.type, row.case_id, as_utc(row.occurred_at), orjson.loads(row.payload))
        )
    return cases


def without_zeros(row: dict) -> dict:
    """A row with 0-valued keys of object figures left out (metrics.md allows either)."""
    out = dict(row)
    for name in DICT_FIELDS:
        if isinstance(out.get(name), dict):
            out[name] = {k: v for k, v in out[name].items() if v}
    return out


def local(text: str) -> datetime:
    """A local Copenhagen wall-clock time as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def model(store) -> ReadModel:
    return ReadModel(store.engine, ZONE)
