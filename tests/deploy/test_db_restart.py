"""PostgreSQL restarted under load: ingest answers 503 with Retry-After while the database is
away, recovers by itself, and no acknowledged event is lost.

The shared PostgreSQL of the machine is never touched: the test starts a private throw-away
cluster (initdb/pg_ctl of PostgreSQL 15, as the `postgres` user when run as root) on a free port,
and crashes and restarts that one."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.migrate import upgrade
from tests.conftest import TEST_KEY
from tests.serverproc import REPO, Server, create_token, free_port, overblik_command, server_env

PG_BIN = Path("/usr/lib/postgresql/15/bin")
BATCH = 20
DOWN_SECONDS = 4.0

pytestmark = [pytest.mark.skipif(
    not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists(),
    reason=f"needs PostgreSQL's initdb and pg_ctl in {PG_BIN} for a private cluster",
), pytest.mark.postgresql, pytest.mark.process]


class Cluster:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="overblik-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:  # initdb refuses root
            self.user = "postgres"
            owner = pwd.getpwnam(self.user)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/overblik"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/overblik"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "postgres.log"), "-w", "-t", "60", "start")

    def crash(self) -> None:
        """Immediate stop: the server processes end without a checkpoint, as in a crash."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster():
    cluster = Cluster()
    try:
        cluster.start()
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE overblik")
        upgrade(cluster.url)
        yield cluster
    finally:
        cluster.destroy()


class Sender(threading.Thread):
    """Posts batches of new events as fast as the server takes them; a batch that is not
    acknowledged is sent again (same event ids) until it is, as a well-behaved source does."""

    def __init__(self, base: str, token: str):
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, timeout=10,
                                   headers={"Authorization": f"Bearer {token}"})
        self.stop = threading.Event()
        self.acknowledged: set[str] = set()
        self.sent: set[str] = set()
        self.unavailable: list[tuple[float, str | None]] = []  # (when, Retry-After)
        self.other: list[str] = []
        self.pending: list[dict] | None = None
        self.last_ok = 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            if self.pending is None:
                tag = uuid.uuid4().hex[:10]
                self.pending = [
                    {"event_id": f"r-{tag}-{i}", "source": "restart-test", "type": "case_opened",
                     "case_id": f"r-case-{tag}-{i}", "occurred_at": "2026-03-02T09:00:00+01:00",
                     "team_id": "t1", "citizen": "0101801234"} for i in range(BATCH)]
                self.sent.update(e["event_id"] for e in self.pending)
            try:
                answer = self.client.post("/api/v1/events", json=self.pending)
            except httpx.HTTPError as exc:
                self.other.append(type(exc).__name__)
                time.sleep(0.1)
                continue
            if answer.status_code == 200:
                body = answer.json()
                assert body["accepted"] + body["duplicates"] == BATCH, body
                self.acknowledged.update(e["event_id"] for e in self.pending)
                self.pending = None
                self.last_ok = time.monotonic()
            elif answer.status_code == 503:
                self.unavailable.append((time.monotonic(), answer.headers.get("retry-after")))
                time.sleep(0.2)  # shorter than Retry-After, to keep the test short
            else:
                self.other.append(f"{answer.status_code} {answer.text[:200]}")
                time.sleep(0.1)

    def close(self) -> None:
        self.stop.set()
        self.join(20)
        self.client.close()


def _listening_workers(base: str, token: str) -> dict[str, float]:
    text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10).text
    return {s.labels["pid"]: s.value for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == "overblik_live_listener_connected"}


def test_ingest_answers_503_while_postgresql_is_away_and_loses_no_acknowledged_event(cluster, tmp_path):
    env = server_env(cluster.url, TEST_KEY, OVERBLIK_SESSION_SECRET="s" * 48,
                     OVERBLIK_METRICS_DIR=str(tmp_path / "metrics"), OVERBLIK_LOG_LEVEL="WARNING")
    ingest = create_token(env, "ingest", REPO)
    monitoring = create_token(env, "monitoring", REPO)
    with Server(env, REPO, tmp_path / "serve.log",
                command=[*overblik_command(), "serve", "--workers", "2"]) as server:
        sender = Sender(server.url, ingest)
        sender.start()
        try:
            time.sleep(2.0)
            assert sender.acknowledged, f"nothing acknowledged before the restart: {sender.other}"
            before = len(sender.acknowledged)
            cluster.crash()
            crashed = time.monotonic()
            time.sleep(DOWN_SECONDS)
            # while it is away: 503 with Retry-After, and the health checks say so
            assert any(when > crashed for when, _ in sender.unavailable), "no 503 while the database was away"
            assert all(after and int(after) > 0 for _, after in sender.unavailable)
            assert httpx.get(f"{server.url}/api/v1/health", timeout=5).status_code == 503
            assert httpx.get(f"{server.url}/api/v1/ready", timeout=5).status_code == 503
            cluster.start()
            restarted = time.monotonic()
            # recovers by itself: acknowledgements again, without restarting anything of ours
            deadline = restarted + 30
            while sender.last_ok < restarted:
                assert time.monotonic() < deadline, f"ingest did not recover: {sender.other[-5:]}"
                time.sleep(0.1)
            recovered = sender.last_ok - restarted
            time.sleep(1.0)
        finally:
            sender.close()
        # every worker's live notifications are back (the listener reconnects by itself)
        deadline = time.monotonic() + 20
        while True:
            listening = _listening_workers(server.url, monitoring)
            if len(listening) >= 2 and all(v == 1 for v in listening.values()):
                break
            assert time.monotonic() < deadline, f"listeners did not reconnect: {listening}"
            time.sleep(0.3)
        assert httpx.get(f"{server.url}/api/v1/ready", timeout=5).status_code in (200, 503)
    # no acknowledged event lost; every batch sent was acknowledged in the end
    with psycopg.connect(cluster.dsn) as connection:
        stored = {row[0] for row in connection.execute(
            "SELECT event_id FROM events WHERE source = 'restart-test'")}
    lost = sender.acknowledged - stored
    assert not lost, f"{len(lost)} acknowledged events lost"
    assert len(sender.acknowledged) > before
    assert stored <= sender.sent
    assert not [o for o in sender.other if not o.startswith(("ReadTimeout", "RemoteProtocolError"))], sender.other
    print(f"acknowledged {len(sender.acknowledged)} events, {len(sender.unavailable)} answers 503 "
          f"while away, first acknowledgement {recovered:.2f} s after the restart; none lost")
