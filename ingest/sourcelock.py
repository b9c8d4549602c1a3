"""The per-source run lock that keeps two processes from collecting the same source at once."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, or_, text, update

from core.database import is_sqlite, utcnow
from core.errors import Conflict
from core.messages import N_
from core.models import Source
from ingest.collector import Heartbeat

log = logging.getLogger(__name__)

# First key of PostgreSQL's two-key advisory locks; the two-key space never overlaps the
# one-key space the event store uses for its writer lock.
PG_LOCK_SPACE = 0x0B1E
# A SQLite claim lapses after this long without a heartbeat, so a crashed process cannot
# block its source for ever; collectors renew it before every page and file.
LEASE_SECONDS = 15 * 60


class SourceBusy(Conflict, RuntimeError):
    """Another run of the source holds its lock."""

    def __init__(self, name: str):
        super().__init__(f"source {name} is already running", key=N_("error_source_busy"), name=name)
        self.name = name


def pg_lock_key(name: str) -> int:
    """A stable signed 32-bit key of the source name (the same in every process)."""
    digest = hashlib.blake2b(name.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def source_lock(engine: Engine, name: str, *, lease_seconds: int = LEASE_SECONDS) -> Iterator[Heartbeat]:
    """Holds the run lock of source `name` for the block, or raises SourceBusy at once."""
    if is_sqlite(engine):
        with _sqlite_lease(engine, name, lease_seconds) as heartbeat:
            yield heartbeat
    else:
        with _pg_advisory_lock(engine, name) as heartbeat:
            yield heartbeat


@contextmanager
def _pg_advisory_lock(engine: Engine, name: str) -> Iterator[Heartbeat]:
    # A session lock on a connection of its own: it lives exactly as long as the run, and
    # PostgreSQL frees it by itself if the process dies.
    params = {"space": PG_LOCK_SPACE, "key": pg_lock_key(name)}
    connection = engine.connect()
    try:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:space, :key)"), params).scalar()
        connection.commit()  # leaves the session idle, not idle in transaction, during the run
        if not got:
            raise SourceBusy(name)
        try:
            yield lambda: None
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:space, :key)"), params)
                connection.commit()
            except Exception:
                # Never hand a connection that may still hold the lock back to the pool.
                log.warning("could not release the lock of source %s; dropping the connection", name)
                connection.invalidate()
    finally:
        connection.close()


@contextmanager
def _sqlite_lease(engine: Engine, name: str, lease_seconds: int) -> Iterator[Heartbeat]:
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    table = Source.__table__
    lease = timedelta(seconds=lease_seconds)

    now = utcnow()
    with engine.begin() as connection:
        claimed = connection.execute(
            update(table)
            .where(table.c.name == name)
            .where(or_(table.c.lease_expires_at.is_(None), table.c.lease_expires_at < now))
            .values(lease_owner=owner, lease_expires_at=now + lease)
        ).rowcount
    if not claimed:
        raise SourceBusy(name)

    def heartbeat() -> None:
        with engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.name == name, table.c.lease_owner == owner)
                .values(lease_expires_at=utcnow() + lease)
            )

    try:
        yield heartbeat
    finally:
        with engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.name == name, table.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
            )
