"""Fixtures shared by every test: real databases (SQLite and PostgreSQL), the app, tokens."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import create_token
from core.database import dispose_engine
from core.migrate import upgrade
from core.settings import Settings
from services.runtime import Services
from tests import tiers

PG_ADMIN = os.environ.get("OVERBLIK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TEMPLATE = f"overblik_test_template_{os.getpid()}"
TEST_KEY = "test-pseudonym-key-0123456789abcdef"
# Citizen identifiers the tests send; test_privacy scans everything written for them.
CITIZENS = ["0101801234", "2512904321", "1111111118"]


def pytest_addoption(parser) -> None:
    parser.addoption("--fast", action="store_true", default=False,
                     help="the fast tier (make test-fast): SQLite only; no PostgreSQL, program "
                          "process, browser or slow test (tests/tiers.py)")


def pytest_configure(config) -> None:
    if config.getoption("fast"):
        tiers.start_fast_tier(config)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if tiers.on_postgresql(item):
            item.add_marker(pytest.mark.postgresql)
    if not tiers.FAST:
        return
    kept, left = [], []
    for item in items:
        (left if any(item.get_closest_marker(name) for name in tiers.MARKERS) else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_terminal_summary(terminalreporter) -> None:
    if not tiers.FAST:
        return
    took: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) and getattr(report, "nodeid", None):
                took[report.nodeid] = took.get(report.nodeid, 0.0) + report.duration
    slow = sorted(((t, n) for n, t in took.items() if t > tiers.SLOW_SECONDS), reverse=True)
    if slow:
        terminalreporter.write_sep("-", f"fast tier: {len(slow)} tests took over {tiers.SLOW_SECONDS:g} s "
                                        "(mark them slow?)")
        for seconds, nodeid in slow:
            terminalreporter.write_line(f"{seconds:6.2f}s {nodeid}")


def _pg_admin() -> psycopg.Connection:
    tiers.refuse("contact PostgreSQL", "postgresql")
    return psycopg.connect(PG_ADMIN, autocommit=True)


def _sqlalchemy_url(database: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is copied from."""
    tiers.refuse("contact PostgreSQL", "postgresql")
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = _sqlalchemy_url(TEMPLATE)
    upgrade(url)
    dispose_engine(url)
    yield TEMPLATE
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')


def fresh_postgres(template: str) -> str:
    name = f"overblik_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def drop_postgres(name: str) -> None:
    url = _sqlalchemy_url(name)
    dispose_engine(url)
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file that each test's database is copied from (as PostgreSQL's
    databases are from `pg_template`): migrating anew for every test would cost more than
    most tests themselves."""
    path = tmp_path_factory.mktemp("sqlite-template") / "overblik.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "overblik.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        path.chmod(0o600)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
    else:
        template = request.getfixturevalue("pg_template")
        name = fresh_postgres(template)
        yield _sqlalchemy_url(name)
        drop_postgres(name)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        pseudonym_key=TEST_KEY,
        pseudonym_key_file=tmp_path / "pseudonym.key",
        scheduler=False,
    )


@pytest.fixture
def services(settings: Settings) -> Services:
    return Services.from_settings(settings)


@pytest.fixture
def store(services: Services):
    return services.store


@pytest.fixture
def app(settings: Settings):
    return create_app(settings, run_scheduler=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin_token(services: Services) -> str:
    return create_token(services.engine, "admin", name="test admin")


@pytest.fixture
def ingest_token(services: Services) -> str:
    return create_token(services.engine, "ingest", name="test feed")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def every_log_record_in(log_file: Path) -> Iterator[None]:
    """Every log record, DEBUG and up, written to `log_file` while the block runs: the log a
    privacy scan reads with the rest of what a run wrote to disk."""
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(previous)
