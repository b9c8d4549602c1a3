"""The demo's live simulator over hours of simulated time: caseloads stay within their norm bands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest.simulation import generate_organisation, live_events
from metrics.norms import DEFAULT_NORMS

HOURS = 8
EVENTS_PER_SECOND = 1  # the demo posts 3 events every 3 seconds


def test_caseloads_stay_within_their_norm_bands_over_hours_of_live_simulation():
    org = generate_organisation(seed=7, teams=6, workers_per_team=12, mentor_team=True)
    instant = [datetime(2026, 12, 1, 8, tzinfo=UTC)]
    stream = live_events(org, seed=3, now=lambda: instant[0])
    # each worker starts at the middle of the band, as the demo's history leaves them
    middle = {role: (band.low + band.high) // 2 for role, band in DEFAULT_NORMS.items() if band.low is not None}
    holder: dict[tuple[str, str], str] = {}  # (case, role) → worker
    load: dict[str, dict[str, int]] = {role: {} for role in middle}
    opened = closed = 0
    for hour in range(HOURS):
        for _ in range(3600 * EVENTS_PER_SECOND):
            event = next(stream)
            instant[0] += timedelta(seconds=1 / EVENTS_PER_SECOND)
            case = event["case_id"]
            if event["type"] == "case_opened":
                opened += 1
            elif event["type"] == "worker_assigned" and event["role"] in load:
                role = event["role"]
                previous = holder.get((case, role))
                if previous is not None:
                    load[role][previous] -= 1
                holder[(case, role)] = event["worker_id"]
                load[role][event["worker_id"]] = load[role].get(event["worker_id"], 0) + 1
            elif event["type"] == "case_closed":
                closed += 1
                for role in load:
                    worker = holder.pop((case, role), None)
                    if worker is not None:
                        load[role][worker] -= 1
        for role in ("caseworker", "company_consultant"):
            band = DEFAULT_NORMS[role]
            for worker, live in load[role].items():
                assert band.low <= middle[role] + live <= band.high, (hour, role, worker, live)
    assert closed > 100  # cases do close, and new ones take their places
    assert opened - closed <= sum(len(org.holders(t.team_id, "caseworker")) for t in org.teams) * 2
