"""The team steering view's quality section: each indicator with value, standard and status."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dashboard.components.quality import quality_section
from metrics.programme_service import ProgrammeService
from tests.metrics.conftest import ZONE

NOW = datetime(2026, 6, 20, 10, tzinfo=UTC)


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json(), ensure_ascii=False)


def test_section_shows_the_teams_programmes_with_standard_and_status(store):
    events = [
        {"event_id": "1", "type": "case_opened", "case_id": "c1", "occurred_at": "2026-01-05",
         "citizen": "0101801234", "team_id": "A", "programme": "jobcoaching"},
        {"event_id": "2", "type": "review_held", "case_id": "c1", "occurred_at": "2026-02-01", "kind": "mid"},
    ]
    assert store.append(events, origin="test").accepted == 2
    programmes = ProgrammeService(store.engine, ZONE, clock=lambda: NOW)
    section = quality_section(programmes, "A", "2026-06", "de")
    text = _text(section)
    assert "Qualitätsindikatoren" in text and "Jobcoaching am Arbeitsplatz" in text
    assert "Job-oriented coping course" not in text and "Jobbezogener" not in text  # no mestring case
    assert '"data-status": "on_track"' in text  # the mid-term talk came before mid-course
    assert quality_section(programmes, "B", "2026-06", "de") is None


def test_phase_section_lists_phases_cases_past_plan_and_the_flow(store):
    from dashboard.components.phases import phase_section

    events = [
        {"event_id": "1", "type": "case_opened", "case_id": "c1", "occurred_at": "2026-05-04",
         "citizen": "0101801234", "team_id": "A", "programme": "mestring"},
        {"event_id": "2", "type": "phase_changed", "case_id": "c1", "occurred_at": "2026-05-04",
         "phase": "referral"},
        {"event_id": "3", "type": "phase_changed", "case_id": "c1", "occurred_at": "2026-05-11",
         "phase": "preparation"},
    ]
    assert store.append(events, origin="test").accepted == 3
    programmes = ProgrammeService(store.engine, ZONE, clock=lambda: NOW)
    text = _text(phase_section(programmes, "A", "2026-06", "da"))
    assert "Forberedelse" in text and "Sankey" in text.replace("sankey", "Sankey")
    assert "Sager over fasens planlagte varighed" in text and '"c1"' in text  # 40 days, 14 planned
    assert phase_section(programmes, "B", "2026-06", "da") is None


@pytest.mark.slow
def test_meeting_pack_carries_the_quality_indicators(client, services):
    from tests.dashboard.conftest import fill_jobcentre
    from tests.dashboard.test_accounts import sign_in
    from tests.dashboard.test_meeting_pack import _month, pdf_text

    jobcentre = fill_jobcentre(services, cases=120, months=2)  # the simulation opens mestring cases
    month = _month(services)
    sign_in(client, "leder", jobcentre.users["leder"])
    response = client.get(f"/meeting-pack.pdf?team={jobcentre.team}&month={month}")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Kvalitetsindikatorer" in text and "Jobrettet mestringsforløb" in text
    assert "Supervision pr. medarbejder pr. år" in text


def test_reference_figures_beside_the_teams_own(store):
    from dashboard.components.reference import reference_section
    from metrics.reference import import_figures, parse_csv

    rows = parse_csv("label,metric,month,value,source\nnational,placement_share,2026-05,0.21,DREAM\n",
                     frozenset({"placement_share"}))
    import_figures(store.engine, rows)
    teams = [{"team_id": "A", "placement_share": 0.3, "active_cases": 40}]
    text = _text(reference_section(store.engine, "placement_share", "2026-05", teams, {"A": "Team A"}, "en"))
    assert "Reference figures" in text and "national" in text and "DREAM" in text and "Team A" in text
    assert reference_section(store.engine, "placement_share", "2026-04", teams, {}, "en") is None
