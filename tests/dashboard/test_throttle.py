"""The sign-in throttle is shared by every web process through the database (SQLite and
PostgreSQL): two app instances on one database count the same failures. Its rules per account
and address, per address and per account: tests/security/test_signin.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from core.accounts import create_user
from core.database import session_scope
from core.models import SignInFailure
from core.throttle import MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_PAIR, SignInThrottle

LEDER, CHEF = "Tre hvide svaner 7!", "Grøn kaffe hver tirsdag"


@pytest.fixture
def two_processes(settings, services):
    create_user(services.engine, "leder", LEDER, "team_lead", team_id="t1")
    create_user(services.engine, "chef", CHEF, "manager")
    first = create_app(settings, run_scheduler=False)
    second = create_app(settings, run_scheduler=False)
    with TestClient(first) as a, TestClient(second) as b:
        yield a, b


def sign_in(client, username, password):
    return client.post("/sign-in", data={"username": username, "password": password}, follow_redirects=False)


@pytest.mark.slow
def test_failures_in_one_process_count_in_the_other(two_processes, services):
    a, b = two_processes
    for attempt in range(MAX_FAILURES_PER_PAIR):
        client = a if attempt % 2 == 0 else b  # 3 failures in one process, 2 in the other
        assert sign_in(client, "leder", "wrong").status_code == 401
    for client in (a, b):
        blocked = sign_in(client, "leder", LEDER)  # even the right password, from this address
        assert blocked.status_code == 429 and "For mange forkerte forsøg" in blocked.text
        assert blocked.headers["retry-after"] == str(15 * 60)
    # another user from the same address is not blocked by the first one's failures
    assert sign_in(b, "chef", CHEF).status_code == 303
    with session_scope(services.engine) as session:
        rows = session.exec(select(SignInFailure)).all()
    assert len(rows) == 3 * MAX_FAILURES_PER_PAIR  # per pair, per address, per account
    assert all("leder" not in r.subject and "testclient" not in r.subject for r in rows)  # digests only


@pytest.mark.slow
def test_an_address_is_blocked_after_its_budget_across_usernames_and_processes(two_processes):
    a, b = two_processes
    for attempt in range(MAX_FAILURES_PER_ADDRESS):
        client = a if attempt % 2 == 0 else b
        assert sign_in(client, f"guess-{attempt}", "wrong").status_code == 401  # at most 1 per name
    assert sign_in(a, "chef", CHEF).status_code == 429
    assert sign_in(b, "chef", CHEF).status_code == 429


@pytest.mark.slow
def test_a_successful_sign_in_clears_the_users_count(two_processes):
    a, b = two_processes
    for _ in range(MAX_FAILURES_PER_PAIR - 1):
        assert sign_in(a, "leder", "wrong").status_code == 401
    assert sign_in(b, "leder", LEDER).status_code == 303
    for _ in range(MAX_FAILURES_PER_PAIR - 1):
        assert sign_in(b, "Leder ", "wrong").status_code == 401  # the same user, however typed
    assert sign_in(a, "LEDER", LEDER).status_code == 303


def test_failures_leave_the_window_and_the_table(services):
    now = [datetime(2026, 12, 1, 8, 0, tzinfo=UTC)]
    throttle = SignInThrottle(services.engine, clock=lambda: now[0])
    for _ in range(MAX_FAILURES_PER_PAIR):
        throttle.failed("leder", "10.0.0.1")
    assert throttle.blocked("leder", "10.0.0.1") and not throttle.blocked("chef", "10.0.0.1")
    assert not throttle.blocked("leder", "10.0.0.2")  # the failures were made elsewhere
    counts = throttle.failures("chef", "10.0.0.1")
    assert (counts.pair, counts.address, counts.account) == (0, MAX_FAILURES_PER_PAIR, 0)
    now[0] += timedelta(minutes=14)
    assert throttle.blocked("leder", "10.0.0.1")
    now[0] += timedelta(minutes=1, seconds=1)
    assert not throttle.blocked("leder", "10.0.0.1")
    throttle.failed("chef", "10.0.0.3")  # each failure also sweeps what left the window
    with session_scope(services.engine) as session:
        assert len(session.exec(select(SignInFailure)).all()) == 3
