"""Provider reporting on SQLite and PostgreSQL: the three-municipality cohort table of a mestring
course rebuilt from events, referral channels, and the anonymised quarterly export."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from core.settings import reset_settings
from metrics.programme_service import ProgrammeService
from metrics.reporting import FUNNEL_COUNTS, INDICATORS, SUPPRESSED, parse_quarter
from metrics.service import MetricsService
from tests.metrics.conftest import ZONE, local

NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)
# referred, started, completed, then job / education / extended placement / other
COHORT = {
    "aarhus": (12, 10, 7, {"job": 3, "education": 2, "extended_placement": 1, "other": 1}),
    "odense": (9, 8, 6, {"job": 2, "education": 1, "extended_placement": 2, "other": 1}),
    "aalborg": (15, 13, 9, {"job": 4, "education": 2, "extended_placement": 1, "other": 2}),
}
CHANNELS = ("jobcentre", "self_referral", "health_service")


def _events_of_cohort() -> list[dict]:
    events = []
    for team, (referred, started, completed, outcomes) in COHORT.items():
        results = [o for o, n in outcomes.items() for _ in range(n)]
        for i in range(referred):
            case = f"{team}-{i}"
            day = 5 + i % 20
            at = local(f"2026-02-{day:02d}T09:00")

            def event(type_, when, case=case, **fields):
                return {"event_id": f"r{next(_ids)}", "type": type_, "case_id": case,
                        "occurred_at": when.isoformat(), **fields}

            events.append(event("case_opened", at, citizen=f"{3000000000 + len(events)}",
                                team_id=team, programme="mestring",
                                channel=CHANNELS[i % len(CHANNELS)]))
            events.append(event("phase_changed", at, phase="referral"))
            if i < started:
                events.append(event("enrolled", local(f"2026-03-{day:02d}T09:00")))
                events.append(event("phase_changed", local(f"2026-03-{day:02d}T09:00"), phase="preparation"))
            if i < completed:
                events.append(event("case_closed", local(f"2026-06-{day:02d}T09:00"),
                                    reason="completed", outcome=results[i]))
            elif i < started:
                events.append(event("case_closed", local(f"2026-05-{day:02d}T09:00"), reason="dropped_out"))
    return events


@pytest.fixture
def cohort(store):
    summary = store.append(_events_of_cohort(), origin="test")
    assert summary.rejected == 0, summary.errors
    return store


def test_three_municipality_cohort_table_rebuilt_from_events(cohort):
    funnel = MetricsService(cohort.engine, ZONE, clock=lambda: NOW).funnel("mestring", "2026-01", "2026-04")
    rows = {r["team_id"]: r for r in funnel["rows"]}
    for team, (referred, started, completed, outcomes) in COHORT.items():
        row = rows[team]
        assert (row["referred"], row["started"], row["completed"]) == (referred, started, completed)
        assert {k: v for k, v in row["outcomes"].items() if v} == outcomes
    # the funder's table holds the same numbers, each under 5 shown as suppressed
    tables = ProgrammeService(cohort.engine, ZONE, clock=lambda: NOW).quarterly_tables("mestring", "2026Q1")
    report = {r["team_id"]: r for r in tables["funnel"]}
    for team, (referred, started, completed, outcomes) in COHORT.items():
        expected = {"referred": referred, "started": started, "completed": completed,
                    **{f"outcome_{k}": v for k, v in outcomes.items()}}
        for column, value in expected.items():
            assert report[team][column] == (value if value >= 5 else SUPPRESSED)
    assert report["total"]["referred"] == sum(c[0] for c in COHORT.values())


def test_referral_channels_per_quarter(cohort):
    result = ProgrammeService(cohort.engine, ZONE, clock=lambda: NOW).channels("mestring", "2026Q1", "2026Q2")
    rows = {(r["quarter"], r["channel"]): r for r in result["rows"]}
    assert not any(q == "2026Q2" for q, _ in rows)
    total = sum(c[0] for c in COHORT.values())
    assert sum(r["referred"] for r in rows.values()) == total
    # case i of each team came through channel i mod 3: aarhus 4/4/4, odense 3/3/3, aalborg 5/5/5
    assert rows[("2026Q1", "jobcentre")]["referred"] == 4 + 3 + 5
    assert sum(r["completed"] for r in rows.values()) == sum(c[2] for c in COHORT.values())


def _cells_ok(rows: list[dict]) -> None:
    counts = {*FUNNEL_COUNTS, "stays_ended", *(f"{n}_cases" for n in INDICATORS),
              *(f"{n}_count" for n in INDICATORS)}
    for row in rows:
        for column, value in row.items():
            if column in counts:
                assert value == SUPPRESSED or float(value) >= 5, (column, value)


def test_anonymised_export_has_no_identifier_and_no_cell_under_5(cohort, tmp_path):
    paths = ProgrammeService(cohort.engine, ZONE, clock=lambda: NOW).write_quarterly(
        "mestring", "2026Q1", tmp_path
    )
    names = sorted(p.suffix for p in paths)
    assert names.count(".csv") == 4 and ".xlsx" in names and ".pdf" in names
    with cohort.engine.connect() as connection:
        case_ids = [r[0] for r in connection.exec_driver_sql("SELECT DISTINCT case_id FROM events")]
        pseudonyms = [
            r[0] for r in connection.exec_driver_sql(
                "SELECT payload FROM events WHERE type = 'case_opened'")
        ]
    import orjson

    pseudonyms = [orjson.loads(p)["citizen_pseudonym"] for p in pseudonyms]
    forbidden = [*case_ids, *(p[:12] for p in pseudonyms), "3000000000"]
    for path in paths:
        data = path.read_bytes()
        for text in forbidden:
            assert text.encode() not in data, (path.name, text)
        if path.suffix == ".csv":
            with path.open(encoding="utf-8") as handle:
                _cells_ok(list(csv.DictReader(handle)))
    xlsx = next(p for p in paths if p.suffix == ".xlsx")
    workbook = load_workbook(xlsx)
    for sheet in workbook.worksheets[1:]:
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            continue  # a table without rows (no indicator fell in the quarter)
        header, body = values[0], values[1:]
        rows = [dict(zip(header, row, strict=True)) for row in body]
        _cells_ok(rows)
        for row in body:
            for value in row:
                assert str(value) not in case_ids


def test_phase_durations_of_stays_ended_in_the_quarter(store):
    from core.programmes import preset
    from metrics.reporting import phase_duration_rows

    def event(n, type_, case, when, **fields):
        return {"event_id": f"d{n}", "type": type_, "case_id": case, "occurred_at": when, **fields}

    events = [event(0, "case_opened", "nophase", "2026-01-05", citizen="c0", team_id="A", programme="mestring")]
    for i in range(6):  # six stays in referral of 10 + i days, all ended in Q1
        case = f"d{i}"
        events += [
            event(f"{i}o", "case_opened", case, "2026-01-05", citizen=f"c{i + 1}", team_id="A", programme="mestring"),
            event(f"{i}r", "phase_changed", case, "2026-01-05", phase="referral"),
            event(f"{i}p", "phase_changed", case, f"2026-01-{15 + i}", phase="preparation"),
        ]
    assert store.append(events, origin="test").rejected == 0
    service = ProgrammeService(store.engine, ZONE, clock=lambda: NOW)
    first, end = parse_quarter("2026Q1").bounds(ZONE)
    from metrics.calendar import to_us

    rows = {r["phase"]: r for r in phase_duration_rows(
        service.model.cases.values(), preset("mestring"), first, end, to_us(NOW))}
    assert rows["referral"]["stays_ended"] == 6 and rows["referral"]["median_days"] == 12.5
    assert rows["preparation"]["stays_ended"] == 0  # still in it


def test_quarter_format():
    quarter = parse_quarter("2026Q4")
    assert quarter.months == ("2026-10", "2026-11", "2026-12") and quarter.next_month == "2027-01"


def _cli(settings, monkeypatch, *args):
    from api.cli import app

    monkeypatch.setenv("OVERBLIK_DATABASE_URL", settings.database_url)
    key = settings.pseudonym_key
    monkeypatch.setenv("OVERBLIK_PSEUDONYM_KEY", key.get_secret_value() if hasattr(key, "get_secret_value") else key)
    reset_settings()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        reset_settings()


def test_command_line_writes_the_quarterly_report(cohort, settings, tmp_path, monkeypatch):
    out = tmp_path / "report"
    result = _cli(settings, monkeypatch, "report", "quarterly", "--programme", "mestring",
                  "--quarter", "2026Q1", "--out", str(out))
    assert result.exit_code == 0, result.output
    printed = result.output.strip().splitlines()
    assert len(printed) == 6 and all((out / p.rsplit("/", 1)[-1]).exists() for p in printed)
    bad = _cli(settings, monkeypatch, "report", "quarterly", "--programme", "mestring", "--quarter", "2026-3")
    assert bad.exit_code == 2


def test_command_line_shows_a_model_and_imports_reference_figures(store, settings, tmp_path, monkeypatch):
    shown = _cli(settings, monkeypatch, "programme", "show", "transition")
    assert shown.exit_code == 0 and '"first_contact"' in shown.output
    path = tmp_path / "reference.csv"
    path.write_text("label;metric;month;value\nnational;cv_share;2026-03;0,62\n", encoding="utf-8")
    imported = _cli(settings, monkeypatch, "reference", "import", str(path))
    assert imported.exit_code == 0 and '"imported":1' in imported.output
