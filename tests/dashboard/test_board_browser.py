"""Recording from the case board and the XLSX round-trip in Debian's Chromium, against a real
server on a simulated jobcentre: each action recorded, shown on the board by the live stream,
refused outside the role, undone; a sheet downloaded, edited, uploaded, previewed, confirmed."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import text

from dashboard import ids
from tests.dashboard import test_browser as base
from tests.dashboard.test_browser import CHROMIUM, sign_in

# the browser tests' fixtures: a real server on a simulated jobcentre, Debian's Chromium
site, browser, page = base.site, base.browser, base.page

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's Chromium"),
              pytest.mark.browser]
SHOTS = os.environ.get("OVERBLIK_SCREENSHOTS")


def field(name: str) -> str:
    """The selector of a record-form field (a pattern-matching id, as Dash writes it)."""
    return f"[id='{json.dumps({'name': name, 'type': ids.RECORD_FIELD}, separators=(',', ':'))}']"


def choose(page, selector: str, label: str) -> None:
    # the form may draw its fields again while a dropdown is open (the case chosen a moment
    # before still answering on a loaded machine), which closes it: open it again
    for attempt in range(3):
        page.locator(selector).click()
        try:
            page.get_by_role("option", name=label, exact=True).click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    page.keyboard.press("Escape")


def upload(page, book) -> None:
    """Uploads the workbook as the team lead's edited caseload sheet."""
    edited = io.BytesIO()
    book.save(edited)
    page.locator(f"#{ids.SHEET_UPLOAD} input[type=file]").set_input_files(
        files=[{"name": "sager.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": edited.getvalue()}])


def board_row(page, case_id: str):
    return page.locator("table.board tbody tr", has_text=case_id)


def record(page, action: str, case_id: str | None, fill=None) -> str:
    """Chooses the action (and case), fills the form, records; the confirmation's text."""
    choose(page, f"#{ids.RECORD_ACTION}", action)
    if case_id is not None:
        choose(page, f"#{ids.RECORD_CASE}", next(
            o for o in _case_options(page) if o.startswith(case_id + " ")))
    page.locator(field("date")).wait_for()
    if fill:
        fill()
    done_before = page.locator(".record-done").count()
    page.click(f"#{ids.RECORD_SUBMIT}")
    page.locator(".record-done, .record-problems, .record-refused").first.wait_for()
    page.wait_for_function("n => document.querySelectorAll('.record-done').length >= n", arg=done_before)
    return page.locator(f"#{ids.RECORD_MESSAGE}").inner_text()


def _case_options(page) -> list[str]:
    page.locator(f"#{ids.RECORD_CASE}").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def _stored(site) -> list[tuple]:
    with site.services.engine.connect() as connection:
        return connection.execute(text(
            "SELECT event_id, type, case_id FROM events WHERE source = 'dashboard' ORDER BY seq")).fetchall()


def _board(site, worker):
    from metrics.service import MetricsService

    return MetricsService(site.services.engine, site.services.settings.zone).board(worker)["cases"]


def test_each_board_action_is_recorded_shown_live_and_undone(page, site):
    worker = site.jobcentre.worker
    sign_in(page, site, "medarbejder")
    case = next(c for c in _board(site, worker) if not c["has_cv"] and c["placement"] is None
                and c["roles"] == ["caseworker"])
    cid = case["case_id"]
    board_row(page, cid).wait_for()
    if SHOTS:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=os.path.join(SHOTS, "my-caseload.png"), full_page=True)

    assert "Registreret" in record(page, "CV færdigt", cid)
    board_row(page, cid).locator(".ok").wait_for()  # the CV column, by the live stream

    record(page, "Parathed vurderet", cid, lambda: choose(page, field("level"), "Længere fra"))
    board_row(page, cid).locator(".readiness-far").wait_for()

    def placement():
        page.fill(field("employer"), "Bageriet Ørsted")
        choose(page, field("kind"), "Løntilskud")
        page.fill(field("hours_per_week"), "20")
    if SHOTS:
        choose(page, f"#{ids.RECORD_ACTION}", "Virksomhedsforløb startet")
        choose(page, f"#{ids.RECORD_CASE}", next(o for o in _case_options(page) if o.startswith(cid + " ")))
        page.locator(field("employer")).wait_for()
        placement()
        page.locator("section.record").screenshot(path=os.path.join(SHOTS, "record-form.png"))
    record(page, "Virksomhedsforløb startet", cid, placement)
    board_row(page, cid).get_by_text("Bageriet Ørsted", exact=False).wait_for()

    # follow-up: the current placement is the default context, participants preset
    choose(page, f"#{ids.RECORD_ACTION}", "Opfølgning holdt")
    page.locator(".record-context", has_text="Bageriet Ørsted").wait_for()
    record(page, "Opfølgning holdt", cid)

    # hours: typed and recorded with Enter, from the keyboard
    choose(page, f"#{ids.RECORD_ACTION}", "Ordinære timer for en måned")
    page.locator(field("hours")).wait_for()
    this_month = datetime.now(UTC).astimezone(site.services.settings.zone).strftime("%Y-%m")
    from dashboard.i18n import month_label
    choose(page, field("month"), month_label(this_month, "da"))
    page.fill(field("hours"), "12,5")
    page.locator(field("hours")).press("Enter")
    page.locator(".record-done", has_text="Ordinære timer").wait_for()
    board_row(page, cid).get_by_text("12,5", exact=False).wait_for()

    # validation before anything is sent, in Danish
    count = len(_stored(site))
    choose(page, f"#{ids.RECORD_ACTION}", "Ordinære timer for en måned")
    page.fill(field("hours"), "800")
    page.click(f"#{ids.RECORD_SUBMIT}")
    page.locator(".record-problems", has_text="fra 0 til 744").wait_for()
    assert len(_stored(site)) == count

    other = next(w for w in site.jobcentre.org.workers
                 if w.team_id == site.jobcentre.team and "company_consultant" in w.roles)
    record(page, "Medarbejder tildelt", cid, lambda: (choose(page, field("worker_id"), other.name),
                                                       choose(page, field("role"), "Virksomhedskonsulent")))
    board_row(page, cid).get_by_text(other.name, exact=False).wait_for()

    record(page, "Startet i forløb", cid)
    record(page, "Virksomhedsforløb afsluttet", cid)  # the current placement is the default
    page.wait_for_function(
        "([sel, cid]) => [...document.querySelectorAll(sel)].some(r => r.innerText.includes(cid) "
        "&& !r.innerText.includes('Bageriet'))", arg=["table.board tbody tr", cid])

    phases = _phase_of(site, cid)
    if phases:
        record(page, "Fase skiftet", cid, lambda: choose(page, field("phase"), phases))

    shown = int(page.locator('[data-metric="board_cases"]').inner_text().split()[0])
    record(page, "Sag afsluttet", cid, lambda: (choose(page, field("reason"), "Gennemført"),
                                                 choose(page, field("outcome"), "Job")))
    board_row(page, cid).wait_for(state="detached")
    page.locator('[data-metric="board_cases"]', has_text=f"{shown - 1} ").wait_for()

    # undo the close: a retraction, and the case is back on the board
    page.click(f"#{ids.RECORD_UNDO}")
    page.locator(".record-undone").wait_for()
    board_row(page, cid).wait_for()
    types = [r[1] for r in _stored(site) if r[2] == cid]
    assert types[-1] == "event_retracted" and "case_closed" in types  # nothing deleted
    assert page.locator(f"#{ids.RECORD_UNDO}").is_disabled()

    # a new case: the citizen number is asked for and never stored
    def citizen():
        page.fill(field("citizen"), "1203851234")
    message = record(page, "Ny sag", None, citizen)
    new_case = message.split("sag ")[-1].split(" ")[0]
    board_row(page, new_case).wait_for()
    with site.services.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM events WHERE payload LIKE '%1203851234%'")).scalar() == 0
    assert "1203851234" not in page.content()

    # a double click records once
    count = len(_stored(site))
    choose(page, f"#{ids.RECORD_ACTION}", "CV færdigt")
    choose(page, f"#{ids.RECORD_CASE}", next(o for o in _case_options(page) if o.startswith(new_case + " ")))
    page.locator(field("date")).wait_for()
    page.dblclick(f"#{ids.RECORD_SUBMIT}")
    page.locator(".record-done, .record-duplicate").first.wait_for()
    page.wait_for_timeout(1000)
    assert len(_stored(site)) == count + 1


def assert_axe(page) -> None:
    page.add_script_tag(path=str(base.AXE))
    result = page.evaluate(
        "axe.run({exclude: [['.dash-dropdown-focus-target']]}, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def _phase_of(site, case_id: str) -> str | None:
    from core.programmes import preset

    model = preset("default")
    return (model.phases[0].names.get("da") or model.phases[0].id) if model and model.phases else None


def test_recording_is_refused_outside_the_role(page, site):
    jobcentre = site.jobcentre
    sign_in(page, site, "medarbejder")
    page.locator(f"#{ids.RECORD_CASE}").wait_for()
    own = {c["case_id"] for c in _board(site, jobcentre.worker)}
    offered = {o.split(" ")[0] for o in _case_options(page)}
    assert offered and offered <= own
    # a crafted request for another worker's case, from the signed-in browser
    other = _board(site, jobcentre.other_worker)[0]["case_id"]
    from tests.dashboard.test_recording import record_body

    body = record_body(None, action="cv_completed", case_id=other, worker=jobcentre.worker,
                       fields={"date": "2020-01-01"}, form_id="ob-crafted")
    answer = page.request.post(site.base + "/_dash-update-component", data=json.dumps(body),
                               headers={"Content-Type": "application/json"})
    assert answer.status == 403
    assert not any(r[0] == "ob-crafted" for r in _stored(site))
    # a manager sees a board but has no record form; another worker's board is refused
    page.context.clear_cookies()
    sign_in(page, site, "chef")
    page.goto(f"{site.base}/my-caseload?worker={jobcentre.worker}")
    page.locator('[data-metric="board_cases"]').wait_for()
    assert page.locator(f"#{ids.RECORD_SUBMIT}").count() == 0
    assert page.locator(f"#{ids.SHEET_DOWNLOAD}").count() == 0


def test_the_sheet_round_trip_changes_the_figures(page, site):
    from metrics.service import MetricsService

    jobcentre = site.jobcentre
    sign_in(page, site, "leder")
    page.goto(f"{site.base}/my-caseload?worker={jobcentre.worker}")
    page.locator(f"#{ids.SHEET_DOWNLOAD}").wait_for()
    # a team lead records on a team member's case from the member's board, too
    member_case = next(c for c in _board(site, jobcentre.worker) if c["readiness"] != "close")["case_id"]
    record(page, "Parathed vurderet", member_case, lambda: choose(page, field("level"), "Tæt på"))
    board_row(page, member_case).locator(".readiness-close").wait_for()
    with site.services.engine.connect() as connection:
        payload = connection.execute(text(
            "SELECT payload FROM events WHERE source = 'dashboard' ORDER BY seq DESC LIMIT 1")).scalar()
    assert '"recorded_by":"user:leder"' in payload.replace(" ", "")
    metrics = MetricsService(site.services.engine, site.services.settings.zone)
    month = datetime.now(UTC).astimezone(site.services.settings.zone).strftime("%Y-%m")
    before = next(r for r in metrics.rows(month, "worker")[1] if r["worker_id"] == jobcentre.worker)
    shown = page.locator(f'[data-metric="with_ordinary_hours"][data-worker="{jobcentre.worker}"]').first
    shown.wait_for()
    with page.expect_download() as download:
        page.click(f"#{ids.SHEET_DOWNLOAD}")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    sheet = book.active
    assert sheet.cell(1, 1).value == "Sag" and sheet.cell(1, 9).value == f"Timer {month}"
    from ingest.organisation import list_workers

    name = next(w.name for w in list_workers(site.services.engine) if w.worker_id == jobcentre.worker)
    target = next(r for r in range(2, sheet.max_row + 1)
                  if sheet.cell(r, 3).value == name and not sheet.cell(r, 9).value)
    case_id = sheet.cell(target, 1).value
    sheet.cell(target, 9).value = 30
    stored_before = len(_stored(site))
    upload(page, book)
    preview = page.locator("table.sheet-preview")
    preview.wait_for()
    assert case_id in preview.inner_text() and "Ordinære timer" in preview.inner_text()
    assert page.locator('[data-metric="sheet_events"]').inner_text() == "1"
    assert len(_stored(site)) == stored_before  # nothing before the confirm
    if SHOTS:
        page.locator("section.sheet").screenshot(path=os.path.join(SHOTS, "sheet-preview.png"))
    # the form with its fields open and the preview pass axe, as every view does
    choose(page, f"#{ids.RECORD_ACTION}", "Opfølgning holdt")
    page.locator(field("participants")).wait_for()
    assert_axe(page)
    page.click(f"#{ids.SHEET_CONFIRM}")
    page.locator('[data-metric="sheet_recorded"]', has_text="1 hændelser").wait_for()
    after = next(r for r in metrics.rows(month, "worker")[1] if r["worker_id"] == jobcentre.worker)
    assert after["with_ordinary_hours"] == before["with_ordinary_hours"] + 1
    from dashboard.i18n import figure
    page.wait_for_function(
        "([sel, want]) => { const e = document.querySelector(sel); return e && e.innerText === want; }",
        arg=[f'[data-metric="with_ordinary_hours"][data-worker="{jobcentre.worker}"]',
             figure("with_ordinary_hours", after["with_ordinary_hours"], "da")], timeout=30_000)


def test_a_sheet_conflict_is_shown_and_recorded_only_when_ticked(page, site):
    jobcentre = site.jobcentre
    sign_in(page, site, "leder")
    page.goto(f"{site.base}/my-caseload?worker={jobcentre.worker}")
    page.locator(f"#{ids.SHEET_DOWNLOAD}").wait_for()
    with page.expect_download() as download:
        page.click(f"#{ids.SHEET_DOWNLOAD}")
    with open(download.value.path(), "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    sheet = book.active
    target = next(r for r in range(2, sheet.max_row + 1) if not sheet.cell(r, 9).value)
    case_id = sheet.cell(target, 1).value
    # the board changes the case after the download; the sheet changes the same row
    from dashboard.i18n import readiness_label

    level = "far" if sheet.cell(target, 5).value != readiness_label("far", "da") else "ready"
    today = datetime.now(site.services.settings.zone).date().isoformat()
    site.services.store.append([{"event_id": f"fagsystem-{case_id}-conflict", "source": "fagsystem",
                                 "type": "readiness_assessed", "case_id": case_id, "occurred_at": today,
                                 "level": level}], origin="test")
    sheet.cell(target, 9).value = 11
    stored_before = len(_stored(site))
    upload(page, book)
    page.locator('[data-metric="sheet_conflicts"]').wait_for()
    assert page.locator('[data-metric="sheet_events"]').inner_text() == "0"
    assert page.locator("table.sheet-preview tr.row-conflict").count() >= 2  # the sheet's cell and the board's
    if SHOTS:
        page.locator("section.sheet").screenshot(path=os.path.join(SHOTS, "sheet-conflict.png"))
    page.get_by_label(f"Række {target} · {case_id}").check()
    page.click(f"#{ids.SHEET_CONFIRM}")
    page.locator('[data-metric="sheet_recorded"]', has_text="1 hændelser").wait_for()
    stored = _stored(site)
    assert len(stored) == stored_before + 1 and stored[-1][1:] == ("hours_reported", case_id)
