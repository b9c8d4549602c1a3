"""Retention erases old closed cases once, from any number of processes; `overblik case erase`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from ingest.retention import erase_expired, months_before
from tests.api.test_cli import cli_env, run
from tests.conftest import CITIZENS, bearer


def _case(case_id, opened, closed=None):
    events = [{"event_id": f"{case_id}-o", "type": "case_opened", "case_id": case_id, "occurred_at": opened,
               "team_id": "t1", "citizen": CITIZENS[0]}]
    if closed:
        events.append({"event_id": f"{case_id}-c", "type": "case_closed", "case_id": case_id,
                       "occurred_at": closed, "reason": "completed"})
    return events


def test_closed_cases_past_retention_are_erased_once(client, services, admin_token):
    events = _case("old-closed", "2019-01-07", "2020-03-02") + _case("recent-closed", "2025-01-06", "2026-01-05")
    events += _case("old-open", "2019-01-07")
    assert client.post("/api/v1/events", json=events, headers=bearer(admin_token)).json()["accepted"] == 5
    now = datetime(2026, 3, 1, tzinfo=UTC)
    forgotten: list[str] = []
    assert erase_expired(services.engine, 60, now=now, on_erased=forgotten.append) == 1
    assert erase_expired(services.engine, 60, now=now) == 0  # a second process finds nothing left
    assert forgotten == ["old-closed"]
    with services.engine.connect() as connection:
        cases = {r[0] for r in connection.execute(text("SELECT DISTINCT case_id FROM events"))}
        entries = list(connection.execute(text("SELECT actor, action, detail FROM audit_log")))
    assert cases == {"recent-closed", "old-open"}
    assert len(entries) == 1 and entries[0][:2] == ("retention", "erase_case") and "old-closed" not in str(entries)


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 60) == datetime(2021, 1, 15, tzinfo=UTC)


@pytest.mark.process
def test_case_erase_on_the_command_line(db_url, tmp_path, services, client, admin_token):
    client.post("/api/v1/events", json=_case("cli-case", "2026-01-05"), headers=bearer(admin_token))
    env = cli_env(db_url, tmp_path)
    result = run(["case", "erase", "cli-case", "--yes"], env)
    assert "erased 1 events" in result.stdout and "cli-case" not in result.stdout
    assert run(["case", "erase", "cli-case", "--yes"], env, check=False).returncode == 1
    with services.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 0
        assert connection.execute(text("SELECT actor FROM audit_log")).scalar().startswith("cli:")
