"""The two test tiers.

`make test` runs every test: SQLite and PostgreSQL, real server processes, Chromium, the long
fuzz and property runs. `make test-fast` (`pytest --fast`) runs the unit tier, a minute at
most: SQLite only, in the test process, nothing slow. A test leaves the fast tier by one of
these markers (registered in pyproject.toml):

- `postgresql` — set automatically for every test on PostgreSQL (a `postgresql` parameter, as
  `db_url` has, or the `pg_template` fixture); a test that reaches PostgreSQL another way sets
  it itself;
- `process` — runs the program as a process of its own (`overblik serve`, `demo`, a command);
- `browser` — drives Chromium;
- `slow` — takes more than about a second on its own (a simulated jobcentre, a fuzz run).

In the fast tier a test that would still contact PostgreSQL, start the program or a browser
fails at once, naming the marker it lacks, rather than silently making the tier slow; the
summary names the fast-tier tests that took longer than SLOW_SECONDS.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

MARKERS = ("postgresql", "process", "browser", "slow")
SLOW_SECONDS = 2.0
MEMORY = "/dev/shm"  # noqa: S108 (a tmpfs on Linux; the fast tier's temporary files)

# True while the fast tier runs (`--fast`); read by the guards below.
FAST = False


def refuse(what: str, marker: str) -> None:
    """In the fast tier: fails the running test, which should carry `marker`."""
    if FAST:
        pytest.fail(f"the fast tier must not {what}: mark the test @pytest.mark.{marker}", pytrace=False)


def on_postgresql(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec else ()
    return "postgresql" in params or "pg_template" in getattr(item, "fixturenames", ())


def runs_the_program(args) -> bool:
    """A command line that starts Overblik itself: the `overblik` script or `api.cli`."""
    words = [args] if isinstance(args, str | bytes | Path) else list(args)
    return any(Path(str(word)).name == "overblik" or "api.cli" in str(word) for word in words)


class _GuardedPopen(subprocess.Popen):
    def __init__(self, args, *rest, **options):
        if runs_the_program(args):
            refuse("start the program as a process", "process")
        super().__init__(args, *rest, **options)


def _refuse_browser(*_args, **_options):
    refuse("start a browser", "browser")


def start_fast_tier(config: pytest.Config) -> None:
    """Switches the guards on: PostgreSQL (tests/conftest.py), the program, Chromium. The tests'
    files go to memory where there is a tmpfs: on disk, the fsyncs of SQLite's checkpoints and
    of the key files cost more than most unit tests themselves (the full run keeps the disk)."""
    global FAST
    FAST = True
    if not config.option.basetemp and os.path.isdir(MEMORY) and os.access(MEMORY, os.W_OK):
        tempfile.tempdir = MEMORY
    subprocess.Popen = _GuardedPopen
    try:
        from playwright import sync_api
    except ImportError:  # the browser tests skip themselves then
        return
    sync_api.sync_playwright = _refuse_browser
