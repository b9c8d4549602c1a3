"""A case erased by one process disappears from the figures every other process holds."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core import audit
from ingest.erasure import erase_case
from metrics.readmodel import ReadModel
from tests.conftest import CITIZENS

ZONE = ZoneInfo("Europe/Copenhagen")


def opened(case_id: str) -> dict:
    return {"event_id": f"o-{case_id}", "type": "case_opened", "case_id": case_id,
            "occurred_at": "2026-01-05", "citizen": CITIZENS[0], "team_id": "t1"}


def test_a_model_in_another_process_forgets_an_erased_case(store):
    store.append([opened("keep"), opened("erase"), {
        "event_id": "cv", "type": "cv_completed", "case_id": "erase", "occurred_at": "2026-01-06"}],
        origin="test")
    elsewhere = ReadModel(store.engine, ZONE)  # as a web worker that did not erase
    elsewhere.catch_up()
    assert set(elsewhere.cases) == {"keep", "erase"}
    erase_case(store.engine, "erase")
    audit.record(store.engine, channel="cli", actor="cli", role="admin", action="erase_case",
                 detail="2 events, 0 quarantine entries")
    elsewhere.catch_up()
    assert set(elsewhere.cases) == {"keep"}
    assert "erase" not in elsewhere.team_cases.get("t1", set())
