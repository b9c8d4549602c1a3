"""Applies the Alembic migrations that bring a database to the current schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from core.database import compact_after_erasure, get_engine
from core.settings import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"

# Migration 0011 masks identity numbers stored before the screen existed; the values it
# replaced must not stay behind the live rows (SQLite: the WAL; PostgreSQL: dead tuples).
MASKING_REVISION = "0011"
MASKED_TABLES = ("import_runs", "quarantine", "agreed_actions", "teams", "workers")


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url or get_settings().database_url)
    return config


def current_revision(database_url: str | None = None) -> str | None:
    """The revision the database stands at (None: no schema yet)."""
    with get_engine(database_url or get_settings().database_url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    url = database_url or get_settings().database_url
    before = current_revision(url)
    command.upgrade(alembic_config(url), revision)
    if before is not None and before < MASKING_REVISION <= (current_revision(url) or ""):
        # after the masking migration's commit, outside any transaction: the SQLite WAL
        # checkpointed to nothing, the PostgreSQL tables vacuumed (VACUUM FULL, to give the
        # pages back to the operating system, is a maintenance window's job: docs/deploy.md)
        compact_after_erasure(get_engine(url), MASKED_TABLES)
