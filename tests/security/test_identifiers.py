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
import time
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
from core.settings import Settings, reset_settings
from ingest.dropfolder import DropFolderConfig, collect_folder
from ingest.sources import add_source, run_source
from ingest.store import CPR_REASON
from tests.conftest import TEST_KEY, bearer, every_log_record_in
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
    # the feed here is served on 127.0.0.1, which an installation allows only by setting
    monkeypatch.setenv("OVERBLIK_FEEDS_ALLOW_PRIVATE", "true")
    reset_settings()
    yield settings
    reset_settings()


class Tally:
    def __init__(self):
        self.tried: dict[str, int] = {}

    def add(self, entry_point: str, count: int) -> None:
        self.tried[entry_point] = self.tried.get(entry_point, 0) + count


# -- every entry point -------------------------------------------------------------------------


@pytest.mark.slow
def test_identity_numbers_through_every_entry_point_leave_no_trace(
    app, client, admin_token, services, settings, env_settings, tmp_path, caplog, feed_server, monkeypatch
):
    from tests.dashboard.conftest import fill_jobcentre

    # the server's temporary files (uploads being read) are made here, and scanned with the rest
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    log_file = tmp_path / "overblik.log"
    caplog.set_level(logging.DEBUG)
    h = bearer(admin_token)
    tally = Tally()
    answers: list[str] = []
    sample_citizens = [line.split(";")[1] for line in
                       (SAMPLES / "sager-2026-03-02.csv").read_text().splitlines()[1:] if line]
    with every_log_record_in(log_file):
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


# -- erasure -----------------------------------------------------------------------------------

ERASED = "erase-case-7q"
PHRASES = ("Kvistgaard Smedie", "Zephyrine Holm")  # unique to the erased case


def test_case_erase_leaves_no_trace_in_the_database_files_or_rows(
    client, admin_token, services, settings, env_settings
):
    """`overblik case erase`: the case's events, quarantine entries and the notes naming it leave
    nothing in the SQLite file and its WAL (read while the server's connections are open), nor
    in PostgreSQL's tables, whose dead tuples are vacuumed."""
    from core.database import session_scope
    from core.models import AgreedAction
    from dashboard.agreements import add_agreement, agreements_of

    h = bearer(admin_token)
    citizen = "1502761234"
    events = [opened(ERASED, citizen),
              {"event_id": f"{ERASED}-p", "type": "placement_started", "case_id": ERASED, "occurred_at": "2026-01-07",
               "placement_id": "p1", "employer": PHRASES[0], "kind": "internship"},
              {"event_id": f"{ERASED}-x", "type": "enrolled", "case_id": ERASED, "occurred_at": "2026-01-08",
               "note": f"{PHRASES[1]} 0101"},
              {"event_id": f"{ERASED}-q", "type": "no_such_type", "case_id": ERASED,  # quarantined
               "occurred_at": "2026-01-08", "note": PHRASES[1]}]
    events += [opened(f"other-{i}") for i in range(30)]  # other cases' rows around it
    assert client.post("/api/v1/events", json=events, headers=h).json()["accepted"] == 33
    add_agreement(services.engine, team_id="t1", worker_id=None, month="2026-01", kind="action",
                  text=f"Følg op på {ERASED} inden fredag", created_by="leder")
    add_agreement(services.engine, team_id="t1", worker_id="w1", month="2026-01", kind="note",
                  text=f"Sag {ERASED}: ny praktik", created_by="leder")
    add_agreement(services.engine, team_id="t1", worker_id=None, month="2026-01", kind="note",
                  text=f"Sag {ERASED}x er en anden sag", created_by="leder")
    with session_scope(services.engine) as session:  # a note written before the screen existed
        now = datetime.now(UTC)
        session.add(AgreedAction(team_id="t2", month="2025-12", kind="note", text="Gammel note: 010190-1234",
                                 created_at=now, updated_at=now))
    pseudonym = services.store.pseudonymise(citizen)
    needles = [ERASED.encode(), *(p.encode() for p in PHRASES), pseudonym.encode()]
    sqlite = settings.database_url.startswith("sqlite")
    if sqlite:
        assert all(n in raw_sqlite(settings) for n in needles[1:])  # the check can see them

    result = CliRunner().invoke(cli_app, ["case", "erase", ERASED, "--yes"])
    assert result.exit_code == 0, result.output
    assert "erased 3 events and 1 quarantine entries; 2 notes" in result.output

    texts = sorted(a.text for a in agreements_of(services.engine, team_id="t1", worker_id=None)) + \
        [a.text for a in agreements_of(services.engine, team_id="t1", worker_id="w1")]
    assert texts == ["Følg op på [erased case] inden fredag", f"Sag {ERASED}x er en anden sag",
                     "Sag [erased case]: ny praktik"]
    rows = database_rows(services)
    for needle in needles:
        assert needle.decode() not in rows.replace(f"{ERASED}x", ""), needle
    assert [a.text for a in agreements_of(services.engine, team_id="t2", worker_id=None)] == [
        f"Gammel note: {identity.MASK}"]
    assert "other-29" in rows and "0101901234" not in rows.replace("-", "")
    if sqlite:
        raw = raw_sqlite(settings).replace(f"{ERASED}x".encode(), b"")
        for needle in needles:
            assert needle not in raw, needle
        wal = Path(settings.database_url.removeprefix("sqlite:///") + "-wal")
        assert not wal.exists() or ERASED.encode() not in wal.read_bytes()
    else:
        with services.engine.connect() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
            connection.commit()
            for table in ("events", "quarantine", "agreed_actions"):
                dead = connection.execute(text(f"SELECT dead_tuple_count FROM pgstattuple('{table}')")).scalar()
                assert dead == 0, table


def raw_sqlite(settings) -> bytes:
    db_file = settings.database_url.removeprefix("sqlite:///")
    return b"".join(Path(db_file + s).read_bytes() for s in ("", "-wal") if Path(db_file + s).exists())


def database_rows(services) -> str:
    with services.engine.connect() as connection:
        return "\n".join(str(list(connection.execute(text(f'SELECT * FROM "{t}"'))))  # noqa: S608
                         for t in inspect(connection).get_table_names())


# -- file modes --------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.process
def test_files_the_server_creates_are_its_own(tmp_path, store):
    """0600 files and 0700 folders: a database made by the command line under a permissive umask,
    an older database file made 0644, the key files, reports and a drop folder's copies."""
    import subprocess
    import sys

    from core.database import create_database_engine
    from dashboard.auth import session_secret
    from ingest.pseudonym import load_or_create_key
    from metrics.report_files import write_report

    folder = tmp_path / "var"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OVERBLIK_DATABASE_URL": f"sqlite:///{folder / 'cli.db'}"}
    subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); from api.cli import main; "
                    "sys.argv = ['overblik', 'db', 'upgrade']; main()"],
                   env=env, check=True, cwd=ROOT, capture_output=True, timeout=120)
    made = [p for p in folder.iterdir() if p.name.startswith("cli.db")]
    assert made and all(_mode(p) == 0o600 for p in made), [(p.name, oct(_mode(p))) for p in made]

    old = tmp_path / "old.db"
    old.touch()
    old.chmod(0o644)
    engine = create_database_engine(f"sqlite:///{old}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
        connection.commit()
    assert {p.name: _mode(p) for p in tmp_path.iterdir() if p.name.startswith("old.db")} == {
        "old.db": 0o600, "old.db-wal": 0o600, "old.db-shm": 0o600}
    engine.dispose()

    os.umask(0o022)  # what a careless start would leave: the files below still come out private
    try:
        load_or_create_key(tmp_path / "keys" / "overblik-pseudonym.key")
        session_secret(Settings(pseudonym_key_file=tmp_path / "keys" / "overblik-pseudonym.key"))
        assert {p.name: _mode(p) for p in (tmp_path / "keys").iterdir()} == {
            "overblik-pseudonym.key": 0o600, "overblik-session.key": 0o600}
        written = write_report({"rows": [{"team": "t1", "count": 7}]}, tmp_path / "reports", "q1",
                               {"title": "Quarterly"})
        assert _mode(tmp_path / "reports") == 0o700 and all(_mode(p) == 0o600 for p in written)
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        (inbox / "a.ndjson").write_bytes(orjson.dumps(opened("m1")) + b"\n")
        (inbox / "b.xlsx").write_bytes(b"not a workbook")
        collect_folder(store, "drop", DropFolderConfig(path=str(inbox), settle_seconds=0, keep_days=1))
        assert _mode(inbox / "processed") == 0o700 and _mode(inbox / "failed") == 0o700
        kept = [*(inbox / "processed").iterdir(), *(inbox / "failed").iterdir()]
        assert len(kept) == 2 and all(_mode(p) == 0o600 for p in kept)
    finally:
        os.umask(0o077)


# -- the screen itself -------------------------------------------------------------------------


def test_the_screen_finds_every_variant_and_spares_ordinary_values():
    patterns = identity.parse_patterns("cpr")
    for v in VARIANTS:
        assert identity.find_in(v.fields(), patterns=patterns) == "cpr", v.label
        masked = identity.mask_in(v.fields(), patterns=patterns)
        assert traces(orjson.dumps(masked).decode(), [v.digits]) == [], v.label
        assert identity.detect(v.in_text("Team"), patterns) == "cpr", v.label
    for name in FILE_NAME_VARIANTS:
        assert identity.MASK in identity.mask_file_name(f"{name.in_text('cv')}.csv", patterns), name.label
    ordinary = ["2026-01-05", "2026-01-05T10:11:12+01:00", "05.01.2026 10:30", "case-000123", "ob-3f9a1c0d2e",
                "Bageriet A/S", "+45 12 34 56 78", "12345678", "3.1415926535", "1767225600", "20260105",
                "uge 12, 37 timer", "P-2026-000451", "CVR 12345678", 37.5, 20, 1767225600, 9_999_999]
    assert [v for v in ordinary if identity.find_in({"note": v}, patterns=patterns)] == []
    # references: a case number written like a CPR number passes, other forms of it do not
    assert identity.detect("150324-0001", patterns, plain_ok=True) is None
    assert identity.detect("150324 0001", patterns, plain_ok=True) == "cpr"
    # the date check: how many random ten-digit numbers pass it (why references are spared)
    import random

    rng = random.Random(13)
    sample = [f"{rng.randrange(10**10):010d}" for _ in range(20_000)]
    share = sum(identity.detect(s, patterns) is not None for s in sample) / len(sample)
    assert 0.025 < share < 0.045, share


def test_a_german_install_adds_its_own_patterns(client, admin_token, monkeypatch):
    monkeypatch.setenv("OVERBLIK_IDENTITY_PATTERNS", "cpr; de_steuer_id, de_rvnr; kundennr=KD-[0-9]{6}")
    reset_settings()
    try:
        h = bearer(admin_token)
        notes = {"de_steuer_id": "Steuer-ID 65 929 970 489", "de_rvnr": "RVNR 65 170839 J 003",
                 "kundennr": "Kunde KD-123456", "cpr": "cpr 010180-1234"}
        answer = client.post("/api/v1/events", headers=h, json=[
            with_variant(f"de-{name}", Variant(name, "0", note)) for name, note in notes.items()])
        reasons = {e["event_id"]: e["reason"] for e in answer.json()["errors"]}
        assert reasons == {
            "de-de_steuer_id": "a value looks like an identity number (de_steuer_id); send a citizen's number "
                               "only as citizen",
            "de-de_rvnr": "a value looks like an identity number (de_rvnr); send a citizen's number only as citizen",
            "de-kundennr": "a value looks like an identity number (kundennr); send a citizen's number only as citizen",
            "de-cpr": CPR_REASON,
        }
        stored = client.get("/api/v1/quarantine", headers=h).text
        assert "929" not in stored and "170839" not in stored and "123456" not in stored
        # an invalid check digit is no tax id
        assert identity.detect("65929970488", identity.parse_patterns("de_steuer_id")) is None
    finally:
        monkeypatch.delenv("OVERBLIK_IDENTITY_PATTERNS")
        reset_settings()
    for bad in ("nosuch", "x=(", "empty=.*", ";"):
        with pytest.raises(ValueError, match="identity pattern"):
            Settings(identity_patterns=bad)


def test_kept_drop_folder_copies_expire(store, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.ndjson").write_bytes(orjson.dumps(opened("k1")) + b"\n")
    config = DropFolderConfig(path=str(inbox), settle_seconds=0, keep_days=2)
    collect_folder(store, "drop", config)
    (copy,) = (inbox / "processed").iterdir()
    assert copy.name == "a.scrubbed.ndjson" and not (inbox / "a.ndjson").exists()
    assert b"citizen_pseudonym" in copy.read_bytes() and b"0303031234" not in copy.read_bytes()
    old = time.time() - 3 * 86400
    os.utime(copy, (old, old))
    collect_folder(store, "drop", config)
    assert list((inbox / "processed").iterdir()) == []
