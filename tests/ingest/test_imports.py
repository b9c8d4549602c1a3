"""Imports of CSV, XLSX and NDJSON files: columns, formats, streaming and the import run."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest
from openpyxl import Workbook
from sqlalchemy import text

from ingest.imports import UnreadableFile, import_path
from tests.conftest import CITIZENS, bearer

CSV = (
    "event_id,type,occurred_at,case_id,citizen,team_id,participants,hours,month,level\n"
    f"o1,case_opened,2026-01-05,c1,{CITIZENS[0]},t1,,,,\n"
    "f1,follow_up_held,2026-02-01T10:00,c1,,,citizen;caseworker;company_consultant,,,\n"
    'h1,hours_reported,2026-03-02,c1,,,,"12,5",2026-02,\n'
    ",,,,,,,,,\n"
    "r1,readiness_assessed,2026-02-03,c1,,,,,,someday\n"
)


def payloads(store):
    with store.engine.connect() as c:
        return {r.event_id: orjson.loads(r.payload) for r in c.execute(text("SELECT event_id, payload FROM events"))}


def test_csv_rows_become_events(store, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CSV)
    result = import_path(store, path, origin="test")
    s = result.summary
    assert (s.accepted, s.rejected) == (3, 1)
    assert s.errors[0].event_id == "r1" and s.errors[0].line == 6 and s.errors[0].index == 3
    stored = payloads(store)
    assert stored["f1"]["participants"] == ["caseworker", "citizen", "company_consultant"]
    assert stored["h1"] == {"month": "2026-02", "hours": 12.5}
    assert "citizen" not in stored["o1"] and len(stored["o1"]["citizen_pseudonym"]) == 64


def test_semicolon_separated_csv_with_bom(store, tmp_path):
    path = tmp_path / "danish.csv"
    path.write_bytes("\ufeffevent_id;type;occurred_at;case_id;hours;month\nh1;hours_reported;2026-03-02;c1;7,5;2026-02\n".encode())
    assert import_path(store, path, origin="test").summary.accepted == 1
    assert payloads(store)["h1"]["hours"] == 7.5


def test_importing_the_same_file_twice_records_nothing_new(store, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CSV)
    import_path(store, path, origin="test")
    again = import_path(store, path, origin="test").summary
    assert (again.accepted, again.duplicates) == (0, 3)


def test_xlsx_with_typed_cells(store, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["event_id", "type", "occurred_at", "case_id", "month", "hours", "placement_id"])
    ws.append(["x1", "hours_reported", datetime(2026, 3, 2, 9, 0), 10023, datetime(2026, 2, 1), 37, None])
    ws.append(["x2", "placement_started", "2026-03-03", 10023, None, None, 77])
    ws.append([None] * 7)
    path = tmp_path / "events.xlsx"
    wb.save(path)
    s = import_path(store, path, origin="test").summary
    assert (s.accepted, s.rejected) == (2, 0), s.errors
    stored = payloads(store)
    assert stored["x1"] == {"month": "2026-02", "hours": 37.0}
    assert stored["x2"]["placement_id"] == "77"
    with store.engine.connect() as c:
        assert {r[0] for r in c.execute(text("SELECT case_id FROM events"))} == {"10023"}


def test_ndjson_file(store, tmp_path):
    path = tmp_path / "events.ndjson"
    path.write_bytes(b'{"event_id":"n1","type":"enrolled","case_id":"c1","occurred_at":"2026-01-01"}\n\nnot json\n')
    s = import_path(store, path, origin="test").summary
    assert (s.accepted, s.rejected) == (1, 1)
    assert s.errors[0].line == 3


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.csv", b"case,what\n1,2\n", "lacks the columns"),
        ("a.csv", b"", "empty"),
        ("a.xlsx", b"PK not really a zip", "XLSX"),
        ("a.pdf", b"%PDF", "unknown file type"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(store, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        import_path(store, path, origin="test")


def test_import_runs_are_recorded(store, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CSV)
    result = import_path(store, path, origin="test", source_name="drop")
    with store.engine.connect() as c:
        run = c.execute(text("SELECT * FROM import_runs WHERE id = :i"), {"i": result.run_id}).one()
    assert (run.status, run.accepted, run.rejected, run.filename) == ("done", 3, 1, "events.csv")


def test_the_import_route_answers_with_the_summary(client, ingest_token, tmp_path):
    r = client.post(
        "/api/v1/imports",
        files={"file": ("events.csv", CSV.encode(), "text/csv")},
        headers=bearer(ingest_token),
    )
    assert r.status_code == 200
    data = r.json()
    assert (data["accepted"], data["rejected"]) == (3, 1) and data["import_run_id"]
    bad = client.post("/api/v1/imports", files={"file": ("x.doc", b"..", "x")}, headers=bearer(ingest_token))
    assert bad.status_code == 422 and "unknown file type" in bad.json()["detail"]
