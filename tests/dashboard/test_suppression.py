"""One small-number rule (metrics/suppression.py): counts of 1–4 people as "<5" unless the viewer
sees the team exactly; never a target, a duration, hours or a count of meetings; the same figure
shown alike in the team view, benchmarking, the meeting pack and the API for one viewer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dashboard import ids
from dashboard.i18n import shown
from metrics.calendar import month_of
from metrics.suppression import PRIMARY, hidden, sees_exactly


def test_counts_of_people_under_five_but_not_zero_are_suppressed():
    assert [hidden("placement_starts", n, None, exact=False) for n in (0, 1, 4, 5, None)] == \
        [False, True, True, False, False]
    assert shown("placement_starts", 3, "da", None) == PRIMARY
    assert shown("placement_starts", 12, "da", None) == "12"
    # the viewer who sees the team exactly sees the count
    assert shown("placement_starts", 3, "da", None, exact=True) == "3"


def test_targets_durations_hours_and_meetings_are_never_suppressed():
    row = {"active_cases": 2, "median_days_cases": 1, "in_placement": 1}
    # a median of days reads "under 5 days" as "<5": it is a duration, shown in whole days
    assert shown("median_days_to_company_consultant", 3.5, "da", row) == "4"
    assert shown("median_days_to_company_consultant", 305.7, "da", row) == "306"
    assert shown("ordinary_hours", 3.5, "da", row) == "3,5"
    assert shown("follow_ups", 2, "da", row) == "2"
    assert shown("three_party_follow_ups", 1, "da", row) == "1"


def test_a_share_of_people_is_judged_by_its_active_cases_and_its_count():
    row = {"active_cases": 40, "cv_done": 20, "cv_share": 0.5}
    assert not hidden("cv_share", 0.5, row, exact=False)
    row.update(cv_done=3, cv_share=3 / 40)
    assert shown("cv_share", row["cv_share"], "da", row) == PRIMARY
    row.update(active_cases=4, cv_done=0, cv_share=0.0)
    assert shown("cv_share", 0.0, "da", row) == PRIMARY
    assert shown("cv_share", 0.0, "da", row, exact=True) == "0\xa0%"


def test_a_worker_or_team_lead_sees_their_own_team_exactly_and_no_one_else_does():
    assert sees_exactly("team_lead", True) and sees_exactly("worker", True)
    assert not sees_exactly("team_lead", False) and not sees_exactly("worker", False)
    assert not sees_exactly("manager", True) and not sees_exactly("manager", False)
    assert not sees_exactly("admin", False) and not sees_exactly(None, False)


# -- one viewer, every view ------------------------------------------------------------------------

def _find(tree, metric: str, team: str) -> str | None:
    """The text of the element showing `metric` of `team` in a callback's answer."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("data-metric") == metric and props.get("data-team") == team:
            return props.get("children")
        tree = list(tree.values())
    if isinstance(tree, list):
        return next((found for child in tree if (found := _find(child, metric, team)) is not None), None)
    return None


@pytest.mark.slow  # argon2 sign-ins, a PDF per viewer
def test_one_viewer_sees_a_figure_alike_in_team_view_benchmarking_pack_and_api(app, client, services, admin_token):
    from core.accounts import create_user
    from ingest.organisation import TeamIn, put_team
    from metrics.service import MetricsService
    from tests.conftest import bearer
    from tests.dashboard.test_accounts import benchmarking_body, callback_body, sign_in
    from tests.dashboard.test_meeting_pack import pdf_text

    for team in ("team-01", "team-02"):
        put_team(services.engine, team, TeamIn(name=f"Hold {team[-1]}"))
    now = datetime.now(UTC)
    month = month_of(now, services.settings.zone)
    opened = max(now - timedelta(hours=2), now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    events = []
    # team-01: 8 active cases, 3 of them placed this month (3 people: "<5" for those who may not see them)
    for i in range(8):
        case = f"c{i}"
        events.append({"event_id": f"{case}-o", "type": "case_opened", "case_id": case, "team_id": "team-01",
                       "occurred_at": opened.isoformat(), "citizen": f"{3200000000 + i}"})
        if i < 3:
            events.append({"event_id": f"{case}-p", "type": "placement_started", "case_id": case,
                           "occurred_at": (opened + timedelta(minutes=30)).isoformat(),
                           "placement_id": f"{case}-pl", "employer": "Firma"})
    assert services.store.append(events, origin="test").accepted == len(events)
    metrics = MetricsService(services.engine, services.settings.zone)
    metrics.put_targets([{"team_id": "team-01", "metric": "placement_starts", "month": month, "value": 2}])
    create_user(services.engine, "chef", "Grøn kaffe hver tirsdag", "manager")
    create_user(services.engine, "leder", "Tre hvide svaner 7!", "team_lead", team_id="team-01")
    team_body = callback_body(app, ids.TEAM_BODY, inputs=[
        {"id": ids.LIVE_VERSION, "property": "data", "value": "x"},
        {"id": ids.TEAM_SELECT, "property": "value", "value": "team-01"},
        {"id": ids.MONTH_SELECT, "property": "value", "value": month}], state=[])

    def views(metric: str) -> dict[str, str]:
        team = client.post("/_dash-update-component", json=team_body)
        assert team.status_code == 200, team.text
        pack = pdf_text(client.get(f"/meeting-pack.pdf?team=team-01&month={month}").content)
        return {"team": _find(team.json(), metric, "team-01"), "pack": pack}

    sign_in(client, "chef", "Grøn kaffe hver tirsdag")
    bench_body = benchmarking_body(app, month, "placement_starts")
    bench = client.post("/_dash-update-component", json=bench_body)
    assert bench.status_code == 200, bench.text
    api = client.get("/api/v1/benchmark", params={"metric": "placement_starts", "month": month},
                     headers=bearer(admin_token)).json()
    manager = views("placement_starts")
    assert manager["team"] == PRIMARY
    assert _find(bench.json(), "placement_starts", "team-01") == PRIMARY
    assert {t["team_id"]: t["value"] for t in api["teams"]}["team-01"] == PRIMARY
    assert "Opstartede virksomhedsforløb <5 2" in manager["pack"]  # the figure, then its target: never "<5"
    bench_text = json.dumps(bench.json(), ensure_ascii=False)
    assert '"Mål 2"' in json.dumps(client.post("/_dash-update-component", json=team_body).json(),
                                   ensure_ascii=False)
    assert bench_text.count('"<5"') >= 1 and '"2"' in bench_text  # the target column shows 2
    # the team's own lead sees the 3 placements everywhere, and active cases (8) alike for both
    client.cookies.clear()
    sign_in(client, "leder", "Tre hvide svaner 7!")
    lead = views("placement_starts")
    assert lead["team"] == "3"
    assert "Opstartede virksomhedsforløb 3 2" in lead["pack"]
    assert views("active_cases")["team"] == "8"
