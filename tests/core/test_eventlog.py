"""The event log's one owner (core/eventlog.py) on SQLite and PostgreSQL, and the scans that keep
every statement on the `events` table in it and the event vocabulary in core/contract.py."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import text

from core import contract, eventlog
from core.database import session_scope
from core.eventlog import EventLog, delete_case
from ingest.events import CaseEvent
from tests.conftest import CITIZENS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "core", "dashboard", "ingest", "metrics", "services")


def opened(case_id: str, when: str = "2026-01-05", **extra) -> dict:
    return {"event_id": f"o-{case_id}", "type": "case_opened", "case_id": case_id, "occurred_at": when,
            "citizen": CITIZENS[0], "team_id": "t1", **extra}


def hours(number: int, case_id: str = "c1") -> dict:
    return {"event_id": f"h{number}", "type": "hours_reported", "case_id": case_id,
            "occurred_at": f"2026-02-01T10:00:{number % 60:02d}.{number:06d}",
            "month": "2026-01", "hours": number}


def us(instant: str) -> int:
    moment = datetime.fromisoformat(instant).replace(tzinfo=UTC)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // datetime.resolution


def test_read_since_gives_the_log_in_seq_order_chunk_by_chunk(store, monkeypatch):
    store.append([hours(n) for n in range(1, 12)], origin="test")
    monkeypatch.setattr(eventlog, "READ_CHUNK", 4)
    log = EventLog(store.engine)
    with store.engine.connect() as connection:
        latest = log.latest_seq(connection)
        chunks = list(log.read_since(connection, 0, latest))
        assert [len(c) for c in chunks] == [4, 4, 3]
        rows = [row for chunk in chunks for row in chunk]
        assert [r[0] for r in rows] == sorted(r[0] for r in rows) and rows[-1][0] == latest
        seq, kind, case_id, instant, payload = rows[2]
        assert (kind, case_id) == ("hours_reported", "c1")
        # occurred_at in microseconds since the epoch, exactly, whichever database computed it
        assert instant == us("2026-02-01T09:00:03.000003")  # 10:00 in Copenhagen is 09:00 UTC
        assert orjson.loads(payload)["hours"] == 3
        assert [r[0] for c in log.read_since(connection, rows[4][0], rows[7][0]) for r in c] == [
            r[0] for r in rows[5:8]]
        assert list(log.read_since(connection, latest, latest)) == []


def test_latest_seq_of_an_empty_log_is_none(store):
    assert EventLog(store.engine).latest_seq() is None


def test_lookups_of_the_write_transaction_span_chunks(store, monkeypatch):
    monkeypatch.setattr(eventlog, "IN_CHUNK", 3)
    monkeypatch.setattr(eventlog, "ANY_CHUNK", 3)
    cases = [f"c{n}" for n in range(7)]
    store.append([opened(c, programme=f"p{c}") for c in cases] + [hours(n) for n in range(1, 8)],
                 origin="test", default_source="src")
    log = EventLog(store.engine)
    connection = store.engine.raw_connection()
    try:
        cursor = connection.cursor()
        ids = [f"h{n}" for n in range(1, 8)] + ["missing"]
        hashes = dict(log.hashes(cursor, "src", ids))
        assert sorted(hashes) == sorted(ids[:-1]) and all(len(h) == 64 for h in hashes.values())
        assert log.hashes(cursor, "another source", ids) == []
        kinds = log.kinds(cursor, "src", [f"o-{c}" for c in cases])
        assert sorted(kinds) == [(f"o-{c}", c, "case_opened") for c in cases]
        claims = log.claims(cursor, [*cases, "unknown"])
        assert sorted(row[0] for row in claims) == cases and {row[1] for row in claims} == {"case_opened"}
        programmes = {case_id: orjson.loads(payload)["programme"] for case_id, payload in log.opened(cursor, cases)}
        assert programmes == {c: f"p{c}" for c in cases}
        connection.commit()
    finally:
        connection.close()


def test_insert_appends_in_the_callers_transaction(store):
    log = EventLog(store.engine)
    prepared = store.prepare_many([hours(1), hours(2)], default_source="src")
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for commit, expected in ((False, None), (True, 2)):
        connection = store.engine.raw_connection()
        try:
            cursor = connection.cursor()
            log.begin_append(cursor)
            log.insert(cursor, prepared, now)
            (log.commit if commit else log.rollback)(connection, cursor)
        finally:
            connection.close()
        with store.engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM events")).scalar()
        assert (log.latest_seq() is not None) == commit and count == (expected or 0)


def test_reads_by_case_and_by_source_and_erasure(store):
    store.append([opened("c1"), opened("c2"), hours(1, "c1"), hours(2, "c2"),
                  {"event_id": "x1", "type": "case_closed", "case_id": "c1",
                   "occurred_at": "2026-03-01", "reason": "completed"}],
                 origin="test", default_source="src")
    log = EventLog(store.engine)
    with store.engine.connect() as connection:
        latest = log.latest_seq(connection)
        assert log.case_ids(connection) == {"c1", "c2"}
        c1 = log.case_events(connection, ["c1"], latest)
        assert [row[1] for row in c1] == ["case_opened", "hours_reported", "case_closed"]
        assert c1[0][3] == us("2026-01-04T23:00:00")
        assert [row[1] for row in log.case_events(connection, ["c1", "c2"], c1[1][0])] == [
            "case_opened", "case_opened", "hours_reported"]
    assert sorted(r[:3] for r in log.of_source("src", ["h1", "h2", "nope"])) == [
        ("h1", "hours_reported", "c1"), ("h2", "hours_reported", "c2")]
    state = log.state_events(["c2"], ["case_opened", "hours_reported"])
    assert sorted((r[1], r[2]) for r in state) == [("c2", "case_opened"), ("c2", "hours_reported")]
    assert log.closed_before(datetime(2026, 3, 2, tzinfo=UTC)) == ["c1"]
    assert log.closed_before(datetime(2026, 2, 1, tzinfo=UTC)) == []
    with session_scope(store.engine) as session:
        assert delete_case(session, "c1") == 3
    with store.engine.connect() as connection:
        assert log.case_ids(connection) == {"c2"}


# -- one owner, one contract -------------------------------------------------------------------

EVENTS_SQL = re.compile(r"\b(from|into|update|join|copy|table|delete\s+from)\s+events\b", re.IGNORECASE)


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("core/migrations/"):
                continue  # the schema's history is written once and never changes
            yield relative, ast.parse(path.read_text(encoding="utf-8"), relative)


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_module_but_the_event_log_issues_sql_on_the_events_table():
    offences = []
    for relative, tree in _modules():
        if relative == "core/eventlog.py":
            continue
        offences += [f"{relative}:{line}: {value.strip()[:60]!r}" for line, value in _strings(tree)
                     if EVENTS_SQL.search(value)]
        if relative != "core/models.py":  # where the table is defined
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "core.models" and any(
                        alias.name == "Event" for alias in node.names):
                    offences.append(f"{relative}:{node.lineno}: imports the events table's model")
    assert offences == []


def test_chunk_sizes_are_declared_once():
    declared = [
        f"{relative}:{node.lineno}"
        for relative, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and "CHUNK" in target.id
    ]
    assert declared and all(place.startswith("core/eventlog.py:") for place in declared)


VOCABULARY = {
    name: value for name, value in vars(contract).items()
    if name.isupper() and isinstance(value, tuple | frozenset | dict) and len(value) >= 3
}


def test_the_event_vocabulary_is_defined_once():
    """No module names a list of the contract again, under its name or as a literal."""
    sets = {name: frozenset(value) for name, value in VOCABULARY.items()}
    offences = []
    for relative, tree in _modules():
        if relative == "core/contract.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and node.col_offset == 0:
                offences += [f"{relative}:{node.lineno}: {t.id}" for t in node.targets
                             if isinstance(t, ast.Name) and t.id in VOCABULARY]
            if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) >= 3 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                literal = frozenset(e.value for e in node.elts)
                offences += [f"{relative}:{node.lineno}: a copy of {name}"
                             for name, words in sets.items() if literal == words]
    assert offences == []


def test_every_type_of_the_contract_has_its_model_and_no_other():
    members = CaseEvent.__origin__.__args__  # type: ignore[attr-defined]
    assert tuple(m.model_fields["type"].annotation.__args__[0] for m in members) == contract.EVENT_TYPES

