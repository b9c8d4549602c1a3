"""The `overblik` command line, run as a real process against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import CITIZENS

pytestmark = pytest.mark.process  # every test runs the `overblik` command

OVERBLIK = str(Path(sys.executable).with_name("overblik"))


def run(args, env, stdin=None, check=True):
    result = subprocess.run(
        [OVERBLIK, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OVERBLIK_DATABASE_URL": db_url,
        "OVERBLIK_PSEUDONYM_KEY_FILE": str(tmp_path / "cli.key"),
        "OVERBLIK_SCHEDULER": "false",
    }


def test_token_create_prints_the_token_last_and_import_prints_the_summary(db_url, tmp_path):
    env = cli_env(db_url, tmp_path)
    assert "up to date" in run(["db", "upgrade"], env).stdout
    token = run(["token", "create", "--role", "ingest", "--name", "feed"], env).stdout.strip().splitlines()[-1]
    assert token.startswith("ovb_") and len(token) > 40
    assert run(["token", "create", "--role", "team_lead"], env, check=False).returncode == 2
    listed = run(["token", "list"], env).stdout
    assert "ingest" in listed and token not in listed

    events = tmp_path / "events.ndjson"
    events.write_bytes(b"\n".join(orjson.dumps(e) for e in [
        {"event_id": "o1", "type": "case_opened", "case_id": "c1", "occurred_at": "2026-01-05",
         "citizen": CITIZENS[1], "team_id": "t1"},
        {"event_id": "x", "type": "nope", "case_id": "c1", "occurred_at": "2026-01-05"},
    ]))
    result = run(["import", str(events)], env, check=False)
    assert result.returncode == 1  # something was refused
    summary = orjson.loads(result.stdout)
    assert (summary["accepted"], summary["rejected"]) == (1, 1)
    again = orjson.loads(run(["import", str(events)], env, check=False).stdout)
    assert again["duplicates"] == 1
    # The key file was made on first use, readable by its owner only.
    assert (tmp_path / "cli.key").stat().st_mode & 0o777 == 0o600
    assert CITIZENS[1] not in result.stdout + result.stderr


def test_revoked_tokens_and_organisation_import(db_url, tmp_path):
    env = cli_env(db_url, tmp_path)
    run(["token", "create", "--role", "admin"], env)
    token_id = run(["token", "list"], env).stdout.split()[0]
    assert "revoked" in run(["token", "revoke", token_id], env).stdout
    assert "revoked" in run(["token", "list"], env).stdout
    teams = tmp_path / "teams.csv"
    teams.write_text("team_id,name,unit\nt1,Team Nord,JC\n")
    assert orjson.loads(run(["teams", "import", str(teams)], env).stdout)["saved"] == 1
    engine = create_engine(db_url)
    with engine.connect() as c:
        assert c.execute(text("SELECT name FROM teams")).scalar() == "Team Nord"
    engine.dispose()


def test_an_unreadable_file_is_reported(db_url, tmp_path):
    env = cli_env(db_url, tmp_path)
    bad = tmp_path / "cases.csv"
    bad.write_text("foo,bar\n1,2\n")
    result = run(["import", str(bad)], env, check=False)
    assert result.returncode == 2 and "lacks the columns" in result.stderr
