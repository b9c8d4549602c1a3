"""The database engine, sessions and the small differences between SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from core.files import private_file, restrict_umask
from core.settings import get_settings

log = logging.getLogger(__name__)

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
    # deleted rows (an erased case) are overwritten with zeros, not left in free space (some
    # builds of SQLite do it by default, others not: set either way)
    cursor.execute(f"PRAGMA secure_delete={'ON' if get_settings().sqlite_secure_delete else 'OFF'}")
    # the database file and its -wal/-shm are the server's alone (0600), also when an older
    # version or another tool created them wider
    for _seq, name, path in cursor.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            for suffix in ("", "-wal", "-shm"):
                private_file(path + suffix)
    cursor.close()


def _on_sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def create_database_engine(url: str) -> Engine:
    # every file this process creates from here on (the database, its WAL, keys, reports) is 0600
    restrict_umask()
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


def compact_after_erasure(engine: Engine, tables: Iterable[str]) -> None:
    """Leaves no copy of deleted rows behind the live tables. SQLite: the WAL, which still holds
    the pages as they were before the delete, is checkpointed into the database file (whose
    freed content secure_delete has zeroed) and truncated to nothing. PostgreSQL: VACUUM the
    tables (outside a transaction), so their dead tuples are pruned and the space reused; WAL
    archives and backups keep old values until they expire (docs/security.md)."""
    if is_sqlite(engine):
        connection = engine.raw_connection()  # no BEGIN around it: a checkpoint runs on its own
        try:
            cursor = connection.cursor()
            busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
        finally:
            connection.close()
        if busy:
            log.warning("the WAL could not be emptied after an erasure: a reader held it; "
                        "the next erasure or checkpoint empties it")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.exec_driver_sql(f'VACUUM "{table}"')
