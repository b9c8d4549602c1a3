"""`overblik import FILE --mapping MAP.yaml` and a mapped drop folder, run as real processes."""

from __future__ import annotations

import os
import shutil
import time

import orjson
import pytest
from sqlalchemy import create_engine, text

from tests.api.test_cli import cli_env, run
from tests.ingest.test_mapping import (
    CASES,
    PLACEMENT_LIST,
    PLACEMENTS,
    WEEK_1,
    WEEK_2,
    sample_citizens,
)

pytestmark = pytest.mark.process


def count_events(db_url: str, where: str = "1=1") -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            return c.execute(text(f"SELECT COUNT(*) FROM events WHERE {where}")).scalar_one()  # noqa: S608
    finally:
        engine.dispose()


def test_import_with_a_mapping_twice_and_a_changed_export(db_url, tmp_path):
    env = cli_env(db_url, tmp_path)
    dry = run(["import", str(WEEK_1), "--mapping", str(CASES), "--dry-run"], env)
    preview = orjson.loads(dry.stdout)
    assert preview["dry_run"] is True and preview["accepted"] == len(preview["events"]) > 0
    assert count_events(db_url) == 0
    first = run(["import", str(WEEK_1), "--mapping", str(CASES)], env)
    summary = orjson.loads(first.stdout)
    assert summary["rows"] == 4 and summary["rejected"] == 0 and summary["accepted"] > 0
    assert summary["accepted"] == count_events(db_url) == preview["accepted"]
    again = orjson.loads(run(["import", str(WEEK_1), "--mapping", str(CASES)], env).stdout)
    assert again["accepted"] == 0 and again["rejected"] == 0

    # the next week's export, its date given on the command line (the file name has another)
    renamed = tmp_path / "weekly-export.csv"
    shutil.copy(WEEK_2, renamed)
    week = orjson.loads(run(["import", str(renamed), "--mapping", str(CASES), "--export-date", "2026-03-10"], env).stdout)
    assert week["accepted"] > 0 and week["rejected"] == 0
    assert count_events(db_url, "case_id = 'S-1002' AND type = 'readiness_assessed'") == 2

    placements = orjson.loads(run(["import", str(PLACEMENT_LIST), "--mapping", str(PLACEMENTS)], env).stdout)
    assert (placements["accepted"], placements["rejected"]) == (6, 0)
    output = first.stdout + first.stderr + dry.stdout
    for citizen in sample_citizens():
        assert citizen not in output


def test_import_with_a_bad_mapping_or_export_says_why(db_url, tmp_path):
    env = cli_env(db_url, tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(CASES.read_text(encoding="utf-8").replace("Jobparat: ready", "Jobparat: klar"), encoding="utf-8")
    line = next(n for n, t in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "Jobparat: klar" in t)
    result = run(["import", str(WEEK_1), "--mapping", str(bad)], env, check=False)
    assert result.returncode == 2
    assert (f"cannot use the mapping bad.yaml: line {line}, codes.parathed.Jobparat: must be one of ready, close, far"
            in result.stderr)

    renamed = tmp_path / "export.csv"
    shutil.copy(WEEK_1, renamed)
    result = run(["import", str(renamed), "--mapping", str(CASES)], env, check=False)
    assert result.returncode == 2 and "export_date.filename" in result.stderr
    result = run(["import", str(renamed), "--mapping", str(CASES), "--export-date", "9 March"], env, check=False)
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr
    assert run(["import", str(renamed), "--export-date", "2026-03-09"], env, check=False).returncode == 2
    assert run(["import", str(renamed), "--dry-run"], env, check=False).returncode == 2

    broken = tmp_path / "sager-2026-03-02.csv"
    lines = WEEK_1.read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([lines[0], lines[1].replace("Jobparat", "Klar som aldrig før")]) + "\n", encoding="utf-8")
    result = run(["import", str(broken), "--mapping", str(CASES)], env, check=False)
    assert result.returncode == 1  # the row's other events are stored, the readiness quarantined
    summary = orjson.loads(result.stdout)
    assert summary["rejected"] == 1 and summary["errors"][0]["line"] == 2
    assert "code list parathed" in summary["errors"][0]["reason"]
    assert count_events(db_url) == summary["accepted"] > 0


def test_a_drop_folder_source_with_a_mapping(db_url, tmp_path):
    env = {**cli_env(db_url, tmp_path), "OVERBLIK_MAPPINGS_DIR": str(CASES.parent)}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    added = run(["source", "add", "sager", "--kind", "drop_folder", "--path", str(inbox), "--mapping", str(CASES)], env)
    assert "added" in added.stdout
    listed = orjson.loads(run(["source", "list", "--json"], env).stdout)
    assert listed[0]["config"]["mapping"] == str(CASES)
    shutil.copy(WEEK_1, inbox / WEEK_1.name)
    os.utime(inbox / WEEK_1.name, (time.time() - 60, time.time() - 60))
    outcome = orjson.loads(run(["source", "run", "sager"], env).stdout)
    assert outcome["status"] == "ok" and outcome["files"] == [WEEK_1.name]
    assert outcome["accepted"] == count_events(db_url) > 0

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncase_id: A\nevents: []\n", encoding="utf-8")
    env["OVERBLIK_MAPPINGS_DIR"] = str(tmp_path)
    result = run(["source", "add", "other", "--kind", "drop_folder", "--path", str(inbox), "--mapping", str(bad)],
                 env, check=False)
    assert result.returncode == 1 and "bad.yaml: line 3, events: List should have at least 1 item" in result.stderr
