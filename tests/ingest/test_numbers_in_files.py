"""Numbers written as text in files (docs/ingest.md, "Numbers in files"), on SQLite and
PostgreSQL: Danish decimal commas and thousands points are read as such, the machine form too,
and a garbled number is refused with its field named, never guessed."""

from __future__ import annotations

import orjson
from sqlalchemy import text

from ingest.imports import import_path
from ingest.mapping import import_mapped, parse_mapping
from metrics.reference import load_figures
from tests.conftest import bearer


def hours_by_event(store) -> dict[str, float]:
    with store.engine.connect() as c:
        rows = c.execute(text("SELECT event_id, payload FROM events WHERE type = 'hours_reported'"))
        return {r.event_id: orjson.loads(r.payload)["hours"] for r in rows}


def test_a_csv_with_danish_decimal_commas(store, tmp_path):
    path = tmp_path / "timer.csv"
    path.write_text(
        "event_id;type;occurred_at;case_id;month;hours\n"
        "h1;hours_reported;2026-03-02;c1;2026-02;37,5\n"
        "h2;hours_reported;2026-03-02;c2;2026-02;0,25\n"
        "h3;hours_reported;2026-03-02;c3;2026-02;7.5\n"       # the machine form
        "h4;hours_reported;2026-03-02;c4;2026-02;1 2,5\n"     # garbled: refused
        "h5;hours_reported;2026-03-02;c5;2026-02;1,2,3\n"     # garbled: refused
        "h6;hours_reported;2026-03-02;c6;2026-02;\"1.234,5\"\n",  # read exactly; above 744 hours: refused
        encoding="utf-8")
    s = import_path(store, path, origin="test").summary
    assert hours_by_event(store) == {"h1": 37.5, "h2": 0.25, "h3": 7.5}
    refused = {e.event_id: e.reason for e in s.errors}
    assert set(refused) == {"h4", "h5", "h6"} and all("hours" in r for r in refused.values()), refused


def test_a_mapped_export_with_danish_numbers(store, tmp_path):
    mapping = parse_mapping(
        "name: timer\ncase_id: Sag\nexport_date: {modified: true}\n"
        "events:\n"
        "  - type: hours_reported\n"
        "    when: Timer\n"
        "    fields: {month: {column: Måned, format: '%m/%Y'}, hours: Timer}\n")
    export = tmp_path / "timer.csv"
    export.write_text("Sag;Måned;Timer\nA;02/2026;12,5\nB;02/2026;160\nC;02/2026;1,2,3\nD;02/2026;0.75\n",
                      encoding="utf-8")
    s = import_mapped(store, export, mapping, origin="test").summary
    with store.engine.connect() as c:
        got = {r.case_id: orjson.loads(r.payload)["hours"]
               for r in c.execute(text("SELECT case_id, payload FROM events WHERE type = 'hours_reported'"))}
    assert got == {"A": 12.5, "B": 160.0, "D": 0.75}
    assert s.rejected == 1 and "Timer" in s.errors[0].reason and "hours" in s.errors[0].reason


def test_reference_figures_with_danish_numbers(client, services, admin_token):
    body = ("label;metric;month;value\n"
            "national;placement_share;2026-02;0,555\n"
            "region;placement_starts;2026-02;1.234,5\n"
            "nabo;placement_starts;2026-03;1.234\n")   # point + three digits: thousands, as Danish reads it
    answer = client.post("/api/v1/reference-figures", content=body, headers=bearer(admin_token))
    assert answer.status_code == 200, answer.text
    got = {(f["label"], f["month"]): f["value"] for f in load_figures(services.engine)}
    assert got == {("national", "2026-02"): 0.555, ("region", "2026-02"): 1234.5, ("nabo", "2026-03"): 1234.0}
    bad = client.post("/api/v1/reference-figures", content="label;metric;month;value\nx;cv_share;2026-02;1,2,3\n",
                      headers=bearer(admin_token))
    assert bad.status_code == 422 and "line 2" in bad.text and "value" in bad.text
    assert len(load_figures(services.engine)) == 3  # nothing stored before is harmed
