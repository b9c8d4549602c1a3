"""No identity number on disk, anywhere: identity-number variants through every entry point,
then every file the server wrote (database, WAL, log, drop folder, kept copies, temporary
files) and every row scanned for their digits in any form; erasure that leaves no trace in the
SQLite file and WAL or in PostgreSQL's rows; files created 0600. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import Workbook
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from api.cli import app as cli_app
from core import identity
from core.settings import reset_settings
from ingest.dropfolder import DropFolderConfig, collect_folder
from ingest.sources import add_source, run_source
from ingest.store import CPR_REASON
from tests.conftest import TEST_KEY, bearer
from tests.ingest import test_collectors
from tests.ingest.test_collectors import FakeFeed

feed_server = test_collectors.feed_server  # the fixture: a real HTTP server on 127.0.0.1

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "docs" / "mappings"

# -- the variants ------------------------------------------------------------------------------

FULL_WIDTH = {ord(c): 0xFF10 + int(c) for c in "0123456789"} | {ord("-"): 0xFF0D}
ARABIC_INDIC = {ord(c): 0x0660 + int(c) for c in "0123456789"}
DEVANAGARI = {ord(c): 0x0966 + int(c) for c in "0123456789"}


@dataclass(frozen=True)
class Variant:
    label: str
    digits: str  # the citizen number it writes, as ten ASCII digits
    value: Any  # as sent: a string, or a JSON number
    where: str = "note"  # note | key | nested | list

    @property
    def text(self) -> str:
        """The variant where only text can go (a note, a name, a file name)."""
        return self.value if isinstance(self.value, str) else repr(self.value)

    def in_text(self, prefix: str) -> str:
        """The variant in running text. A number that lost its leading zero, or written as a
        spreadsheet writes numbers, is an identity number when it is the whole value (a cell, a
        JSON number), so it is sent alone."""
        if not isinstance(self.value, str) or self.label in ("number as text", "scientific number as text"):
            return self.text
        return f"{prefix} {self.text}"

    def fields(self) -> dict[str, Any]:
        """The variant as an event's extra fields."""
        if self.where == "key":
            return {"answers": {self.text: "yes"}}
        if self.where == "nested":
            return {"details": {"contact": [{"person": {"id": self.value}}]}}
        if self.where == "list":
            return {"tags": ["follow-up", self.value]}
        return {"note": self.value}


def _cpr(i: int) -> str:
    """A distinct, plausible citizen number per variant (days 01–09: the leading zero matters)."""
    day, month, year = 1 + (i * 11) % 28, 1 + (i * 5) % 12, 37 + i
    return f"{day:02d}{month:02d}{year:02d}{7301 + i * 89:04d}"


def _variants() -> list[Variant]:
    forms = [
        ("ten digits", lambda a, b: a + b),
        ("hyphen", lambda a, b: f"{a}-{b}"),
        ("en dash", lambda a, b: f"{a}\u2013{b}"),
        ("em dash", lambda a, b: f"{a}\u2014{b}"),
        ("minus sign", lambda a, b: f"{a}\u2212{b}"),
        ("space", lambda a, b: f"{a} {b}"),
        ("no-break space", lambda a, b: f"{a}\u00a0{b}"),
        ("narrow no-break space", lambda a, b: f"{a}\u202f{b}"),
        ("dotted date", lambda a, b: f"{a[:2]}.{a[2:4]}.{a[4:]}-{b}"),
        ("dots throughout", lambda a, b: f"{a[:2]}.{a[2:4]}.{a[4:]}.{b}"),
        ("slash", lambda a, b: f"{a}/{b}"),
        ("grouped in pairs", lambda a, b: f"{a[:2]} {a[2:4]} {a[4:]} {b}"),
        ("spaced dash", lambda a, b: f"{a} - {b}"),
        ("full-width", lambda a, b: f"{a}-{b}".translate(FULL_WIDTH)),
        ("full-width digits, ASCII hyphen", lambda a, b: f"{a.translate(FULL_WIDTH)}-{b.translate(FULL_WIDTH)}"),
        ("Arabic-Indic digits", lambda a, b: f"{a}-{b}".translate(ARABIC_INDIC)),
        ("Devanagari digits", lambda a, b: (a + b).translate(DEVANAGARI)),
        ("inside words", lambda a, b: f"CPR{a}{b}nr"),
        ("in a sentence", lambda a, b: f"Borger (cpr {a}-{b}) ringede"),
        ("number as text", lambda a, b: f"{int(a + b)}.0"),
        ("scientific number as text", lambda a, b: f"{int(a + b):.{len(str(int(a + b))) - 1}E}"),
    ]
    out = [Variant(label, _cpr(i), make(_cpr(i)[:6], _cpr(i)[6:])) for i, (label, make) in enumerate(forms)]
    n = len(out)
    out += [
        Variant("JSON integer", _cpr(n), int(_cpr(n))),
        Variant("JSON float", _cpr(n + 1), float(int(_cpr(n + 1)))),
        Variant("object key", _cpr(n + 2), f"{_cpr(n + 2)[:6]}-{_cpr(n + 2)[6:]}", where="key"),
        Variant("nested extra field", _cpr(n + 3), f"{_cpr(n + 3)[:6]}-{_cpr(n + 3)[6:]}", where="nested"),
        Variant("in a list", _cpr(n + 4), _cpr(n + 4), where="list"),
        Variant("nested JSON integer", _cpr(n + 5), int(_cpr(n + 5)), where="nested"),
    ]
    return out


VARIANTS = _variants()
assert len({v.digits for v in VARIANTS}) == len(VARIANTS)
FILE_NAME_VARIANTS = [v for v in VARIANTS if "/" not in v.text]


# -- the scan ----------------------------------------------------------------------------------

_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
_SEPARATORS = re.compile("[ \u00a0\u202f\t\\-\u2010-\u2015\u2212\uff0d./_]")


def _plain_text(blob: str) -> str:
    """The blob with escapes undone, every digit as ASCII, and separators between digits gone."""
    blob = _ESCAPED.sub(lambda m: chr(int(m[1], 16)), blob)
    blob = "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in blob)
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", blob))


def traces(blob: str, numbers: list[str]) -> list[str]:
    """The numbers found in the blob in any written form (leading zero lost included)."""
    plain = _plain_text(blob)
    found = []
    for digits in numbers:
        forms = [digits] + ([digits[1:]] if digits.startswith("0") else [])
        if any(re.search(rf"(?<![0-9]){f}(?![0-9])", plain) for f in forms):
            found.append(digits)
    return found


def database_text(services, settings) -> str:
    parts = []
    with services.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            parts.append(str(list(connection.execute(text(f'SELECT * FROM "{table}"')))))  # noqa: S608
    if settings.database_url.startswith("sqlite"):
        db_file = settings.database_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            path = Path(db_file + suffix)
            if path.exists():
                parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def files_text(paths: list[Path]) -> str:
    parts = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        parts += [data.decode("utf-8", "ignore"), data.decode("latin-1"), str(path)]
    return "\n".join(parts)


# -- helpers -----------------------------------------------------------------------------------


def opened(case_id: str, citizen: str = "0303031234") -> dict:
    return {"event_id": f"{case_id}-o", "type": "case_opened", "case_id": case_id, "occurred_at": "2026-01-05",
            "team_id": "t1", "citizen": citizen}


def with_variant(event_id: str, variant: Variant) -> dict:
    return {"event_id": event_id, "type": "enrolled", "case_id": "case-a", "occurred_at": "2026-01-06",
            **variant.fields()}


def csv_bytes(rows: list[dict]) -> bytes:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    lines = [",".join(json.dumps(c, ensure_ascii=False) for c in columns)]
    for row in rows:
        lines.append(",".join(json.dumps(str(row.get(c, "")), ensure_ascii=False) for c in columns))
    return ("\n".join(lines) + "\n").encode()


def xlsx_bytes(rows: list[dict]) -> bytes:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    book = Workbook()
    book.active.append(columns)
    for row in rows:
        book.active.append([row.get(c) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def flat_row(event_id: str, variant: Variant) -> dict:
    """A file row: a number stays a number (XLSX), a key becomes a column header."""
    row: dict[str, Any] = {"event_id": event_id, "type": "enrolled", "case_id": "case-a",
                           "occurred_at": "2026-01-06"}
    if variant.where == "key":
        row[variant.text] = "yes"
    else:
        row["note"] = variant.value
    return row


@pytest.fixture
def env_settings(settings, monkeypatch):
    """The command line's environment for the test's database."""
    monkeypatch.setenv("OVERBLIK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OVERBLIK_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("OVERBLIK_SCHEDULER", "false")
    reset_settings()
    yield settings
    reset_settings()


class Tally:
    def __init__(self):
        self.tried: dict[str, int] = {}

    def add(self, entry_point: str, count: int) -> None:
        self.tried[entry_point] = self.tried.get(entry_point, 0) + count


# -- every entry point -------------------------------------------------------------------------


def test_identity_numbers_through_every_entry_point_leave_no_trace(
    app, client, admin_token, services, settings, env_settings, tmp_path, caplog, feed_server, monkeypatch
):
    from tests.dashboard.conftest import fill_jobcentre

    # the server's temporary files (uploads being read) are made here, and scanned with the rest
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    log_file = tmp_path / "overblik.log"
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    h = bearer(admin_token)
    tally = Tally()
    answers: list[str] = []
    sample_citizens = [line.split(";")[1] for line in
                       (SAMPLES / "sager-2026-03-02.csv").read_text().splitlines()[1:] if line]
    try:
        assert client.post("/api/v1/events", json=[opened("case-a")], headers=h).json()["accepted"] == 1

        # the events route: one refused event per variant, each in the quarantine masked
        answer = client.post("/api/v1/events", headers=h,
                             json=[with_variant(f"api-{i}", v) for i, v in enumerate(VARIANTS)])
        answers.append(answer.text)
        assert answer.json()["rejected"] == len(VARIANTS), answer.text
        assert {e["reason"] for e in answer.json()["errors"]} == {CPR_REASON}
        tally.add("API events", len(VARIANTS))

        # file uploads: NDJSON, CSV, XLSX, each row a variant; every file name a variant too
        uploads = {
            "ndjson": b"".join(orjson.dumps(with_variant(f"nd-{i}", v)) + b"\n" for i, v in enumerate(VARIANTS)),
            "csv": csv_bytes([flat_row(f"csv-{i}", v) for i, v in enumerate(VARIANTS)]),
            "xlsx": xlsx_bytes([flat_row(f"x-{i}", v) for i, v in enumerate(VARIANTS)]),
        }
        for kind, body in uploads.items():
            answer = client.post("/api/v1/imports", files={"file": (f"export.{kind}", body, "x")}, headers=h)
            answers.append(answer.text)
            assert answer.status_code == 200 and answer.json()["rejected"] == len(VARIANTS), answer.text
            tally.add(f"API import {kind.upper()}", len(VARIANTS))
        for i, v in enumerate(FILE_NAME_VARIANTS):
            answer = client.post("/api/v1/imports", headers=h, files={"file": (
                f"{v.in_text('borger')}.ndjson", orjson.dumps(opened(f"fn-{i}")) + b"\n", "x")})
            answers.append(answer.text)
            assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text
        tally.add("API upload file name", len(FILE_NAME_VARIANTS))

        # the command line: an NDJSON file whose name and rows hold the variants
        runner = CliRunner()
        cli_file = tmp_path / "cli" / f"udtræk {FILE_NAME_VARIANTS[0].text}.ndjson"
        cli_file.parent.mkdir()
        cli_file.write_bytes(uploads["ndjson"].replace(b'"nd-', b'"cli-'))
        result = runner.invoke(cli_app, ["import", str(cli_file)])
        answers.append(result.output)
        assert f'"rejected": {len(VARIANTS)}' in result.output, result.output
        cli_file.unlink()
        tally.add("CLI import", len(VARIANTS) + 1)

        # a mapping import: a case system's export with the variants in an unread column, and
        # its file name; the citizen column is pseudonymised
        lines = (SAMPLES / "sager-2026-03-02.csv").read_text().splitlines()
        mapped = [lines[0] + ";Bemærkning"] + [
            f"{line};{VARIANTS[i % len(VARIANTS)].text}" for i, line in enumerate(lines[1:]) if line]
        for i, v in enumerate(VARIANTS[len(mapped) - 1:]):
            mapped.append(f"S-9{i:03d};;team-nord;05-01-2026;;w-anna;;Nej;Jobparat;Visitation;Aktiv;;;;{v.text}")
        export = tmp_path / "cli" / f"sager-2026-03-02 {FILE_NAME_VARIANTS[1].text}.csv"
        export.write_text("\n".join(mapped) + "\n")
        result = runner.invoke(cli_app, ["import", str(export), "--mapping", str(SAMPLES / "cases.yaml")])
        answers.append(result.output)
        assert json.loads(result.output)["accepted"] > 0, result.output
        export.unlink()
        tally.add("mapping import", len(VARIANTS) + 1)

        # a drop folder: rows and file names with the variants; one source keeps scrubbed copies
        keep = tmp_path / "drop-keep"
        gone = tmp_path / "drop"
        for folder in (keep, gone):
            folder.mkdir()
            for i, v in enumerate(FILE_NAME_VARIANTS):
                (folder / f"{v.in_text(folder.name)}.ndjson").write_bytes(
                    orjson.dumps(with_variant(f"{folder.name}-{i}", v)) + b"\n"
                    + orjson.dumps(opened(f"{folder.name}-c{i}")) + b"\n")
            (folder / f"broken {FILE_NAME_VARIANTS[2].text}.xlsx").write_bytes(b"not a workbook")
        kept = collect_folder(services.store, "drop-keep", DropFolderConfig(path=str(keep), settle_seconds=0,
                                                                            keep_days=30))
        dropped = collect_folder(services.store, "drop", DropFolderConfig(path=str(gone), settle_seconds=0))
        for outcome in (kept, dropped):
            answers.append(orjson.dumps([outcome.files, outcome.failed_files, outcome.error]).decode())
            assert outcome.summary.rejected == len(FILE_NAME_VARIANTS) == outcome.summary.accepted
            assert len(outcome.failed_files) == 1 and identity.MASK in outcome.failed_files[0]
        assert not [p for p in gone.iterdir() if p.is_file()] and not (gone / "processed").exists()
        copies = sorted((keep / "processed").iterdir())
        assert len(copies) == len(FILE_NAME_VARIANTS)
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in copies)
        assert all(b"citizen_pseudonym" in p.read_bytes() and b'"citizen"' not in p.read_bytes() for p in copies)
        tally.add("drop folder (rows)", 2 * len(FILE_NAME_VARIANTS))
        tally.add("drop folder (file names)", 2 * (len(FILE_NAME_VARIANTS) + 1))

        # an HTTP feed served from a local loopback server
        fake = FakeFeed([with_variant(f"feed-{i}", v) for i, v in enumerate(VARIANTS)], page_size=10)
        add_source(services.engine, "crm", "http_feed", {"url": feed_server(fake), "max_attempts": 1})
        ran = run_source(services.store, "crm")
        assert ran.outcome.summary.rejected == len(VARIANTS), ran.error
        tally.add("HTTP feed", len(VARIANTS))

        # quarantine resubmission with a corrected event that still holds the variant
        entry = client.get("/api/v1/quarantine?limit=1", headers=h).json()["entries"][0]
        for i, v in enumerate(VARIANTS):
            answer = client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", headers=h,
                                 json=with_variant(f"re-{i}", v))
            answers.append(answer.text)
            assert answer.status_code in (200, 422) and "accepted\": 1" not in answer.text, answer.text
        tally.add("quarantine resubmit", len(VARIANTS))

        # organisation names through the API (PUT and CSV import) and a user's name (CLI)
        for i, v in enumerate(VARIANTS):
            for path, body in ((f"/api/v1/teams/team-{i}", {"name": v.in_text("Team")}),
                               (f"/api/v1/teams/team-{i}", {"name": "Team", "unit": v.text}),
                               (f"/api/v1/workers/w-{i}", {"name": v.in_text("Anne"), "roles": []})):
                answer = client.put(path, json=body, headers=h)
                answers.append(answer.text)
                assert answer.status_code == 422 and "citizen number (CPR)" in answer.text, answer.text
        teams_csv = "team_id,name\n" + "".join(f"tc-{i},{json.dumps(v.text, ensure_ascii=False)}\n"
                                               for i, v in enumerate(VARIANTS))
        answer = client.post("/api/v1/teams/import", headers=h,
                             files={"file": ("teams.csv", teams_csv.encode(), "text/csv")})
        answers.append(answer.text)
        assert answer.json()["rejected"] == len(VARIANTS), answer.text
        tally.add("API organisation names", 4 * len(VARIANTS))
        for v in [v for v in VARIANTS if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}", v.text)]:
            result = runner.invoke(cli_app, ["user", "create", v.text, "--role", "manager", "--password-stdin"],
                                   input="a-long-enough-password-1\n")
            answers.append(result.output)
            assert result.exit_code != 0
            tally.add("CLI user name", 1)

        # the dashboard, by real callbacks: action log, caseload talk, recording, admin names
        jobcentre = fill_jobcentre(services, cases=40, months=1)
        answers += dashboard_entry_points(app, client, services, jobcentre, tally)
        services.engine.dispose()  # every page on disk, not only in the pool's connections
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(previous)

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert log_file in written and any("drop-keep" in str(p) for p in written)
    blob = "\n".join([*answers, *(r.getMessage() for r in caplog.records),
                      files_text(written),
                      database_text(services, settings)])
    numbers = [v.digits for v in VARIANTS] + sample_citizens
    if os.environ.get("DEBUG_TRACES"):
        for name, part in [("answers", "\n".join(answers)), ("logs", "\n".join(r.getMessage() for r in caplog.records))] \
                + [(str(p), files_text([p])) for p in written] \
                + [("database", database_text(services, settings))]:
            found = traces(part, numbers)
            if found:
                plain = _plain_text(part)
                at = plain.find(found[0][1:])
                print("TRACE", name, found[:3], repr(plain[max(0, at - 200):at + 40]))
    assert traces(blob, numbers) == []
    assert "citizen_pseudonym" in blob and identity.MASK in blob  # the scan saw what was stored
    # the positive control: the scan does find a number written in a variant's form
    assert traces(VARIANTS[15].text, [VARIANTS[15].digits]) == [VARIANTS[15].digits]
    print("variants × entry points tried:", sum(tally.tried.values()), tally.tried)


def dashboard_entry_points(app, client, services, jobcentre, tally: Tally) -> list[str]:
    from dashboard import ids
    from tests.dashboard.test_accounts import callback_body, sign_in
    from tests.dashboard.test_meeting_pack import _action_callback
    from tests.dashboard.test_recording import _own_case, post, record_body

    month = datetime.now(UTC).strftime("%Y-%m")
    worker = next(w.worker_id for w in jobcentre.org.workers if w.team_id == jobcentre.team)
    answers = []
    sign_in(client, "leder", jobcentre.users["leder"])
    for v in VARIANTS:
        answer = client.post("/_dash-update-component",
                             json=_action_callback(app, jobcentre.team, month, add=1, done=[], text=v.text))
        answers.append(answer.text)
        assert answer.status_code == 200 and "cpr-nummer" in answer.text, answer.text
        body = callback_body(
            app, ids.TALK_LOG,
            inputs=[{"id": ids.TALK_WORKER, "property": "value", "value": worker},
                    {"id": ids.TALK_ADD, "property": "n_clicks", "value": 1}, []],
            state=[{"id": ids.TALK_KIND, "property": "value", "value": "note"},
                   {"id": ids.TALK_TEXT, "property": "value", "value": v.in_text("Aftalt med borger")}])
        body["changedPropIds"] = [f"{ids.TALK_ADD}.n_clicks"]
        answer = client.post("/_dash-update-component", json=body)
        answers.append(answer.text)
        assert answer.status_code == 200 and "cpr-nummer" in answer.text, answer.text
    tally.add("dashboard action log", len(VARIANTS))
    tally.add("dashboard caseload talk", len(VARIANTS))
    client.cookies.clear()

    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    case = _own_case(services, jobcentre.worker)
    today = datetime.now(services.settings.zone).date().isoformat()
    for i, v in enumerate(VARIANTS):
        answer, response = post(client, record_body(
            app, action="placement_started", case_id=case["case_id"], worker=jobcentre.worker,
            fields={"date": today, "employer": v.in_text("Bageriet"), "kind": "internship"},
            form_id=f"ob-id{i:04d}"))
        answers.append(answer.text)
        assert answer.status_code == 200 and "cpr-nummer" in answer.text, answer.text
    tally.add("dashboard recording", len(VARIANTS))
    client.cookies.clear()

    sign_in(client, "admin", jobcentre.users["admin"])
    for i, v in enumerate(VARIANTS):
        body = callback_body(
            app, ids.ADMIN_TEAMS, inputs=[{"id": ids.ADMIN_TEAM_SAVE, "property": "n_clicks", "value": 1}],
            state=[{"id": ids.ADMIN_TEAM_ID, "property": "value", "value": f"dash-{i}"},
                   {"id": ids.ADMIN_TEAM_NAME, "property": "value", "value": v.in_text("Team")},
                   {"id": ids.ADMIN_TEAM_UNIT, "property": "value", "value": None}])
        body["changedPropIds"] = [f"{ids.ADMIN_TEAM_SAVE}.n_clicks"]
        answer = client.post("/_dash-update-component", json=body)
        answers.append(answer.text)
        assert answer.status_code == 200 and "cpr-nummer" in answer.text, answer.text
    tally.add("dashboard admin names", len(VARIANTS))
    with services.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM agreed_actions")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM teams WHERE team_id LIKE 'dash-%'")).scalar() == 0
    client.cookies.clear()
    return answers
