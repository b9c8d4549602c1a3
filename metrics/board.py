"""The worker's case board: one row per active case the worker holds, as it stands now."""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from metrics.calendar import (
    DAY_US,
    format_month,
    from_us,
    month_of,
    parse_month,
    previous_month,
    to_us,
)
from metrics.casestate import CaseHistory

CITIZEN_SHORT = 8  # enough to tell the citizens of one caseload apart, too short to look up


def _iso(value: int | None) -> str | None:
    return None if value is None else from_us(value).isoformat()


def board_rows(
    cases: list[CaseHistory], worker_id: str, now: datetime, zone: ZoneInfo
) -> list[dict[str, Any]]:
    t = to_us(now)
    this_month = month_of(now, zone)
    last_month = format_month(*previous_month(*parse_month(this_month)))
    rows = []
    for case in cases:
        if not case.active(t):
            continue
        state = case.state(t)
        roles = sorted(role for role, worker in state.holders.items() if worker == worker_id)
        if not roles:
            continue
        placement = state.placement
        latest_index = bisect_left(case.event_times, t) - 1
        rows.append(
            {
                "case_id": case.case_id,
                "citizen": (case.citizen or "")[:CITIZEN_SHORT] or None,
                "roles": roles,
                "other_holders": {
                    role: worker
                    for role, worker in sorted(state.holders.items())
                    if worker != worker_id
                },
                "team_id": state.team,
                "opened_at": _iso(case.opened),
                "days_since_opened": (t - case.opened) // DAY_US,
                "has_cv": state.has_cv,
                "readiness": state.readiness,
                "phase": state.phase,
                "placement": (
                    {
                        "placement_id": placement.placement_id,
                        "employer": placement.employer,
                        "kind": placement.kind,
                        "since": _iso(placement.started),
                    }
                    if placement is not None
                    else None
                ),
                "open_placements": len(state.open_placements),
                "follow_up_due": _iso(state.follow_up_due),
                "overdue": state.overdue,
                "hours_last_month": case.hours_for(last_month),
                "hours_this_month": case.hours_for(this_month),
                "latest_event_at": _iso(case.event_times[latest_index]) if latest_index >= 0 else None,
            }
        )
    rows.sort(key=lambda r: (not r["overdue"], r["follow_up_due"] or "~", r["case_id"]))
    return rows
