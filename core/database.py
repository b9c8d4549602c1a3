"""The database engine, sessions and the small differences between SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from core.settings import get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()

SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_sqlite(dbapi_connection, _record=None) -> None:
    """The settings every SQLite connection of Overblik runs with."""
    # WAL lets readers work while a batch is written; the busy timeout makes writers queue
    # instead of failing with "database is locked". Transactions are begun explicitly (see
    # `begin_write`), so pysqlite's own implicit BEGIN is switched off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Index pages of a growing log stay in memory (the default 2 MiB thrashes past ~100k events).
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def create_database_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", configure_sqlite)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    # No server-side prepared statements: their generic plans, made while a table is still
    # small, keep scanning it whole as it grows (the ingest checks slowed 10x by 30,000 rows).
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args={"prepare_threshold": None}
    )


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_database_engine(url)
        return engine


def dispose_engine(url: str) -> None:
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction commits when the block ends without an error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Times read back from SQLite have no offset; every stored time is UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def db_time(engine: Engine, value: datetime):
    """A UTC instant as the driver stores it: SQLAlchemy's SQLite text form, or a datetime."""
    value = value.astimezone(UTC)
    if is_sqlite(engine):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value
