"""`overblik demo` as a real process: the organisation, sign-ins it prints, and live events that
arrive through POST /api/v1/events while it runs."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.serverproc import free_port, overblik_command, server_env

pytestmark = pytest.mark.process


def _wait_for(process: subprocess.Popen, log: Path, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if re.search(pattern, text):
            return text
        assert process.poll() is None, f"the demo exited:\n{text[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no {pattern!r} within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def _simulated(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE source = 'simulator'").fetchone()[0]


def test_the_demo_prints_its_sign_ins_and_keeps_adding_events(tmp_path):
    port = free_port()
    folder = tmp_path / "demo"
    log = tmp_path / "demo.log"
    env = server_env("sqlite:///unused.db", "unused")
    env.pop("OVERBLIK_PSEUDONYM_KEY")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*overblik_command(), "demo", "--port", str(port), "--folder", str(folder), "--cases", "300"],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        text = _wait_for(process, log, r"Ctrl-C stops the demo", 180)
        base = f"http://127.0.0.1:{port}"
        assert f"Dashboard:    {base}/" in text
        sign_ins = dict(re.findall(r"^\s{4}(\w+)(?: \([^)]*\))?\s+(\w+ / demo-\w+)$", text, re.M))
        assert set(sign_ins) == {"admin", "manager", "team_lead", "worker"}, text
        admin_token = re.search(r"^\s{4}admin\s+(ovb_\S+)$", text, re.M).group(1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.3)
        auth = {"Authorization": f"Bearer {admin_token}"}
        teams = httpx.get(f"{base}/api/v1/teams", headers=auth, timeout=30).json()
        workers = httpx.get(f"{base}/api/v1/workers", headers=auth, timeout=30).json()
        teams = teams.get("teams", teams) if isinstance(teams, dict) else teams
        workers = workers.get("workers", workers) if isinstance(workers, dict) else workers
        assert len(teams) >= 4 and any(team["name"] == "Team Mentor" for team in teams)
        roles = {role for worker in workers for role in worker["roles"]}
        assert {"caseworker", "company_consultant", "mentor"} <= roles
        targets = httpx.get(f"{base}/api/v1/targets", headers=auth, timeout=30).json()
        assert targets, "the demo sets monthly targets"
        # every printed sign-in opens the dashboard
        for username, password in (pair.split(" / ") for pair in sign_ins.values()):
            answer = httpx.post(f"{base}/sign-in", data={"username": username, "password": password},
                                headers={"Origin": base}, timeout=30)
            assert answer.status_code == 303, (username, answer.status_code)
        # the simulator posts through the ingest route while the demo runs
        database = folder / "overblik-demo.db"
        first = _simulated(database)
        deadline = time.monotonic() + 40
        while _simulated(database) <= first and time.monotonic() < deadline:
            time.sleep(1)
        assert _simulated(database) > first
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
