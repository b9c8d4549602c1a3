"""SIGKILL `overblik serve` while batches are in flight, restart it, resend everything: every event stored exactly once."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.conftest import TEST_KEY
from tests.serverproc import Server, create_token, server_env

pytestmark = [pytest.mark.slow, pytest.mark.process]

SOURCE = "crash-test"
BATCHES = 200
BATCH_SIZE = 200
CLIENTS = 4
# Kill once this many batches are acknowledged: late enough that the log holds a good part of
# the data, early enough that plenty is still to come.
KILL_AFTER = 60


def batch_events(b: int) -> list[dict]:
    """200 valid events of 20 cases, a realistic mix of types; ids are unique per batch."""
    events: list[dict] = []
    for k in range(BATCH_SIZE // 10):
        case = f"crash-c{b}-{k}"
        day = f"2026-{1 + (b + k) % 12:02d}-{1 + k % 28:02d}"
        common = {"case_id": case, "source": SOURCE}
        kinds = [
            {"type": "case_opened", "citizen": f"{b:04d}{k:06d}", "team_id": f"team-{k % 4}"},
            {"type": "worker_assigned", "worker_id": f"w{k % 7}", "role": "caseworker"},
            {"type": "enrolled"},
            {"type": "readiness_assessed", "level": ("ready", "close", "far")[k % 3]},
            {"type": "phase_changed", "phase": "afklaring"},
            {"type": "cv_completed"},
            {"type": "placement_started", "placement_id": "p1", "kind": "internship",
             "employer": "Bageriet Aps", "hours_per_week": 15},
            {"type": "follow_up_held", "participants": ["citizen", "caseworker", "employer"]},
            {"type": "hours_reported", "month": day[:7], "hours": 12.5},
            {"type": "case_transferred", "team_id": f"team-{(k + 1) % 4}"},
        ]
        for n, fields in enumerate(kinds):
            events.append(
                {"event_id": f"b{b}-e{10 * k + n}", "occurred_at": f"{day}T{8 + n:02d}:15:00",
                 **common, **fields}
            )
    return events


def stored_per_batch(db_url: str) -> tuple[dict[int, int], int, int, int]:
    """Stored events per batch, all rows, distinct (source, event_id) keys, quarantine rows."""
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ids = conn.execute(text("SELECT event_id FROM events WHERE source = :s"), {"s": SOURCE}).scalars().all()
            rows = conn.execute(text("SELECT COUNT(*) FROM events")).scalar_one()
            distinct = conn.execute(
                text("SELECT COUNT(*) FROM (SELECT DISTINCT source, event_id FROM events) AS k")
            ).scalar_one()
            quarantined = conn.execute(text("SELECT COUNT(*) FROM quarantine")).scalar_one()
    finally:
        engine.dispose()
    per_batch: dict[int, int] = {}
    for event_id in ids:
        b = int(event_id[1 : event_id.index("-")])
        per_batch[b] = per_batch.get(b, 0) + 1
    return per_batch, rows, distinct, quarantined


class Senders:
    """CLIENTS threads that send every batch once, each on its own keep-alive connection,
    recording the answers, when each batch was sent, and the batches whose connection broke."""

    def __init__(self, url: str, token: str, bodies: list[bytes]):
        self.url = url
        self.token = token
        self.bodies = bodies
        self.todo: queue.Queue[int] = queue.Queue()
        for b in range(len(bodies)):
            self.todo.put(b)
        self.stop = threading.Event()
        self.answers: dict[int, dict] = {}
        self.started: dict[int, float] = {}
        self.broken: dict[int, str] = {}
        self.threads = [threading.Thread(target=self._client) for _ in range(CLIENTS)]

    def _client(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=60) as http:
            while not self.stop.is_set():
                try:
                    b = self.todo.get_nowait()
                except queue.Empty:
                    return
                self.started[b] = time.monotonic()
                try:
                    response = http.post("/api/v1/events", content=self.bodies[b])
                except httpx.TransportError as exc:
                    self.broken[b] = type(exc).__name__
                    continue
                self.answers[b] = {"status": response.status_code, **response.json()}

    def start(self) -> Senders:
        for thread in self.threads:
            thread.start()
        return self

    def join(self) -> Senders:
        for thread in self.threads:
            thread.join(timeout=120)
        return self


def test_sigkill_in_flight_then_resend_stores_everything_once(db_url: str, tmp_path: Path):
    env = server_env(db_url, TEST_KEY)
    token = create_token(env, "ingest", tmp_path)
    bodies = [orjson.dumps(batch_events(b)) for b in range(BATCHES)]
    server = Server(env, tmp_path, tmp_path / "serve.log")

    # 1. Send from several clients and kill the server while batches are in flight.
    server.start()
    try:
        senders = Senders(server.url, token, bodies).start()
        deadline = time.monotonic() + 60
        while len(senders.answers) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.002)
        killed_at = time.monotonic()
        server.kill()
        senders.stop.set()
        senders.join()
    finally:
        server.kill()
    answers, started, broken = senders.answers, senders.started, senders.broken

    acknowledged = {b for b, a in answers.items() if a["status"] == 200}
    assert len(acknowledged) >= KILL_AFTER, (server.log_tail(), {b: a for b, a in answers.items() if a["status"] != 200})
    assert all(a["status"] == 200 for a in answers.values()), answers
    assert all(a["accepted"] == BATCH_SIZE for a in answers.values())
    in_flight = {b for b in broken if started[b] < killed_at}
    assert in_flight, "no batch was in flight when the server was killed"
    print(f"acknowledged {len(acknowledged)}, in flight {len(in_flight)}, broken {len(broken)}")

    # 2. What survived the crash: every acknowledged batch whole; every other batch all or nothing.
    per_batch, rows, distinct, _ = stored_per_batch(db_url)
    missing = sorted(b for b in acknowledged if per_batch.get(b, 0) != BATCH_SIZE)
    assert not missing, f"acknowledged batches not (fully) in the log after the crash: {missing}"
    torn = sorted(b for b, n in per_batch.items() if n != BATCH_SIZE)
    assert not torn, f"batches partly stored: {[(b, per_batch[b]) for b in torn]}"
    assert rows == distinct

    # 3. Restart on the same database and resend everything, acknowledged batches included.
    server.start()
    try:
        resend = Senders(server.url, token, bodies).start().join()
    finally:
        server.kill()
    assert not resend.broken, resend.broken
    resent = resend.answers
    for b in range(BATCHES):
        answer = resent[b]
        assert answer["status"] == 200, (b, answer)
        assert answer["rejected"] == 0, (b, answer["errors"][:3])
        assert answer["accepted"] + answer["duplicates"] == BATCH_SIZE, (b, answer)
        survived = per_batch.get(b, 0)
        assert answer["duplicates"] == survived, (b, answer, survived)

    # 4. Exactly once: every event there, none twice, nothing refused as a conflict.
    per_batch, rows, distinct, quarantined = stored_per_batch(db_url)
    assert rows == distinct == BATCHES * BATCH_SIZE
    assert all(per_batch.get(b) == BATCH_SIZE for b in range(BATCHES))
    assert quarantined == 0
