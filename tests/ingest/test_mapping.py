"""Case-system exports imported through mapping files (docs/mappings.md), on both databases."""

from __future__ import annotations

import csv
import os
import shutil
import time
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest
from openpyxl import Workbook
from sqlalchemy import inspect, text

from ingest.dropfolder import DropFolderConfig, collect_folder
from ingest.imports import UnreadableFile
from ingest.mapping import MappingError, import_mapped, load_mapping, parse_mapping
from ingest.sources import SourceError, add_source, run_source

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "mappings"
CASES = SAMPLES / "cases.yaml"
PLACEMENTS = SAMPLES / "placements.yaml"
WEEK_1 = SAMPLES / "sager-2026-03-02.csv"
WEEK_2 = SAMPLES / "sager-2026-03-09.csv"
PLACEMENT_LIST = SAMPLES / "praktikker-2026-03.csv"
HEADER = WEEK_1.read_text(encoding="utf-8").splitlines()[0]


def sample_citizens() -> set[str]:
    found = set()
    for path in (WEEK_1, WEEK_2):
        with open(path, encoding="utf-8", newline="") as handle:
            found.update(row["CPR"] for row in csv.DictReader(handle, delimiter=";"))
    return found


def stored(store, where: str = "1=1") -> list[dict]:
    with store.engine.connect() as c:
        rows = c.execute(text(
            f"SELECT source, event_id, type, case_id, occurred_at, payload FROM events WHERE {where} ORDER BY seq"  # noqa: S608
        ))
        return [
            {"source": r.source, "event_id": r.event_id, "type": r.type, "case_id": r.case_id,
             "occurred_at": r.occurred_at, **orjson.loads(r.payload)}
            for r in rows
        ]


def quarantined(store) -> list[dict]:
    with store.engine.connect() as c:
        rows = c.execute(text("SELECT case_id, type, reason, payload, origin, import_run_id FROM quarantine ORDER BY id"))
        return [{"case_id": r.case_id, "type": r.type, "reason": r.reason, "payload": orjson.loads(r.payload),
                 "origin": r.origin, "import_run_id": r.import_run_id} for r in rows]


def local_day(value) -> str:
    """The local (Copenhagen) date of a stored instant, as both databases return it."""
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        value = datetime.fromisoformat(value + ("+00:00" if "+" not in value else ""))
    return value.astimezone(ZoneInfo("Europe/Copenhagen")).date().isoformat()


def write_export(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


# -- the two examples ------------------------------------------------------------------------


def test_the_case_list_example_imported_twice_records_nothing_new(store):
    mapping = load_mapping(CASES)
    first = import_mapped(store, WEEK_1, mapping, origin="test")
    assert first.rows == 4
    assert first.summary.rejected == 0, first.summary.errors
    events = stored(store)
    assert first.summary.accepted == len(events) > 0
    assert {e["source"] for e in events} == {"sagssystem"}
    by_type = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e["case_id"])
    assert sorted(by_type["case_opened"]) == ["S-1001", "S-1002", "S-1003", "S-1004"]
    assert sorted(by_type["cv_completed"]) == ["S-1001", "S-1004"]  # "Nej" records nothing
    assert sorted(by_type["readiness_assessed"]) == ["S-1001", "S-1002", "S-1004"]  # "Ikke vurderet" maps to null
    assert by_type["case_closed"] == ["S-1004"]
    assert "case_transferred" not in by_type  # every case is still in the team it was opened in
    closed = next(e for e in events if e["type"] == "case_closed")
    assert (closed["reason"], closed["outcome"], local_day(closed["occurred_at"])) == ("completed", "job", "2026-02-27")
    opened = next(e for e in events if e["case_id"] == "S-1003" and e["type"] == "case_opened")
    assert opened["programme"] == "mestring" and opened["team_id"] == "team-syd" and "citizen" not in opened
    readiness = next(e for e in events if e["case_id"] == "S-1002" and e["type"] == "readiness_assessed")
    assert readiness["level"] == "close" and local_day(readiness["occurred_at"]) == "2026-03-02"  # the export's date

    again = import_mapped(store, WEEK_1, mapping, origin="test")
    assert (again.summary.accepted, again.summary.rejected) == (0, 0)
    assert again.summary.duplicates == first.summary.accepted + first.summary.duplicates
    assert len(stored(store)) == len(events)


def test_the_placement_list_example_imported_twice_records_nothing_new(store, tmp_path):
    mapping = load_mapping(PLACEMENTS)
    first = import_mapped(store, PLACEMENT_LIST, mapping, origin="test").summary
    assert (first.accepted, first.rejected) == (6, 0), first.errors
    placements = {(e["type"], e["placement_id"]): e for e in stored(store)}
    started = placements[("placement_started", "P-502")]
    assert (started["kind"], started["hours_per_week"], started["employer"]) == ("wage_subsidy", 37.0, "Tømrer Hansen")
    assert placements[("placement_started", "P-501")]["hours_per_week"] == 15.5  # decimal comma
    assert local_day(placements[("placement_ended", "P-502")]["occurred_at"]) == "2026-02-27"
    assert ("placement_ended", "P-501") not in placements  # no end date yet
    again = import_mapped(store, PLACEMENT_LIST, mapping, origin="test").summary
    assert (again.accepted, again.duplicates, again.rejected) == (0, 6, 0)

    # The same list as a workbook with typed cells records nothing new either.
    workbook = Workbook()
    sheet = workbook.active
    with open(PLACEMENT_LIST, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    sheet.append(rows[0])
    for row in rows[1:]:
        typed = list(row)
        for column in (5, 6):
            typed[column] = datetime.strptime(row[column], "%d.%m.%Y") if row[column] else None
        typed[4] = float(row[4].replace(",", "."))
        sheet.append(typed)
    path = tmp_path / "praktikker.xlsx"
    workbook.save(path)
    as_xlsx = import_mapped(store, path, mapping, origin="test").summary
    assert (as_xlsx.accepted, as_xlsx.duplicates, as_xlsx.rejected) == (0, 6, 0), as_xlsx.errors


# -- statuses between exports ----------------------------------------------------------------


def test_a_status_changed_between_two_exports_is_one_event_dated_by_the_export(store, tmp_path):
    mapping = load_mapping(CASES)
    import_mapped(store, WEEK_1, mapping, origin="test")
    before = stored(store)
    second = import_mapped(store, WEEK_2, mapping, origin="test").summary
    assert second.rejected == 0, second.errors
    new = stored(store)[len(before):]
    assert second.accepted == len(new)
    changes = {(e["case_id"], e["type"]): e for e in new}
    assert len(changes) == len(new)  # one event per change
    # S-1002: CV done, ready now, in placement, a company consultant assigned
    assert changes[("S-1002", "readiness_assessed")]["level"] == "ready"
    assert changes[("S-1002", "phase_changed")]["phase"] == "placement"
    assert ("S-1002", "cv_completed") in changes
    assert changes[("S-1002", "worker_assigned")]["worker_id"] == "w-carl"
    # S-1003 moved to team nord and got another caseworker; S-1005 is new
    assert changes[("S-1003", "case_transferred")]["team_id"] == "team-nord"
    assert changes[("S-1003", "worker_assigned")] | {} and changes[("S-1003", "worker_assigned")]["worker_id"] == "w-dorte"
    assert ("S-1005", "case_opened") in changes
    assert not any(e["case_id"] in ("S-1001", "S-1004") for e in new)  # nothing changed for them
    for e in new:
        if e["type"] not in ("case_opened", "enrolled"):
            assert local_day(e["occurred_at"]) == "2026-03-09"
    readiness = [e["level"] for e in stored(store, "case_id = 'S-1002' AND type = 'readiness_assessed'")]
    assert readiness == ["close", "ready"]

    # back to where it was in a third export: a change again, a new event
    third = tmp_path / "sager-2026-03-16.csv"
    lines = WEEK_2.read_text(encoding="utf-8").splitlines()
    third.write_text("\n".join(lines[:2] + [lines[2].replace("Jobparat", "Tæt på")] + lines[3:]) + "\n", encoding="utf-8")
    changed = import_mapped(store, third, mapping, origin="test").summary
    assert changed.accepted == 1
    readiness = stored(store, "case_id = 'S-1002' AND type = 'readiness_assessed'")
    assert [e["level"] for e in readiness] == ["close", "ready", "close"]
    assert local_day(readiness[-1]["occurred_at"]) == "2026-03-16"
    # the older exports again, in any order: nothing new
    for path in (WEEK_2, WEEK_1, third):
        assert import_mapped(store, path, mapping, origin="test").summary.accepted == 0


def test_exports_imported_out_of_order_give_the_same_history(store):
    mapping = load_mapping(CASES)
    import_mapped(store, WEEK_2, mapping, origin="test")
    late = import_mapped(store, WEEK_1, mapping, origin="test").summary
    assert late.rejected == 0
    readiness = stored(store, "case_id = 'S-1002' AND type = 'readiness_assessed'")
    assert [(e["level"], local_day(e["occurred_at"])) for e in readiness] == [("ready", "2026-03-09"), ("close", "2026-03-02")]
    phases = stored(store, "case_id = 'S-1003' AND type = 'phase_changed'")
    assert [(e["phase"], local_day(e["occurred_at"])) for e in phases] == [("preparation", "2026-03-09"), ("referral", "2026-03-02")]
    # The team S-1003 was opened in came from the newer export, so the older one reads as a
    # transfer to team syd on 2 March; importing the newest export again sets today right.
    assert import_mapped(store, WEEK_2, mapping, origin="test").summary.accepted == 1
    transfers = stored(store, "case_id = 'S-1003' AND type = 'case_transferred'")
    assert [(e["team_id"], local_day(e["occurred_at"])) for e in transfers] == [("team-syd", "2026-03-02"), ("team-nord", "2026-03-09")]
    assert import_mapped(store, WEEK_2, mapping, origin="test").summary.accepted == 0


def test_a_status_the_log_already_holds_from_another_source_is_not_recorded_again(store):
    board = {"source": "board", "occurred_at": "2026-02-20", "case_id": "S-1001"}
    summary = store.append([
        {**board, "event_id": "b1", "type": "readiness_assessed", "level": "ready"},
        {**board, "event_id": "b2", "type": "cv_completed"},
        {**board, "event_id": "b3", "type": "worker_assigned", "worker_id": "w-anna", "role": "caseworker"},
        {**board, "event_id": "b4", "type": "readiness_assessed", "level": "far", "case_id": "S-1002"},
    ], origin="test")
    assert summary.accepted == 4
    import_mapped(store, WEEK_1, load_mapping(CASES), origin="test")
    s1001 = {e["type"] for e in stored(store, "case_id = 'S-1001' AND source = 'sagssystem'")}
    assert {"readiness_assessed", "cv_completed"}.isdisjoint(s1001)
    assert [e["worker_id"] for e in stored(store, "case_id = 'S-1001' AND type = 'worker_assigned'")] == ["w-anna", "w-carl"]
    # S-1002 was far on the board, close in the export: a change
    assert [e["level"] for e in stored(store, "case_id = 'S-1002' AND type = 'readiness_assessed'")] == ["far", "close"]


def test_an_unassigned_worker_assigned_again_by_the_export_is_a_change(store):
    mapping = load_mapping(CASES)
    import_mapped(store, WEEK_1, mapping, origin="test")
    store.append([{"source": "board", "event_id": "u1", "type": "worker_unassigned", "case_id": "S-1001",
                   "occurred_at": "2026-03-05", "worker_id": "w-carl", "role": "company_consultant"}], origin="test")
    import_mapped(store, WEEK_2, mapping, origin="test")
    assigned = stored(store, "case_id = 'S-1001' AND type = 'worker_assigned' AND payload LIKE '%w-carl%'")
    assert [local_day(e["occurred_at"]) for e in assigned] == ["2026-03-02", "2026-03-09"]


# -- the export's date -----------------------------------------------------------------------


def test_the_export_date_from_the_command_line_a_column_or_nowhere(store, tmp_path):
    mapping = load_mapping(CASES)
    renamed = tmp_path / "export.csv"
    shutil.copy(WEEK_1, renamed)
    with pytest.raises(UnreadableFile, match="does not match export_date.filename"):
        import_mapped(store, renamed, mapping, origin="test")
    result = import_mapped(store, renamed, mapping, origin="test", export_date=date(2026, 3, 3))
    readiness = stored(store, "type = 'readiness_assessed'")
    assert readiness and {local_day(e["occurred_at"]) for e in readiness} == {"2026-03-03"}
    with store.engine.connect() as c:
        runs = list(c.execute(text("SELECT status, error, accepted FROM import_runs ORDER BY id")))
    assert runs[0].status == "failed" and "export_date" in runs[0].error
    assert (runs[1].status, runs[1].accepted) == ("done", result.summary.accepted)

    text_ = CASES.read_text(encoding="utf-8")
    start = text_.index("export_date:")
    end = text_.index("date_formats:")
    by_column = parse_mapping(text_[:start] + "export_date: {column: Udtræk}\n" + text_[end:])
    export = tmp_path / "weekly.csv"
    rows = WEEK_2.read_text(encoding="utf-8").splitlines()
    export.write_text("\n".join([rows[0] + ";Udtræk"] + [r + ";10-03-2026" for r in rows[1:]]) + "\n", encoding="utf-8")
    import_mapped(store, export, by_column, origin="test")
    changed = stored(store, "case_id = 'S-1002' AND type = 'readiness_assessed'")
    assert [(e["level"], local_day(e["occurred_at"])) for e in changed] == [("close", "2026-03-03"), ("ready", "2026-03-10")]

    no_date = parse_mapping(text_[:start] + text_[end:])
    with pytest.raises(UnreadableFile, match="export's date is unknown"):
        import_mapped(store, WEEK_1, no_date, origin="test")


# -- nothing is lost -------------------------------------------------------------------------


def test_rows_that_cannot_be_mapped_are_quarantined_with_a_reason(store, tmp_path):
    citizen = "0101001099"
    export = write_export(
        tmp_path / "sager-2026-03-02.csv",
        f"S-2001;{citizen};team-nord;05-01-2026;;w-anna;;Nej;Måske;Visitation;Aktiv;;;",  # unknown code
        ";0101001098;team-nord;05-01-2026;;w-anna;;Nej;Jobparat;Visitation;Aktiv;;;",  # no case id
        "S-2003;0101001097;team-nord;2026/01/05;;w-anna;;Nej;Jobparat;Visitation;Aktiv;;;",  # bad date
        "S-2004;0101001096;;05-01-2026;;w-anna;;Nej;Jobparat;Visitation;Aktiv;;;",  # no team
        "S-2005;0101001095;team-syd;05-01-2026;;w-bo;;Nej;Jobparat;Visitation;Afsluttet;01-03-2026;Forsvundet;",  # code
        "S-2006;0101001094;team-syd;05-01-2026;;w-bo;;Nej;Jobparat;Visitation;Aktiv;;;",  # fine
    )
    result = import_mapped(store, export, load_mapping(CASES), origin="test")
    s = result.summary
    errors = {(e.line, e.reason) for e in s.errors}
    assert s.rejected == len(s.errors) == 5, s.errors
    reasons = "\n".join(sorted(r for _, r in errors))
    assert (2, "events[6] (readiness_assessed): column Parathed (level) holds a code not in the code list parathed") in errors
    assert (3, "column Sagsnr (the case id) is empty") in errors
    assert any(line == 4 and "column Oprettet: not a date in the format %d-%m-%Y or %d.%m.%Y" in r for line, r in errors)
    assert any(line == 5 and "column Team (team_id) is empty" in r for line, r in errors), reasons
    assert any(line == 6 and "Afslutningsårsag" in r and "årsag" in r for line, r in errors), reasons
    # the rest of each row still counts: S-2001 is opened, only its readiness is missing
    assert {e["type"] for e in stored(store, "case_id = 'S-2001'")} >= {"case_opened", "phase_changed"}
    assert s.accepted == len(stored(store))

    entries = quarantined(store)
    assert len(entries) == 5
    assert {e["origin"] for e in entries} == {"test"} and {e["import_run_id"] for e in entries} == {result.run_id}
    first = next(e for e in entries if e["case_id"] == "S-2001")
    assert first["type"] == "readiness_assessed"
    assert first["payload"]["row"]["Parathed"] == "Måske"  # the row is kept, to be fixed
    assert len(first["payload"]["row"]["citizen_pseudonym"]) == 64 and "CPR" not in first["payload"]["row"]
    assert citizen not in orjson.dumps(entries).decode()
    # importing it again quarantines the same rows again (nothing is stored twice)
    again = import_mapped(store, export, load_mapping(CASES), origin="test").summary
    assert (again.accepted, again.rejected) == (0, 5)


def test_events_the_store_refuses_are_quarantined_like_any_other(store, tmp_path):
    export = tmp_path / "praktikker.csv"
    export.write_text(
        "Sagsnr,Praktik-ID,Virksomhed,Type,Timer pr. uge,Start,Slut,Ophørsårsag\n"
        "S-3001,P-1,Firma,Virksomhedspraktik,200,02.02.2026,,\n"  # more hours than a week has
        "S-3002,P-2,Firma,Løntilskud,30,02.02.2026,01.02.2026,\n"  # ended before it started
        "S-3003,P-3,Firma,Praktik,30,02.02.2026,,\n",  # not a kind
        encoding="utf-8",
    )
    s = import_mapped(store, export, load_mapping(PLACEMENTS), origin="test").summary
    assert (s.accepted, s.rejected) == (1, 3), s.errors
    reasons = sorted(e.reason for e in s.errors)
    assert any(r.startswith("hours_per_week") for r in reasons)
    assert "placement_ended is dated before its placement_started" in reasons
    assert any("column Type (kind) holds a code not in the code list type" in r for r in reasons)
    assert {e["case_id"] for e in quarantined(store)} == {"S-3001", "S-3002", "S-3003"}


def test_no_citizen_identifier_of_the_samples_is_stored_anywhere(store, tmp_path):
    mapping = load_mapping(CASES)
    for path in (WEEK_1, WEEK_2):
        import_mapped(store, path, mapping, origin="test")
    broken = write_export(tmp_path / "sager-2026-03-23.csv",
                          "S-1005;0101001005;team-syd;02-03-2026;;w-bo;;Nej;Hmm;Visitation;Aktiv;;;")
    assert import_mapped(store, broken, mapping, origin="test").summary.rejected == 1
    blob = []
    with store.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            blob.append(str(list(connection.execute(text(f'SELECT * FROM "{table}"')))))
    everything = "\n".join(blob)
    assert "citizen_pseudonym" in everything and "S-1005" in everything
    citizens = sample_citizens()
    assert len(citizens) == 5
    for citizen in citizens:
        assert citizen not in everything


# -- the mapping file itself -----------------------------------------------------------------


GOOD = """\
name: test
case_id: Sag
codes:
  parathed:
    Ja: ready
events:
  - type: readiness_assessed
    date: Dato
    fields:
      level: {column: Parathed, codes: parathed}
"""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("case_id: Sag", "case_id: Sag\ncolumns: 3"), "line 3, columns: unknown key"),
        (("type: readiness_assessed", "type: readiness"), "line 7, events[0].type: not an event type a mapping can make"),
        (("type: readiness_assessed", "type: supervision_held"), "line 7, events[0].type: not an event type"),
        (("level: {column", "levle: {column"), "line 10, events[0].fields.levle: not a field of readiness_assessed (its fields: level)"),
        (("codes: parathed}", "codes: parat}"), "line 10, events[0].fields.level.codes: no code list named parat under codes"),
        (("Ja: ready", "Ja: klar"), "line 5, codes.parathed.Ja: must be one of ready, close, far (for level)"),
        (("level: {column: Parathed, codes: parathed}", "other: {value: 1}"), "events[0].fields: readiness_assessed needs the fields level"),
        (("date: Dato", "date: {column: Dato, format: '%q'}"), "line 8, events[0].date.format[0]: not a date format"),
        (("date: Dato", "date: {column: Dato, format: 'dd-mm-yyyy'}"), "line 8, events[0].date.format[0]: a date format needs % codes"),
        (("level: {column: Parathed, codes: parathed}", "level: {column: P, value: ready}"), "line 10, events[0].fields.level: give either column or value"),
        (("name: test", "name: test\nexport_date: {column: A, filename: 'x(.*)'}"), "line 2, export_date: give exactly one of"),
        (("name: test", "name: test\nexport_date: {filename: 'x.*'}"), "line 2, export_date.filename: the pattern needs exactly one group"),
        (("name: test", "name: test\nfile: {encoding: klingon}"), "line 2, file.encoding: unknown encoding"),
        (("    date: Dato\n", "    date: Dato\n     when: X\n"), "not valid YAML"),
        (("events:", "event:"), "line 1, events: required; line 6, event: unknown key"),
        (("name: test", "name: 'a b'"), "line 1, name: String should match pattern"),
    ],
)
def test_a_bad_mapping_file_names_the_line_and_key(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    message = str(caught.value)
    assert message.startswith("bad.yaml: ")
    assert expected in message, message


def test_good_mapping_files_load():
    assert parse_mapping(GOOD).events[0].type == "readiness_assessed"
    for path in (CASES, PLACEMENTS):
        assert load_mapping(path).events
    with pytest.raises(MappingError, match="line 1: a mapping file is a YAML mapping"):
        parse_mapping("- just\n- a list\n")


def test_yes_and_no_stay_codes_and_numbers_in_code_lists_are_text(store, tmp_path):
    mapping = parse_mapping(
        "name: flags\ncase_id: Sag\nexport_date: {column: Dato}\n"
        "codes: {parat: {1: ready, 2: close, 3: far}}\n"
        "events:\n"
        "  - {type: cv_completed, when: {column: CV, in: [yes, y]}}\n"
        "  - {type: readiness_assessed, when: Parat, fields: {level: {column: Parat, codes: parat}}}\n"
    )
    export = tmp_path / "flags.csv"
    export.write_text("Sag,CV,Parat,Dato\nA,Yes,1,2026-03-02\nB,no,3,2026-03-02\n", encoding="utf-8")
    s = import_mapped(store, export, mapping, origin="test").summary
    assert (s.accepted, s.rejected) == (3, 0), s.errors
    assert [(e["case_id"], e["type"]) for e in stored(store)] == [
        ("A", "cv_completed"), ("A", "readiness_assessed"), ("B", "readiness_assessed")]


def test_an_export_without_the_mapped_columns_is_refused_whole(store, tmp_path):
    export = tmp_path / "sager-2026-03-02.csv"
    export.write_text("Sagsnr;CPR;Team\nS-1;0101001001;team-nord\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"lacks columns the mapping sager-ugentlig reads: Oprettet \(events\[0\]\.date\)"):
        import_mapped(store, export, load_mapping(CASES), origin="test")
    assert stored(store) == [] and quarantined(store) == []
    with pytest.raises(UnreadableFile, match="CSV or XLSX"):
        import_mapped(store, tmp_path / "x.ndjson", load_mapping(CASES), origin="test")


def test_an_export_in_another_encoding_with_a_title_line(store, tmp_path):
    mapping = parse_mapping(
        "name: legacy\ncase_id: Sagsnr\nfile: {encoding: cp1252, header_row: 2}\n"
        "events:\n  - {type: phase_changed, date: Dato, fields: {phase: Fase}}\n"
    )
    export = tmp_path / "legacy.csv"
    export.write_bytes("Udtræk fra sagssystemet\nSagsnr;Fase;Dato\nS-1;Afklaring;2026-03-02\n".encode("cp1252"))
    s = import_mapped(store, export, mapping, origin="test").summary
    assert (s.accepted, s.rejected) == (1, 0), s.errors
    with store.engine.connect() as c:
        assert c.execute(text("SELECT MAX(id) FROM import_runs")).scalar() is not None
    bad = tmp_path / "utf8.csv"
    bad.write_bytes(b"Sagsnr;Fase;Dato\nS-1;\xff\xfe;2026-03-02\n")
    utf8 = parse_mapping("name: u\ncase_id: Sagsnr\nevents:\n  - {type: phase_changed, date: Dato, fields: {phase: Fase}}\n")
    with pytest.raises(UnreadableFile, match="set file.encoding"):
        import_mapped(store, bad, utf8, origin="test")


# -- the drop folder ---------------------------------------------------------------------------


@pytest.fixture
def mappings_dir(monkeypatch):
    """Server-side mappings come from OVERBLIK_MAPPINGS_DIR only."""
    from core.settings import reset_settings

    def use(folder):
        monkeypatch.setenv("OVERBLIK_MAPPINGS_DIR", str(folder))
        reset_settings()
    yield use
    monkeypatch.delenv("OVERBLIK_MAPPINGS_DIR", raising=False)
    reset_settings()


def test_a_drop_folder_with_a_mapping(store, tmp_path, mappings_dir):
    mappings_dir(SAMPLES)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = DropFolderConfig(path=str(inbox), mapping=str(CASES), settle_seconds=0)
    shutil.copy(WEEK_1, inbox / WEEK_1.name)
    (inbox / "notes.ndjson").write_text("{}\n")  # not an export: left alone
    first = collect_folder(store, "sagssystem-drop", config)
    assert first.error is None and first.files == [WEEK_1.name]
    assert first.summary.accepted == len(stored(store)) > 0
    assert not (inbox / WEEK_1.name).exists() and (inbox / "notes.ndjson").exists()
    assert {e["source"] for e in stored(store)} == {"sagssystem"}  # the mapping's source

    shutil.copy(WEEK_1, inbox / WEEK_1.name)  # delivered again
    shutil.copy(WEEK_2, inbox / WEEK_2.name)
    now = time.time()
    os.utime(inbox / WEEK_1.name, (now - 100, now - 100))
    os.utime(inbox / WEEK_2.name, (now - 50, now - 50))  # the newer one last
    before = len(stored(store))
    second = collect_folder(store, "sagssystem-drop", config)
    assert second.error is None and len(second.files) == 2
    assert second.summary.accepted == len(stored(store)) - before > 0
    assert [e["level"] for e in stored(store, "case_id = 'S-1002' AND type = 'readiness_assessed'")] == ["close", "ready"]

    renamed = inbox / "export.csv"  # no date in its name: the file cannot be read as the export
    shutil.copy(WEEK_1, renamed)
    failed = collect_folder(store, "sagssystem-drop", config)
    assert failed.failed_files == ["export.csv"] and "export_date.filename" in failed.error
    assert (inbox / "failed" / "export.csv").exists()


def test_a_drop_folder_source_checks_its_mapping(store, tmp_path, mappings_dir):
    mappings_dir(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("Ja: ready", "Ja: klar"), encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with pytest.raises(SourceError, match=r"mapping: .*cannot use the mapping bad.yaml: line 5, codes.parathed.Ja"):
        add_source(store.engine, "drop", "drop_folder", {"path": str(inbox), "mapping": str(bad)})
    good = tmp_path / "cases.yaml"
    shutil.copy(CASES, good)
    add_source(store.engine, "drop", "drop_folder", {"path": str(inbox), "mapping": str(good), "settle_seconds": 0})
    shutil.copy(WEEK_1, inbox / WEEK_1.name)
    # the mapping broken after the source was added: the run fails, the export waits
    good.write_text("name: [", encoding="utf-8")
    result = run_source(store, "drop")
    assert result.status == "failed" and "not valid YAML" in result.error
    assert (inbox / WEEK_1.name).exists() and stored(store) == []
    shutil.copy(CASES, good)
    result = run_source(store, "drop")
    assert result.status == "ok" and result.outcome.summary.accepted > 0


def test_an_event_the_store_refuses_is_not_taken_as_known_for_the_next_row(store, tmp_path):
    mapping = parse_mapping(
        "name: phases\ncase_id: Sag\nexport_date: {column: Dato}\n"
        "events:\n"
        "  - {type: case_opened, date: Dato, fields: {citizen: Id, team_id: {value: t1}, programme: {value: mestring}}}\n"
        "  - {type: phase_changed, fields: {phase: Fase}}\n"
    )
    export = tmp_path / "phases.csv"
    # the same case twice, its phase not one of the programme's: refused both times, not "known"
    export.write_text("Sag,Id,Fase,Dato\nA,0101001001,Afklaring,2026-03-02\nA,0101001001,Afklaring,2026-03-02\n",
                      encoding="utf-8")
    s = import_mapped(store, export, mapping, origin="test", batch_size=1).summary
    assert (s.accepted, s.duplicates, s.rejected) == (1, 1, 2), s.errors  # the second opening is known
    assert all("not a phase of programme 'mestring'" in e.reason for e in s.errors)
    assert [e.line for e in s.errors] == [2, 3]
    # within one batch the second row says what the first said: a duplicate of it
    s = import_mapped(store, export, mapping, origin="test").summary
    assert (s.accepted, s.duplicates, s.rejected) == (0, 3, 1), s.errors


def test_hours_per_month_follow_ups_by_date_and_the_file_date(store, tmp_path):
    mapping = parse_mapping(
        "name: timer\ncase_id: Sag\nexport_date: {modified: true}\n"
        "events:\n"
        "  - type: hours_reported\n"
        "    when: Timer\n"
        "    fields: {month: {column: Måned, format: '%m/%Y'}, hours: Timer}\n"
        "  - type: follow_up_held\n"
        "    when: Opfølgning\n"
        "    date: {column: Opfølgning, format: '%d.%m.%Y %H:%M'}\n"
        "    fields: {participants: {column: Deltagere, codes: {B: citizen, S: caseworker, VK: company_consultant}}}\n"
    )
    export = tmp_path / "timer.csv"

    def deliver(*rows: str, day: str) -> None:
        export.write_text("Sag;Måned;Timer;Opfølgning;Deltagere\n" + "\n".join(rows) + "\n", encoding="utf-8")
        stamp = datetime.fromisoformat(f"{day}T12:00:00").timestamp()
        os.utime(export, (stamp, stamp))

    deliver("A;02/2026;12,5;03.03.2026 10:00;\"B;S;VK\"", "B;02/2026;0;;", day="2026-03-04")
    first = import_mapped(store, export, mapping, origin="test").summary
    assert (first.accepted, first.rejected) == (3, 0), first.errors
    follow_up = stored(store, "type = 'follow_up_held'")[0]
    assert follow_up["participants"] == ["caseworker", "citizen", "company_consultant"]
    hours = stored(store, "type = 'hours_reported'")
    assert [(e["case_id"], e["month"], e["hours"]) for e in hours] == [("A", "2026-02", 12.5), ("B", "2026-02", 0.0)]
    assert {local_day(e["occurred_at"]) for e in hours} == {"2026-03-04"}  # the file's date

    # a week later: A's February corrected, March new; the same follow-up, and a second one
    deliver("A;02/2026;14;03.03.2026 10:00;\"B;S;VK\"", "A;03/2026;4;10.03.2026 09:30;\"B;VK\"", "B;02/2026;0,0;;",
            day="2026-03-11")
    second = import_mapped(store, export, mapping, origin="test").summary
    assert (second.accepted, second.rejected) == (3, 0), second.errors
    hours = stored(store, "type = 'hours_reported' AND case_id = 'A'")
    assert [(e["month"], e["hours"], local_day(e["occurred_at"])) for e in hours] == [
        ("2026-02", 12.5, "2026-03-04"), ("2026-02", 14.0, "2026-03-11"), ("2026-03", 4.0, "2026-03-11")]
    assert len(stored(store, "type = 'follow_up_held'")) == 2
    assert import_mapped(store, export, mapping, origin="test").summary.accepted == 0


def test_a_dry_run_tells_what_an_import_would_record_and_stores_nothing(store, tmp_path):
    mapping = load_mapping(CASES)
    import_mapped(store, WEEK_1, mapping, origin="test")
    with store.engine.connect() as c:
        runs = c.execute(text("SELECT COUNT(*) FROM import_runs")).scalar_one()
    before = stored(store)
    export = tmp_path / "sager-2026-03-09.csv"
    export.write_text(WEEK_2.read_text(encoding="utf-8")
                      + "S-1006;0101001006;team-syd;02-03-2026;;w-bo;;Nej;Måske;Visitation;Aktiv;;;\n", encoding="utf-8")
    dry = import_mapped(store, export, mapping, origin="test", dry_run=True)
    assert dry.run_id == 0 and dry.rows == 6
    assert dry.summary.rejected == 1 and "code list parathed" in dry.summary.errors[0].reason
    assert stored(store) == before and quarantined(store) == []
    with store.engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM import_runs")).scalar_one() == runs
    preview = {(e["case_id"], e["type"]): e for e in dry.preview}
    assert len(preview) == len(dry.preview) == dry.summary.accepted
    assert preview[("S-1002", "readiness_assessed")]["level"] == "ready"
    assert preview[("S-1002", "readiness_assessed")]["occurred_at"] == "2026-03-08T23:00:00.000000Z"
    opened = preview[("S-1006", "case_opened")]
    assert "citizen" not in opened and len(opened["citizen_pseudonym"]) == 64
    real = import_mapped(store, export, mapping, origin="test").summary
    assert (real.accepted, real.rejected) == (dry.summary.accepted, 1)
    assert {(e["case_id"], e["type"]) for e in stored(store)[len(before):]} == set(preview)
