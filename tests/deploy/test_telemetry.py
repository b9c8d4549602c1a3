"""/metrics, /api/v1/ready and the live notifications between processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
import uuid

import psycopg
import pytest
from alembic import command
from prometheus_client.parser import text_string_to_metric_families

from api.tokens import create_token
from core import notify
from core.migrate import alembic_config
from tests.conftest import bearer


def _events(n: int, prefix: str | None = None) -> list[dict]:
    prefix = prefix or uuid.uuid4().hex[:8]
    return [
        {"event_id": f"{prefix}-{i}", "type": "case_opened", "case_id": f"case-{prefix}-{i}",
         "occurred_at": "2026-02-03T10:00:00+01:00", "team_id": "t1", "citizen": "0101801234"}
        for i in range(n)
    ]


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _wait_warm(app, seconds: float = 60) -> None:
    assert app.state.follower.warmed.wait(seconds), "the read model did not warm"


def test_metrics_count_events_requests_and_lag_and_refuse_who_may_not(client, app, services, admin_token):
    _wait_warm(app)
    monitoring = create_token(services.engine, "monitoring", name="prometheus")
    before = _samples(client.get("/metrics", headers=bearer(monitoring)).text)
    batch = _events(5)
    invalid = {"event_id": "bad-1", "type": "case_opened", "case_id": "c-bad", "occurred_at": "not a time"}
    answer = client.post("/api/v1/events", json=[*batch, invalid], headers=bearer(admin_token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 5 and answer.json()["rejected"] == 1
    again = client.post("/api/v1/events", json=batch[:2], headers=bearer(admin_token))
    assert again.json()["duplicates"] == 2

    scrape = client.get("/metrics", headers=bearer(monitoring))
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    after = _samples(scrape.text)
    for outcome, more in (("accepted", 5), ("duplicate", 2), ("refused", 1)):
        grown = _value(after, "overblik_events_total", outcome=outcome) - _value(
            before, "overblik_events_total", outcome=outcome)
        assert grown == more, outcome
    # latency per route template, never per address
    posted = _value(after, "overblik_http_request_duration_seconds_count",
                    method="POST", route="/api/v1/events", status="200")
    assert posted >= 2
    assert not any("case-" in dict(labels).get("route", "") for _name, labels in after)
    log_seq = _value(after, "overblik_event_log_seq")
    assert log_seq >= 5
    lags = [v for (name, _labels), v in after.items() if name == "overblik_read_model_lag_events"]
    assert lags and all(0 <= lag <= log_seq for lag in lags)
    assert "overblik_live_subscribers" in scrape.text

    # who may not: no token, a bad one, and every role but monitoring and admin
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("ovb_nope")).status_code == 401
    for role, binding in (("ingest", {}), ("worker", {"worker_id": "w1"}),
                          ("team_lead", {"team_id": "t1"}), ("manager", {})):
        token = create_token(services.engine, role, **binding)
        refused = client.get("/metrics", headers=bearer(token))
        assert refused.status_code == 403, role
        assert "overblik_" not in refused.text
    assert client.get("/metrics", headers=bearer(admin_token)).status_code == 200
    # the monitoring role reads nothing else
    assert client.get("/api/v1/teams", headers=bearer(monitoring)).status_code == 403
    assert client.post("/api/v1/events", json=_events(1), headers=bearer(monitoring)).status_code == 403


def test_read_model_lag_closes_once_the_follower_catches_up(client, app, admin_token, services):
    _wait_warm(app)
    monitoring = create_token(services.engine, "monitoring")
    assert client.post("/api/v1/events", json=_events(20), headers=bearer(admin_token)).status_code == 200
    deadline = time.monotonic() + 10
    while True:
        samples = _samples(client.get("/metrics", headers=bearer(monitoring)).text)
        lags = [v for (name, _l), v in samples.items() if name == "overblik_read_model_lag_events"]
        if lags and max(lags) == 0:
            break
        assert time.monotonic() < deadline, f"the read model still lags: {lags}"
        time.sleep(0.2)


def test_ready_once_warm_and_at_head_and_says_what_is_missing(client, app, db_url):
    _wait_warm(app)
    answer = client.get("/api/v1/ready")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["database"] == "ok" and body["migrations"] == "head" and body["read_model"] == "warm"
    # PostgreSQL: other workers' events arrive by LISTEN/NOTIFY; SQLite polls
    expected = "listening" if db_url.startswith("postgresql") else "polling"
    deadline = time.monotonic() + 10
    while body["live"] != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        body = client.get("/api/v1/ready").json()
    assert body["live"] == expected
    # one migration back: not ready, and it says why
    command.downgrade(alembic_config(db_url), "-1")
    behind = client.get("/api/v1/ready")
    assert behind.status_code == 503 and behind.headers["Retry-After"]
    assert behind.json()["migrations"] == "behind" and behind.json()["status"] == "not ready"
    command.upgrade(alembic_config(db_url), "head")
    assert client.get("/api/v1/ready").status_code == 200


def test_dashboard_routes_are_timed_by_name(client, app, services):
    _wait_warm(app)
    client.get("/_dash-layout")
    client.get("/some-page")
    monitoring = create_token(services.engine, "monitoring")
    text = client.get("/metrics", headers=bearer(monitoring)).text
    routes = set(re.findall(r'route="([^"]*)"', text))
    assert "/(dashboard page)" in routes
    assert "/some-page" not in routes


# -- LISTEN/NOTIFY (PostgreSQL) -------------------------------------------------------------

@pytest.fixture
def pg_url(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite keeps the follower's polling")
    return db_url


def _libpq(url: str) -> str:
    return notify.libpq_url(url)


def test_ingest_notifies_listeners_when_it_commits_and_not_before(pg_url, store):
    woken = threading.Event()
    listener = notify.Listener(pg_url, woken.set, name=f"test-{uuid.uuid4().hex[:8]}").start()
    try:
        assert listener.connected.wait(10)
        time.sleep(0.2)
        woken.clear()
        # a rolled-back batch says nothing
        failing = _events(3)

        def explode(_cursor):
            raise RuntimeError("the disk is full")

        with pytest.raises(RuntimeError):
            store.append(failing, origin="test", before_commit=explode)
        assert not woken.wait(1.5), "a rolled-back batch was announced"
        # a committed one is heard at once
        started = time.monotonic()
        summary = store.append(_events(3), origin="test")
        assert summary.accepted == 3
        assert woken.wait(2.0), "no notification after the commit"
        assert time.monotonic() - started < 2.0
    finally:
        listener.stop()


def test_a_dropped_listener_connection_reconnects_by_itself(pg_url, store):
    woken = threading.Event()
    name = f"test-listener-{uuid.uuid4().hex[:8]}"
    listener = notify.Listener(pg_url, woken.set, name=name).start()
    try:
        assert listener.connected.wait(10)
        with psycopg.connect(_libpq(pg_url), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s) t", (name,)).fetchone()[0]
        assert killed == 1
        deadline = time.monotonic() + 15
        while listener.reconnections < 1:
            assert time.monotonic() < deadline, "the listener did not reconnect"
            time.sleep(0.05)
        assert listener.connected.wait(5)
        woken.clear()
        store.append(_events(2), origin="test")
        assert woken.wait(2.0), "no notification after the reconnection"
    finally:
        listener.stop()


def test_a_second_process_read_model_moves_by_notification_not_by_polling(pg_url, services):
    """Another process's follower (its own engine), with polling slowed to a minute: only the
    notification can bring it the batch this process commits."""
    from metrics.readmodel import Follower, ReadModel

    model = ReadModel(services.engine, services.settings.zone)  # not the process's own one
    follower = Follower(model, services.clock, interval=60, listen_interval=60, warm_months=1)
    follower.start()
    try:
        assert follower.warmed.wait(30)
        deadline = time.monotonic() + 10
        while not follower.listening:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.7)  # the wake-up of the (re)connection has passed
        seen = model.last_seq
        started = time.monotonic()
        services.store.append(_events(4), origin="test")
        while model.last_seq <= seen:
            assert time.monotonic() - started < 2.0, "not within the 2 s budget"
            time.sleep(0.02)
    finally:
        follower.stop()
