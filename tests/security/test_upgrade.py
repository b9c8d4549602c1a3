"""An installation upgraded from a release before the identity-number screen keeps nothing it
wrote then: migration 0011 masks the numbers in stored file names, quarantined events and their
reasons, meeting and talk notes, team and worker names (and on SQLite, no old value stays in
the database file or its WAL); the drop folder's first run deletes the verbatim copies an
earlier release kept in processed/."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from core.database import dispose_engine, get_engine
from core.migrate import current_revision, upgrade
from ingest.sources import add_source, run_source
from tests.conftest import CITIZENS, _pg_admin, _sqlalchemy_url, drop_postgres
from tests.security.test_identifiers import FULL_WIDTH, traces

PREVIOUS = "0010"
MASK = "[identity number removed]"


def forms(c: str) -> list[str]:
    """A citizen number as people and systems wrote it before the screen."""
    return [c, f"{c[:6]}-{c[6:]}", f"{c[:6]}\u2013{c[6:]}", f"{c[:6]} {c[6:]}",
            f"{c[:2]}.{c[2:4]}.{c[4:6]}-{c[6:]}", c.translate(FULL_WIDTH), f"CPR{c}nr"]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_db(request, tmp_path: Path) -> Iterator[str]:
    """A database as the release before this one left it (migrated to 0010)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'overblik.db'}"
        upgrade(url, PREVIOUS)
        yield url
        dispose_engine(url)
    else:
        name = f"overblik_test_up_{os.getpid()}_{time.monotonic_ns() % 10**9}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _sqlalchemy_url(name)
        upgrade(url, PREVIOUS)
        yield url
        drop_postgres(name)


def _insert_old_rows(url: str) -> dict[str, object]:
    """Rows an earlier release stored, carrying citizen numbers outside `citizen`; and rows
    without any, which the migration must leave as they are."""
    engine = get_engine(url)
    now = "CURRENT_TIMESTAMP"
    with engine.begin() as c:
        n = 0
        for citizen in CITIZENS:
            for form in forms(citizen):
                n += 1
                c.execute(text(
                    "INSERT INTO import_runs (origin, filename, started_at, status, accepted, duplicates, "
                    f"rejected, error) VALUES ('folder', :f, {now}, 'done', 0, 0, 1, :e)"),
                    {"f": f"eksport {form}.csv", "e": f"line 2: {form} unreadable"})
                payload = {"event_id": f"q{n}", "type": "enrolled", "case_id": f"c{n}",
                           "occurred_at": "2026-01-06", "citizen_pseudonym": "p-abc",
                           "note": f"Borger {form} ringede", "answers": {form: 1, "x": [form]}}
                c.execute(text(
                    "INSERT INTO quarantine (received_at, origin, source, event_id, case_id, type, reason, "
                    f"payload, status, attempts) VALUES ({now}, 'api', 'fag', :ev, :case, 'enrolled', :r, :p, "
                    "'open', 1)"),
                    {"ev": f"q{n}", "case": f"c{n}", "r": f"unknown field {form!r}",
                     "p": json.dumps(payload, ensure_ascii=False)})
                c.execute(text(
                    "INSERT INTO agreed_actions (team_id, worker_id, month, kind, text, status, created_by, "
                    f"created_at, updated_at) VALUES ('t1', NULL, '2026-01', 'note', :t, 'open', 'leder', "
                    f"{now}, {now})"), {"t": f"Borger {form} ringede om sin plan"})
        # numbers that lost their leading zero, as a file's whole stem and as a JSON number
        for citizen in CITIZENS:
            if citizen.startswith("0"):
                c.execute(text(
                    "INSERT INTO import_runs (origin, filename, started_at, status, accepted, duplicates, "
                    f"rejected) VALUES ('upload', :f, {now}, 'done', 1, 0, 0)"), {"f": f"{int(citizen)}.xlsx"})
                c.execute(text(
                    "INSERT INTO quarantine (received_at, origin, source, event_id, case_id, type, reason, "
                    f"payload, status, attempts) VALUES ({now}, 'api', 'fag', 'qn', 'cn', 'enrolled', 'x', :p, "
                    "'open', 1)"), {"p": json.dumps({"event_id": "qn", "amount": int(citizen)})})
        c.execute(text(f"INSERT INTO teams (team_id, name, unit, updated_at) VALUES "
                       f"('t1', :n, 'Vest', {now})"), {"n": f"Team {forms(CITIZENS[1])[1]}"})
        # more rows than one batch, none of them with a number: untouched
        clean_payload = json.dumps({"event_id": "ok", "note": "møde 12. marts", "case_id": "150324-0001"})
        c.execute(text(
            "INSERT INTO quarantine (received_at, origin, source, event_id, case_id, type, reason, payload, "
            f"status, attempts) SELECT {now}, 'api', 'fag', 'ok', '150324-0001', 'enrolled', "
            "'unknown type', :p, 'open', 1 FROM import_runs a, import_runs b, "
            "(SELECT 1 AS x UNION ALL SELECT 2) AS two"), {"p": clean_payload})
    return {"clean_payload": clean_payload}


def _rows_text(url: str) -> str:
    with get_engine(url).connect() as connection:
        return "\n".join(
            str(list(connection.execute(text(f'SELECT * FROM "{table}"'))))  # noqa: S608
            for table in inspect(connection).get_table_names()
        )


def test_upgrade_masks_identity_numbers_stored_before_the_screen(old_db):
    assert current_revision(old_db) == PREVIOUS
    before = _insert_old_rows(old_db)
    assert traces(_rows_text(old_db), CITIZENS) == CITIZENS  # the old rows hold them

    started = time.perf_counter()
    upgrade(old_db)
    took = time.perf_counter() - started
    assert current_revision(old_db) != PREVIOUS

    rows = _rows_text(old_db)
    assert traces(rows, CITIZENS) == []
    engine = get_engine(old_db)
    with engine.connect() as c:
        names = [r[0] for r in c.execute(text("SELECT filename FROM import_runs ORDER BY id"))]
        assert all(name.endswith((".csv", ".xlsx")) and MASK in name for name in names), names
        assert all(MASK in r[0] for r in c.execute(text("SELECT text FROM agreed_actions")))
        assert c.execute(text("SELECT name FROM teams")).scalar() == f"Team {MASK}"
        masked = [json.loads(r[0]) for r in c.execute(text(
            "SELECT payload FROM quarantine WHERE event_id LIKE 'q%' ORDER BY id"))]
        for event in masked:
            if "note" in event:
                assert event["citizen_pseudonym"] == "p-abc"  # the pseudonym is kept
                assert event["note"].startswith("Borger ") and MASK in event["note"]
                (key, one), (x, listed) = event["answers"].items()
                assert MASK in key and one == 1 and x == "x" and MASK in listed[0]
            else:
                assert event["amount"] == MASK
        # rows without a number are as they were (a plain reference stays, as the store keeps it)
        clean = c.execute(text("SELECT DISTINCT payload, case_id FROM quarantine WHERE event_id = 'ok'")).all()
        assert clean == [(before["clean_payload"], "150324-0001")]

    if old_db.startswith("sqlite"):
        # read while the engine still holds its connections, as a server that upgraded on
        # start does (closing the last connection would checkpoint the WAL by itself)
        db_file = Path(old_db.removeprefix("sqlite:///"))
        wal = Path(f"{db_file}-wal")
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed to nothing
        blob = ""
        for path in (db_file, wal, Path(f"{db_file}-shm")):
            if path.exists():
                data = path.read_bytes()
                blob += data.decode("latin-1") + data.decode("utf-8", "ignore")
        assert traces(blob, CITIZENS) == []
        assert MASK in blob  # the scan read the masked rows
    else:
        with engine.connect() as c:
            vacuumed = c.execute(text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN "
                "('import_runs', 'quarantine', 'agreed_actions') AND last_vacuum IS NOT NULL")).scalar()
        assert vacuumed == 3
    assert took < 30


def test_upgrading_a_current_database_changes_nothing(db_url):
    """At head already (or created new), `db upgrade` masks and compacts nothing again."""
    upgrade(db_url)
    with get_engine(db_url).connect() as c:
        assert c.execute(text("SELECT count(*) FROM quarantine")).scalar() == 0


def _settled(path: Path, content: str) -> Path:
    path.write_text(content)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


OLD_COPY = "event_id,type,case_id,occurred_at,citizen,team_id\n" + "".join(
    f"k{n},case_opened,k{n},2026-02-02,{c},t1\n" for n, c in enumerate(CITIZENS))


@pytest.mark.parametrize("keep_days", [0, 30])
def test_verbatim_copies_an_earlier_release_kept_are_gone_after_one_run(store, tmp_path, keep_days):
    inbox = tmp_path / "inbox"
    processed = inbox / "processed"
    processed.mkdir(parents=True)
    # as the release before moved imported files: the file as it came, its name unmasked
    _settled(processed / f"{CITIZENS[0]}.csv", OLD_COPY)
    _settled(processed / "eksport.20260101T080000000000Z.csv", OLD_COPY)
    # a scrubbed copy this release kept yesterday
    kept = _settled(processed / "uge1.scrubbed.ndjson", '{"citizen_pseudonym":"p"}\n')
    os.utime(kept, (time.time() - 86400, time.time() - 86400))
    config = {"path": str(inbox), "keep_days": keep_days}
    add_source(store.engine, "inbox", "drop_folder", config)

    result = run_source(store, "inbox")

    assert result.status == "ok", result.error
    left = sorted(p.name for p in processed.iterdir())
    assert left == ([] if keep_days == 0 else ["uge1.scrubbed.ndjson"])
    files = "".join(p.read_text() for p in processed.iterdir())
    assert traces(files, CITIZENS) == []


def test_a_processed_folder_that_is_the_watched_folder_loses_no_waiting_file(store, tmp_path):
    """processed_dir set to the folder itself: its waiting and not yet settled files stay."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "arriving.csv").write_text(OLD_COPY)  # modified just now: not settled
    add_source(store.engine, "inbox", "drop_folder", {"path": str(inbox), "processed_dir": str(inbox)})

    result = run_source(store, "inbox")

    assert result.status == "ok", result.error
    assert (inbox / "arriving.csv").exists()
