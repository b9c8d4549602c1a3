"""The fast tier (`make test-fast`) holds no PostgreSQL run, program process, browser or slow
test, and fails a test that would still reach one; the full run (`make test`) holds them all."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests import tiers
from tests.conftest import _pg_admin


def test_commands_that_start_the_program_are_recognised():
    assert tiers.runs_the_program(["/srv/overblik/.venv/bin/overblik", "serve", "--port", "8000"])
    assert tiers.runs_the_program([sys.executable, "-m", "api.cli", "user", "create", "kiosk"])
    assert tiers.runs_the_program([sys.executable, "-c", "from api.cli import main; main()"])
    assert not tiers.runs_the_program(["git", "status"])
    assert not tiers.runs_the_program("/usr/lib/postgresql/15/bin/pg_ctl")
    assert not tiers.runs_the_program([sys.executable, "-c", "print('overblik')"])


def test_every_run_on_postgresql_carries_its_marker_and_the_fast_tier_holds_none(request):
    items = request.session.items
    on_postgresql = [item for item in items if tiers.on_postgresql(item)]
    assert all(item.get_closest_marker("postgresql") for item in on_postgresql)
    if tiers.FAST:
        assert not on_postgresql
        assert not [item.nodeid for item in items if any(item.get_closest_marker(m) for m in tiers.MARKERS)]


@pytest.mark.skipif(not tiers.FAST, reason="the guards are on in the fast tier only")
def test_the_fast_tier_fails_a_test_that_would_reach_postgresql_the_program_or_a_browser(request):
    with pytest.raises(pytest.fail.Exception, match=r"mark the test @pytest\.mark\.postgresql"):
        _pg_admin()
    with pytest.raises(pytest.fail.Exception, match=r"mark the test @pytest\.mark\.postgresql"):
        request.getfixturevalue("pg_template")
    with pytest.raises(pytest.fail.Exception, match=r"mark the test @pytest\.mark\.process"):
        subprocess.run([sys.executable, "-m", "api.cli", "--help"], capture_output=True, timeout=60)
    playwright = pytest.importorskip("playwright.sync_api")
    with pytest.raises(pytest.fail.Exception, match=r"mark the test @pytest\.mark\.browser"):
        playwright.sync_playwright()
    # other commands still run
    assert subprocess.run([sys.executable, "-c", "pass"], timeout=60).returncode == 0
