"""The event log: every statement on the `events` table, with its SQLite and PostgreSQL forms."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.orm import Session

from core.contract import CASE_CLOSED
from core.database import db_time, is_sqlite, session_scope
from core.models import Event

TABLE = "events"
READ_CHUNK = 20_000  # rows fetched at a time when the log is read in order
IN_CHUNK = 900  # keys in one `IN (...)`: SQLite binds at most 999 parameters
ANY_CHUNK = 10_000  # keys in one `= ANY(%s)` on PostgreSQL
# Serialises writers on PostgreSQL so that the checks of a batch and its insert see one
# consistent log (SQLite gets the same from BEGIN IMMEDIATE).
APPEND_LOCK_KEY = 0x0B1E_0001

_COLUMNS = "source, event_id, type, case_id, occurred_at, payload, content_hash, singleton_key, received_at"
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
_COPY = f"COPY events ({_COLUMNS}) FROM STDIN"
# occurred_at as microseconds since the epoch, computed by the database: SQLite from the
# stored UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'), exactly, and faster than in Python
_SQLITE_INSTANT = (
    "CAST(strftime('%s', substr(occurred_at, 1, 19)) AS INTEGER) * 1000000 "
    "+ CAST(substr(occurred_at, 21, 6) AS INTEGER)"
)
_PG_INSTANT = "(EXTRACT(EPOCH FROM occurred_at) * 1000000)::bigint"


class StoredEvent(Protocol):
    """An event in the form the log keeps it (ingest.events.NormalisedEvent)."""

    source: str
    event_id: str
    type: str
    case_id: str
    occurred_at: datetime
    stored_time: str  # occurred_at as SQLite keeps it
    payload_json: str
    content_hash: str
    singleton_key: str | None


def _chunks(keys: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


class EventLog:
    """The log of one database. The methods taking a cursor run inside the write transaction
    of ingest/store.py (a DB-API cursor of a raw connection); the others on their own."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = is_sqlite(engine)
        self._p = "?" if self.sqlite else "%s"
        self._instant = _SQLITE_INSTANT if self.sqlite else _PG_INSTANT

    # -- the write transaction ------------------------------------------------------------

    def begin_append(self, cursor: Any) -> None:
        """Takes the log's write lock for the transaction."""
        if self.sqlite:
            cursor.execute("BEGIN IMMEDIATE")
            return
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK_KEY,))
        # The lookups of a batch are by key; before autovacuum has analysed a fast-growing
        # log the planner picks whole-table scans for them, each batch slower.
        cursor.execute("SET LOCAL enable_seqscan = off")

    def commit(self, connection: Any, cursor: Any) -> None:
        if self.sqlite:
            cursor.execute("COMMIT")
        else:
            connection.commit()

    def rollback(self, connection: Any, cursor: Any) -> None:
        if self.sqlite:
            cursor.execute("ROLLBACK")
        else:
            connection.rollback()

    def insert(self, cursor: Any, events: Sequence[StoredEvent], now: datetime) -> None:
        """Appends the events, received at `now`; the log gives each its `seq`."""
        if self.sqlite:
            received = db_time(self.engine, now)
            cursor.executemany(
                _INSERT,
                [
                    (
                        e.source, e.event_id, e.type, e.case_id, e.stored_time,
                        e.payload_json, e.content_hash, e.singleton_key, received,
                    )
                    for e in events
                ],
            )
            return
        # PostgreSQL: COPY is several times faster than executemany for a batch.
        with cursor.copy(_COPY) as copy:
            for e in events:
                copy.write_row(
                    (
                        e.source, e.event_id, e.type, e.case_id, e.occurred_at,
                        e.payload_json, e.content_hash, e.singleton_key, now,
                    )
                )

    def hashes(self, cursor: Any, source: str, event_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(event_id, content_hash) of the source's stored events among `event_ids` (unique)."""
        if not self.sqlite:
            cursor.execute(
                "SELECT event_id, content_hash FROM events WHERE source = %s AND event_id = ANY(%s)",
                (source, list(event_ids)),
            )
            return cursor.fetchall()
        return self._by_event_id(cursor, "event_id, content_hash", source, event_ids)

    def kinds(self, cursor: Any, source: str, event_ids: Sequence[str]) -> list[tuple[str, str, str]]:
        """(event_id, case_id, type) of the source's stored events among `event_ids` (unique)."""
        return self._by_event_id(cursor, "event_id, case_id, type", source, event_ids)

    def _by_event_id(self, cursor: Any, columns: str, source: str, event_ids: Sequence[str]) -> list:
        rows: list = []
        for chunk in _chunks(event_ids, IN_CHUNK):
            marks = ", ".join([self._p] * len(chunk))
            cursor.execute(
                f"SELECT {columns} FROM events WHERE source = {self._p} "  # noqa: S608
                f"AND event_id IN ({marks})",
                (source, *chunk),
            )
            rows.extend(cursor.fetchall())
        return rows

    def claims(self, cursor: Any, case_ids: Sequence[str]) -> list[tuple]:
        """(case_id, type, payload, occurred_at, source, event_id) of the cases' stored events
        that hold a "one of each per case" key; retractions carry one too, so this reads the
        partial index only."""
        return self._by_case(
            cursor, "case_id, type, payload, occurred_at, source, event_id",
            "singleton_key IS NOT NULL", case_ids, IN_CHUNK if self.sqlite else ANY_CHUNK,
        )

    def opened(self, cursor: Any, case_ids: Sequence[str]) -> list[tuple[str, Any]]:
        """(case_id, payload) of the cases' stored `case_opened`, by the one-per-case key's index."""
        return self._by_case(
            cursor, "case_id, payload", "singleton_key = 'case_opened'", case_ids,
            IN_CHUNK if self.sqlite else len(case_ids) or 1,
        )

    def _by_case(self, cursor: Any, columns: str, condition: str, case_ids: Sequence[str],
                 size: int) -> list:
        rows: list = []
        for chunk in _chunks(case_ids, size):
            if self.sqlite:
                where = f"case_id IN ({', '.join([self._p] * len(chunk))})"
                params: tuple = tuple(chunk)
            else:
                where, params = "case_id = ANY(%s)", (list(chunk),)
            cursor.execute(
                f"SELECT {columns} FROM events WHERE {where} AND {condition}",  # noqa: S608
                params,
            )
            rows.extend(cursor.fetchall())
        return rows

    # -- reading --------------------------------------------------------------------------

    def latest_seq(self, connection: Connection | None = None) -> int | None:
        """The `seq` of the last stored event; None while the log is empty."""
        if connection is None:
            with self.engine.connect() as own:
                return self.latest_seq(own)
        return connection.exec_driver_sql("SELECT MAX(seq) FROM events").scalar()

    def read_since(self, connection: Connection, after: int, upto: int) -> Iterator[list[tuple]]:
        """The events with after < seq <= upto in `seq` order, READ_CHUNK rows at a time, each
        row (seq, type, case_id, occurred_at in microseconds since the epoch, payload). The hot
        path of the read model's catch-up: rows stream from the server, never all at once."""
        query = (
            f"SELECT seq, type, case_id, {self._instant}, payload FROM events "  # noqa: S608
            f"WHERE seq > {self._p} AND seq <= {self._p} ORDER BY seq"
        )
        if self.sqlite:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(query, (after, upto))
                while rows := cursor.fetchmany(READ_CHUNK):
                    yield rows
            finally:
                cursor.close()
            return
        result = connection.exec_driver_sql(
            query, (after, upto), execution_options={"stream_results": True}
        )
        try:
            while rows := result.fetchmany(READ_CHUNK):
                yield rows  # type: ignore[misc]
        finally:
            result.close()

    def case_events(self, connection: Connection, case_ids: Sequence[str], upto: int) -> list[tuple]:
        """(seq, type, case_id, occurred_at in microseconds, payload, source, event_id) of the
        cases' events with seq <= upto, in `seq` order within each chunk of cases. The log has
        no index by case: each chunk is one pass over it."""
        rows: list[tuple] = []
        for chunk in _chunks(case_ids, IN_CHUNK):
            if self.sqlite:
                where, params = f"case_id IN ({', '.join('?' * len(chunk))})", (*chunk, upto)
            else:
                where, params = "case_id = ANY(%s)", (list(chunk), upto)
            rows.extend(connection.exec_driver_sql(
                f"SELECT seq, type, case_id, {self._instant}, payload, source, event_id FROM events "  # noqa: S608
                f"WHERE {where} AND seq <= {self._p} ORDER BY seq",
                params,
            ).fetchall())
        return rows

    def case_ids(self, connection: Connection) -> set[str]:
        """Every case with an event in the log."""
        return {row[0] for row in connection.exec_driver_sql("SELECT DISTINCT case_id FROM events")}

    def state_events(self, case_ids: Sequence[str], types: Sequence[str]) -> list[tuple]:
        """(seq, case_id, type, occurred_at, payload) of the cases' events of these types, in
        one pass over the log: it has no index by case (it is kept lean for ingest), so a
        lookup per case would scan it each time."""
        types = list(types)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if self.sqlite:
                cursor.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_cases (case_id TEXT PRIMARY KEY)")
                cursor.execute("DELETE FROM wanted_cases")
                cursor.executemany("INSERT OR IGNORE INTO wanted_cases VALUES (?)", [(c,) for c in case_ids])
                marks = ", ".join("?" * len(types))
                cursor.execute(
                    "SELECT e.seq, e.case_id, e.type, e.occurred_at, e.payload FROM events e "  # noqa: S608
                    f"JOIN wanted_cases m ON m.case_id = e.case_id WHERE e.type IN ({marks})",
                    types,
                )
                rows = cursor.fetchall()
                cursor.execute("DROP TABLE wanted_cases")
            else:
                cursor.execute(
                    "SELECT seq, case_id, type, occurred_at, payload FROM events "
                    "WHERE case_id = ANY(%s) AND type = ANY(%s)",
                    (list(case_ids), types),
                )
                rows = cursor.fetchall()
            connection.commit()
        finally:
            connection.close()
        return rows

    def of_source(self, source: str, event_ids: Sequence[str]) -> list[tuple]:
        """(event_id, type, case_id, payload) of the source's stored events among `event_ids`."""
        rows: list[tuple] = []
        with self.engine.connect() as connection:
            for chunk in _chunks(list(dict.fromkeys(event_ids)), IN_CHUNK):
                marks = ", ".join([self._p] * len(chunk))
                rows.extend(connection.exec_driver_sql(
                    "SELECT event_id, type, case_id, payload FROM events "  # noqa: S608
                    f"WHERE source = {self._p} AND event_id IN ({marks})",
                    (source, *chunk),
                ).fetchall())
        return rows

    def recent_of_source(self, source: str, within: int) -> list[tuple]:
        """(event_id, type, case_id, payload) of the source's events among the last `within`
        stored, the latest first: a range of the primary key, so its cost is bounded however
        long the log (the log has no index by source)."""
        with self.engine.connect() as connection:
            return list(connection.exec_driver_sql(
                "SELECT event_id, type, case_id, payload FROM events "  # noqa: S608
                f"WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM events) - {self._p} AND source = {self._p} "
                "ORDER BY seq DESC",
                (int(within), source),
            ).fetchall())

    def closed_before(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        """Cases whose closing event happened before `cutoff`, the earliest stored first."""
        with session_scope(self.engine) as session:
            query = (
                select(Event.case_id)
                .where(Event.type == CASE_CLOSED, Event.occurred_at < cutoff)
                .group_by(Event.case_id)
                .order_by(func.min(Event.seq))
                .limit(limit)
            )
            return [row[0] for row in session.execute(query)]


def delete_case(session: Session, case_id: str) -> int:
    """Deletes every event of a case in the session's transaction (erasure); how many."""
    return session.execute(delete(Event).where(Event.case_id == case_id)).rowcount or 0  # type: ignore[attr-defined]
