"""Live fan-out between processes through the database: PostgreSQL LISTEN/NOTIFY.

The ingest transaction sends a notification on `CHANNEL` before it commits (`send`); PostgreSQL
delivers it to every listening session only when that transaction commits, so a process is never
told of events it cannot read yet. Each web process runs one `Listener`, which wakes its read
model's follower. SQLite has no such thing: there the follower's polling is all there is.

Lives in `core/` because both sides use it and `ingest` and `metrics` may not import each other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

CHANNEL = "overblik_events"
RECONNECT_FIRST = 0.2  # seconds before the first reconnection attempt, doubled up to the next
RECONNECT_MAX = 5.0
PROBE_SECONDS = 10.0  # an idle connection is probed this often, so a dead one is noticed


def supports_notify(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def send(cursor: Any, payload: str = "") -> None:
    """NOTIFY inside the caller's (PostgreSQL) transaction: delivered when it commits."""
    cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def libpq_url(url: str | URL) -> str:
    """The SQLAlchemy URL of a PostgreSQL database as a libpq connection string for psycopg."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


class Listener:
    """A background thread holding one LISTEN connection; calls `on_notify()` for every
    notification, and once after each (re)connection, since whatever was committed while it
    was away was not announced to it. A dropped connection is re-opened by itself."""

    def __init__(
        self, url: str | URL, on_notify: Callable[[], None], *, name: str = "overblik-listener",
        channel: str = CHANNEL,
    ):
        self.conninfo = libpq_url(url)
        self.on_notify = on_notify
        self.name = name
        self.channel = channel
        self.connected = threading.Event()
        self.reconnections = 0  # connections opened after the first
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection = None

    def start(self) -> Listener:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = RECONNECT_FIRST
        opened = 0
        while not self._stop.is_set():
            try:
                self._listen(first=opened == 0)
                delay = RECONNECT_FIRST
            except Exception as exc:  # the database went away, or the connection was cut
                if self._stop.is_set():
                    break
                if self.connected.is_set():
                    log.warning("live notifications lost their connection (%s); reconnecting",
                                type(exc).__name__)
                else:
                    log.debug("live notifications: no connection yet (%s)", type(exc).__name__)
            finally:
                self.connected.clear()
            opened += 1
            self._stop.wait(delay)
            delay = min(delay * 2, RECONNECT_MAX)

    def _listen(self, *, first: bool) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            self.conninfo, autocommit=True, connect_timeout=5, application_name=self.name,
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
        ) as connection:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self.connected.set()
            if not first:
                self.reconnections += 1
                log.info("live notifications reconnected")
            self._wake()
            probed = time.monotonic()
            while not self._stop.is_set():
                for _notification in connection.notifies(timeout=1.0):
                    self._wake()  # cheap (sets an event): the follower gathers a burst itself
                if time.monotonic() - probed >= PROBE_SECONDS:
                    connection.execute("SELECT 1")
                    probed = time.monotonic()

    def _wake(self) -> None:
        try:
            self.on_notify()
        except Exception:
            log.exception("a live notification's handler failed")
