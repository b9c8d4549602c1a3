"""Fixtures shared by every test: real databases (SQLite and PostgreSQL), the app, tokens."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.tokens import create_token
from core.database import dispose_engine
from core.migrate import upgrade
from core.settings import Settings

PG_ADMIN = os.environ.get("OVERBLIK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TEMPLATE = f"overblik_test_template_{os.getpid()}"
TEST_KEY = "test-pseudonym-key-0123456789abcdef"
# Citizen identifiers the tests send; test_privacy scans everything written for them.
CITIZENS = ["0101801234", "2512904321", "1111111118"]


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN, autocommit=True)


def _sqlalchemy_url(database: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is copied from."""
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'overblik.db'}"
        upgrade(url)
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
