"""Each domain refusal is answered with its status and its own reason, whichever route raised it."""

from __future__ import annotations

from tests.conftest import bearer


def test_refusals_are_answered_with_status_and_reason(client, admin_token):
    admin = bearer(admin_token)
    cases = [
        (client.get("/api/v1/milestones", params={"month": "2099-01"}, headers=admin), 422, "2099-01"),
        (client.put("/api/v1/targets", json=[{"team_id": "A", "metric": "nope", "month": "2026-01",
                                               "value": 1}], headers=admin), 422, "metric must be one of"),
        (client.put("/api/v1/goals", json=[{"team_id": "A", "metric": "in_placement", "value": 5,
                                             "by": "2026-13"}], headers=admin), 422, "2026-13"),
        (client.put("/api/v1/norms", json=[{"role": "caseworker", "low": 50, "high": 40}],
                    headers=admin), 422, "low must not be above high"),
        (client.get("/api/v1/programmes/nope", headers=admin), 404, "nope"),
    ]
    for answer, status, reason in cases:
        assert answer.status_code == status, (answer.request.url, answer.text)
        detail = answer.json()["detail"]
        assert isinstance(detail, str | list) and reason in str(detail), detail
    assert client.post("/api/v1/months/2026-01/close", headers=admin).status_code == 200
    again = client.post("/api/v1/months/2026-01/close", headers=admin)
    assert again.status_code == 409 and "2026-01" in again.json()["detail"]
