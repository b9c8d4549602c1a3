"""Importing files of events (services/imports.py) on a real database (SQLite and PostgreSQL):
only an ingest or admin caller imports, a file that is not events is refused without an audit
entry, and an import is audited as `import_events` whether the API or the command line ran it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from core.access import Role
from core.audit import AuditAction, entries
from core.errors import Forbidden, Invalid
from core.settings import reset_settings
from ingest.imports import UnreadableFile
from ingest.mapping import load_mapping
from services import imports
from services.actor import Actor
from tests.conftest import CITIZENS, bearer
from tests.ingest.test_mapping import CASES, WEEK_1

FEED = Actor(name="token:3", role=Role.ingest, entry="api", address="127.0.0.1")
LEAD = Actor(name="user:lead", role=Role.team_lead, entry="dashboard", team_id="t1")
ROWS = ("event_id,type,case_id,occurred_at,team_id,citizen\n"
        f"e1,case_opened,c1,2026-01-05,t1,{CITIZENS[0]}\n"
        f"e2,case_opened,c2,not a date,t1,{CITIZENS[1]}\n")


def _imports(engine) -> list[dict]:
    return [e for e in reversed(entries(engine)) if e["action"] == AuditAction.import_events]


def _csv(tmp_path, name="cases-of-anna.csv"):
    path = tmp_path / name
    path.write_text(ROWS, encoding="utf-8")
    return path


def test_an_import_is_authorised_validated_and_audited_without_the_files_name(services, tmp_path):
    path = _csv(tmp_path)
    with pytest.raises(Forbidden):
        imports.import_file(services, LEAD, path)
    with pytest.raises(Invalid):  # an export's date without a mapping to date its changes by
        imports.import_file(services, FEED, path, export_date=date(2026, 3, 1))
    bad = tmp_path / "cases.txt"
    bad.write_text(ROWS, encoding="utf-8")
    with pytest.raises(UnreadableFile):
        imports.import_file(services, FEED, bad)
    assert _imports(services.engine) == []

    result = imports.import_file(services, FEED, path)
    assert (result.summary.accepted, result.summary.rejected) == (1, 1)
    [entry] = _imports(services.engine)
    assert (entry["channel"], entry["actor"], entry["role"]) == ("api", "token:3", "ingest")
    assert entry["detail"] == f"csv: 1 accepted, 0 duplicates, 1 refused (run {result.run_id})"
    assert "anna" not in str(entry)


@pytest.mark.slow  # a mapped export, read twice
def test_a_mapped_import_names_its_mapping_and_a_dry_run_is_not_audited(services, tmp_path):
    rules = load_mapping(CASES)
    dry = imports.import_file(services, FEED, WEEK_1, mapping=rules, dry_run=True)
    assert dry.summary.accepted > 0 and dry.run_id == 0 and _imports(services.engine) == []
    done = imports.import_file(services, FEED, WEEK_1, mapping=rules)
    assert done.summary.accepted == dry.summary.accepted
    [entry] = _imports(services.engine)
    assert entry["detail"].startswith(f"csv through mapping {rules.name}: {done.summary.accepted} accepted")


@pytest.mark.slow  # the command line in process
def test_the_api_and_the_command_line_record_the_same_action(client, services, settings, ingest_token, tmp_path,
                                                              monkeypatch):
    path = _csv(tmp_path)
    with open(path, "rb") as handle:
        answer = client.post("/api/v1/imports", headers=bearer(ingest_token),
                             files={"file": (path.name, handle.read(), "text/csv")})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["accepted"], answer.json()["rejected"]) == (1, 1)

    monkeypatch.setenv("OVERBLIK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OVERBLIK_PSEUDONYM_KEY_FILE", str(settings.pseudonym_key_file))
    reset_settings()
    try:
        result = CliRunner().invoke(cli, ["import", str(_csv(tmp_path, "again.csv"))])
    finally:
        reset_settings()
    assert result.exit_code == 1, result.output  # refused rows
    # c1 is opened already, the other row has no date
    assert (json.loads(result.stdout)["accepted"], json.loads(result.stdout)["rejected"]) == (0, 2)

    made = _imports(services.engine)
    assert [(e["channel"], e["action"]) for e in made] == [("api", "import_events"), ("cli", "import_events")]
    assert made[0]["actor"].startswith("token:") and made[1]["actor"].startswith("cli:")
