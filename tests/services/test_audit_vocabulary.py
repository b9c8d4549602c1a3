"""One audit vocabulary: creating a token and setting a target are recorded under the same
action name whether the API, the dashboard or the command line did it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from core.accounts import create_user
from core.audit import AuditAction, entries
from core.settings import reset_settings
from dashboard import ids
from ingest.organisation import TeamIn, put_team
from tests.conftest import bearer
from tests.dashboard.test_accounts import callback_body, sign_in

pytestmark = pytest.mark.slow  # a signed-in user (argon2) and the command line in process

PASSWORD = "a long enough passphrase"


def _click(app, client, output_id: str, button: str, state: list[tuple[str, str, object]], *more_inputs):
    body = callback_body(app, output_id, inputs=[{"id": button, "property": "n_clicks", "value": 1}, *more_inputs],
                         state=[{"id": k, "property": p, "value": v} for k, p, v in state])
    body["changedPropIds"] = [f"{button}.n_clicks"]
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.text
    return answer


def _dashboard(app, client):
    sign_in(client, "admin", PASSWORD)
    _click(app, client, ids.ADMIN_TOKENS, ids.ADMIN_TOKEN_CREATE, [
        (ids.ADMIN_TOKEN_NAME, "value", None), (ids.ADMIN_TOKEN_ROLE, "value", "ingest"),
        (ids.ADMIN_TOKEN_WORKER, "value", None), (ids.ADMIN_TOKEN_TEAM, "value", None),
        (ids.ADMIN_TOKEN_DAYS, "value", "30")], [])  # [] : no revoke button clicked
    _click(app, client, ids.ADMIN_TARGETS, ids.ADMIN_TARGET_SAVE, [
        (ids.ADMIN_TARGET_TEAM, "value", "t1"), (ids.ADMIN_TARGET_METRIC, "value", "placement_starts"),
        (ids.ADMIN_TARGET_MONTH, "value", "2026-12"), (ids.ADMIN_TARGET_VALUE, "value", "4")])


def _api(client, token: str):
    h = bearer(token)
    assert client.post("/api/v1/tokens", json={"role": "ingest", "expires_in_days": 30}, headers=h).status_code == 201
    assert client.put("/api/v1/targets", json=[{"team_id": "t1", "metric": "placement_starts", "month": "2026-12",
                                                 "value": 4}], headers=h).status_code == 200


def _command_line(settings, monkeypatch):
    monkeypatch.setenv("OVERBLIK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OVERBLIK_PSEUDONYM_KEY_FILE", str(settings.pseudonym_key_file))
    reset_settings()
    try:
        result = CliRunner().invoke(cli, ["token", "create", "--role", "ingest", "--expires-days", "30"])
    finally:
        reset_settings()
    assert result.exit_code == 0, result.output


def test_every_entry_point_records_the_same_action(app, client, services, settings, admin_token, monkeypatch):
    put_team(services.engine, "t1", TeamIn(name="Team 1"))
    create_user(services.engine, "admin", PASSWORD, "admin")
    _api(client, admin_token)
    _dashboard(app, client)
    _command_line(settings, monkeypatch)

    by_channel: dict[str, list[str]] = {}
    for entry in reversed(entries(services.engine)):
        by_channel.setdefault(entry["channel"], []).append(entry["action"])
    assert by_channel == {
        "api": [AuditAction.create_token, AuditAction.set_targets],
        "dashboard": [AuditAction.create_token, AuditAction.set_targets],
        "cli": [AuditAction.create_token],  # the command line sets no targets
    }
    details = {e["channel"]: e["detail"] for e in entries(services.engine) if e["action"] == "create_token"}
    assert {d.split(", ", 1)[1] for d in details.values()} == {"role ingest, 30 days"}
    assert json.dumps(entries(services.engine)).count("placement_starts 2026-12 = 4") == 2
