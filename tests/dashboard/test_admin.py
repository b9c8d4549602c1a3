"""The administration page: teams, workers, targets, norms, sources and the quarantine, for admins only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard import ids
from metrics.service import MetricsService
from tests.dashboard.conftest import fill_jobcentre
from tests.dashboard.test_accounts import callback_body, sign_in

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test


def _open(app, client, path: str):
    body = callback_body(app, ids.PAGE, inputs=[{"id": ids.URL, "property": "pathname", "value": path},
                                                {"id": ids.URL, "property": "search", "value": ""}], state=[])
    return client.post("/_dash-update-component", json=body)


def test_the_admin_page_lists_what_the_services_hold(app, client, services):
    jobcentre = fill_jobcentre(services, cases=40, months=1)
    metrics = MetricsService(services.engine, services.settings.zone)
    metrics.put_targets([{"team_id": jobcentre.team, "metric": "placement_starts", "month": "2026-11", "value": 9}])
    refused = services.store.append([{"event_id": "bad-1", "source": "test", "type": "case_opened",
                                      "case_id": "bad-case", "occurred_at": datetime.now(UTC).isoformat(),
                                      "citizen": "0101801234"}], origin="test")  # no team_id
    assert refused.rejected == 1
    sign_in(client, "admin", jobcentre.users["admin"])
    answer = _open(app, client, "/admin")
    assert answer.status_code == 200
    text = answer.text
    assert all(team.name in text for team in jobcentre.org.teams)
    assert all(worker.name in text for worker in jobcentre.org.workers)
    assert "Opstartede virksomhedsforløb" in text and "november 2026" in text
    assert "bad-case" in text and "0101801234" not in text  # the refused event, not its citizen
    client.cookies.clear()
    sign_in(client, "chef", jobcentre.users["chef"])
    forbidden = _open(app, client, "/admin")
    assert "notice-forbidden" in forbidden.text and jobcentre.org.workers[0].name not in forbidden.text
