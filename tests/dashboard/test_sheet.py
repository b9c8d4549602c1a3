"""The caseload sheet's round trip against the version it was downloaded at, through real HTTP
callback requests on SQLite and PostgreSQL: only the user's own changes are recorded, a row
changed on both sides is a conflict recorded only when chosen, a sheet without its signed
version is refused, names and dropdowns in the sheet, labels read back in da/en/de."""

from __future__ import annotations

import io
from datetime import datetime

import orjson
import pytest
from openpyxl import Workbook, load_workbook

from dashboard import ids
from dashboard.i18n import readiness_label, t
from metrics.calendar import month_of
from tests.dashboard.conftest import callback_key, fill_jobcentre
from tests.dashboard.test_accounts import sign_in
from tests.dashboard.test_recording import (
    _as_upload,
    _dashboard_events,
    _outputs,
    _sheet_body,
    _state,
    _text,
    post,
)

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=40, months=2)


def _confirm(app, pending, resolve=()):
    key = callback_key(app, ids.SHEET_MESSAGE)
    return {"output": key, "outputs": _outputs(key),
            "inputs": [{"id": ids.SHEET_CONFIRM, "property": "n_clicks", "value": 1}],
            "state": [{"id": ids.SHEET_PENDING, "property": "data", "value": pending},
                      {"id": ids.SHEET_RESOLVE, "property": "value", "value": list(resolve)}],
            "changedPropIds": [f"{ids.SHEET_CONFIRM}.n_clicks"]}


def _download(client, jobcentre):
    answer = client.get("/caseload.xlsx", params={"team": jobcentre.team})
    assert answer.status_code == 200
    return answer.content, load_workbook(io.BytesIO(answer.content))


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(sheet) -> dict[str, int]:
    return {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}


def _server_event(services, case_id: str, what: str, n: int, **fields) -> None:
    """A change on the board after the download, from a source other than the sheet."""
    today = datetime.now(services.settings.zone).date().isoformat()
    summary = services.store.append([{"event_id": f"fagsystem-{case_id}-{what}-{n}", "source": "fagsystem",
                                      "type": what, "case_id": case_id, "occurred_at": today, **fields}],
                                    origin="test")
    assert summary.accepted == 1, summary


def _preview(client, app, content: bytes):
    answer, response = post(client, _sheet_body(app, _as_upload(content)))
    assert answer.status_code == 200, answer.text
    return response


def _count(response, metric: str) -> int | None:
    found = []

    def walk(value):
        if isinstance(value, dict):
            props = value.get("props", {})
            if isinstance(props, dict) and props.get("data-metric") == metric:
                found.append(int(props["children"]))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(response)
    return found[0] if found else None


def _month(services) -> str:
    return month_of(datetime.now(services.settings.zone), services.settings.zone)


def test_only_the_users_own_changes_are_recorded_never_the_boards_stale_values(client, services, jobcentre, app):
    sign_in(client, "leder", jobcentre.users["leder"])
    month = _month(services)
    content, book = _download(client, jobcentre)
    sheet = book[book.sheetnames[0]]
    assert sheet.cell(1, 9).value == f"Timer {month}"
    rows = _rows(sheet)
    cases = list(rows)
    assert len(cases) >= 6

    # the board moves on after the download: hours on one case, a placement ended on another
    hours_case = next(c for c in cases if sheet.cell(rows[c], 9).value is None)
    _server_event(services, hours_case, "hours_reported", 1, month=month, hours=8.0)
    placed = next((c for c in cases if sheet.cell(rows[c], 6).value), None)
    if placed is not None:
        placement_id = _state(services, placed).placement.placement_id
        _server_event(services, placed, "placement_ended", 1, placement_id=placement_id)

    # the user changes 4 cells in rows the board did not change
    untouched = [c for c in cases if c not in (hours_case, placed)]
    a, b, c = untouched[:3]
    level = "Parat" if sheet.cell(rows[a], 5).value != "Parat" else "Tæt på"
    sheet.cell(rows[a], 5).value = level
    sheet.cell(rows[a], 9).value = 37.5
    names = [sheet.cell(r, 3).value for r in rows.values()]
    other_name = next(n for n in names if n != sheet.cell(rows[b], 3).value)
    sheet.cell(rows[b], 3).value = other_name
    sheet.cell(rows[c], 8).value = 12  # last month's hours
    response = _preview(client, app, _saved(book))
    preview = _text(response[ids.SHEET_PREVIEW])
    assert _count(response, "sheet_events") == 4, preview
    assert _count(response, "sheet_conflicts") is None
    assert hours_case not in preview and (placed is None or placed not in preview)
    answer, response = post(client, _confirm(app, response[ids.SHEET_PENDING]["data"]))
    assert answer.status_code == 200 and "4 hændelser registreret" in _text(response[ids.SHEET_MESSAGE])
    stored = _dashboard_events(services)
    assert sorted((e[2], e[1]) for e in stored) == sorted(
        [(a, "readiness_assessed"), (a, "hours_reported"), (b, "worker_assigned"), (c, "hours_reported")])
    # the board's own changes stand: no stale value from the sheet was written over them
    model = services.read_model
    model.catch_up()
    assert model.cases[hours_case].hours_for(month) == 8.0
    if placed is not None:
        assert _state(services, placed).placement is None
    from ingest.organisation import list_workers

    assert next(w.name for w in list_workers(services.engine)
                if w.worker_id == _state(services, b).holders["caseworker"]) == other_name


def test_a_row_changed_on_both_sides_is_a_conflict_recorded_only_when_chosen(client, services, jobcentre, app):
    sign_in(client, "leder", jobcentre.users["leder"])
    month = _month(services)
    _, book = _download(client, jobcentre)
    sheet = book[book.sheetnames[0]]
    rows = _rows(sheet)
    cases = list(rows)
    both, mine = cases[0], cases[1]
    was = _state(services, both).readiness
    server_level = "far" if was != "far" else "close"
    _server_event(services, both, "readiness_assessed", 1, level=server_level)
    sheet.cell(rows[both], 9).value = 20
    sheet.cell(rows[mine], 9).value = 21
    edited = _saved(book)
    response = _preview(client, app, edited)
    preview = _text(response[ids.SHEET_PREVIEW])
    assert _count(response, "sheet_events") == 1 and _count(response, "sheet_conflicts") == 1
    assert "Konflikt" in preview and readiness_label(server_level, "da") in preview  # the value now
    assert readiness_label(was, "da") in preview  # the value at download
    # confirmed without choosing: the conflicting row keeps the board's values
    answer, response = post(client, _confirm(app, response[ids.SHEET_PENDING]["data"]))
    assert "1 hændelser registreret" in _text(response[ids.SHEET_MESSAGE])
    assert [(e[2], e[3]["hours"]) for e in _dashboard_events(services)] == [(mine, 21.0)]
    model = services.read_model
    model.catch_up()
    assert model.cases[both].hours_for(month) != 20
    # chosen: the sheet's value is recorded on top of the board's change, which stays
    response = _preview(client, app, edited)
    assert _count(response, "sheet_conflicts") == 1 and response[ids.SHEET_PENDING]["data"] is not None
    answer, response = post(client, _confirm(app, response[ids.SHEET_PENDING]["data"], [both]))
    assert "1 hændelser registreret" in _text(response[ids.SHEET_MESSAGE])
    model.catch_up()
    assert model.cases[both].hours_for(month) == 20.0
    assert _state(services, both).readiness == server_level


def test_a_sheet_without_its_signed_version_is_refused(client, services, jobcentre, app):
    sign_in(client, "leder", jobcentre.users["leder"])
    content, book = _download(client, jobcentre)
    case_id = book[book.sheetnames[0]].cell(2, 1).value
    # the hidden version edited by hand: a downloaded hours value changed
    version = book["version"]
    row = next(r for r in range(2, version.max_row + 1) if version.cell(r, 1).value == case_id)
    values = orjson.loads(version.cell(row, 2).value)
    values[f"hours:{_month(services)}"] = 99.0
    version.cell(row, 2).value = orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()
    response = _preview(client, app, _saved(book))
    assert t("sheet_tampered", "da") in _text(response[ids.SHEET_PREVIEW])
    assert response[ids.SHEET_PENDING]["data"] is None
    # the version sheet removed (as an older download has none)
    _content, book = _download(client, jobcentre)
    del book["version"]
    response = _preview(client, app, _saved(book))
    assert t("sheet_no_version", "da") in _text(response[ids.SHEET_PREVIEW])
    # a version signed for another team (the server's own signature): not this team's sheet
    from dashboard.sheet import VERSION_SHEET, sheet_key, version_rows

    _content, book = _download(client, jobcentre)
    del book[VERSION_SHEET]
    other = book.create_sheet(VERSION_SHEET)
    for row in version_rows(sheet_key(services.settings), jobcentre.other_team, [], {case_id: {"cv": True}}):
        other.append(row)
    response = _preview(client, app, _saved(book))
    assert t("sheet_other_team", "da") in _text(response[ids.SHEET_PREVIEW])
    # a hand-made sheet of the same headings
    hand = Workbook()
    hand.active.append(["Sag", "Pseudonym", "Sagsbehandler", "CV", "Parathed", "Virksomhedsforløb"])
    hand.active.append([case_id, "", "", "Ja", "Parat", ""])
    response = _preview(client, app, _saved(hand))
    assert t("sheet_no_version", "da") in _text(response[ids.SHEET_PREVIEW])
    assert response[ids.SHEET_PENDING]["data"] is None and _dashboard_events(services) == []


def test_names_and_dropdowns_in_the_users_language_read_back_in_any(client, services, jobcentre, app):
    from ingest.organisation import list_workers

    names = {w.worker_id: w.name for w in list_workers(services.engine)}
    sign_in(client, "leder", jobcentre.users["leder"])
    client.cookies.set("overblik_lang", "en")
    _content, book = _download(client, jobcentre)
    sheet = book[book.sheetnames[0]]
    assert [c.value for c in sheet[1]][:7] == ["Case", "Pseudonym", "Caseworker", "CV", "Readiness", "Placement",
                                               "Placement kind"]
    workers = {sheet.cell(r, 3).value for r in range(2, sheet.max_row + 1)}
    assert workers and workers <= set(names.values()) and not workers & set(names)  # names, never ids
    assert book["lists"].sheet_state == "hidden" and book["version"].sheet_state == "veryHidden"
    lists = {col[0].column_letter: [c.value for c in col if c.value] for col in book["lists"].iter_cols()}
    assert lists["A"] == ["Yes", "No"]
    assert lists["B"] == [readiness_label(level, "en") for level in ("ready", "close", "far")]
    assert lists["C"] == [t(f"placement_kind_{k}", "en") for k in ("internship", "wage_subsidy", "other")]
    assert set(lists["D"]) <= set(names.values()) and set(lists["D"])
    validations = {str(v.sqref).split(":")[0][0]: v for v in sheet.data_validations.dataValidation}
    assert {"C", "D", "E", "G"} <= set(validations)
    assert validations["E"].type == "list" and validations["E"].formula1.startswith("lists!$B$1")
    assert validations["C"].formula1.startswith("lists!$D$1") and validations["H"].type == "decimal"

    # labels typed in Danish, English and German are read back to the same codes
    rows = _rows(sheet)
    cases = list(rows)
    free = [c for c in cases[3:] if sheet.cell(rows[c], 6).value is None]
    no_cv = [c for c in rows if sheet.cell(rows[c], 4).value == "No"]
    want = {}
    for case, label, level in zip(cases[:3], (readiness_label("ready", "da"), readiness_label("close", "en"),
                                               readiness_label("far", "de")), ("ready", "close", "far"), strict=True):
        sheet.cell(rows[case], 5).value = label
        want[case] = level
    assert len(free) >= 2
    kinds = {free[0]: ("wage_subsidy", "de"), free[1]: ("other", "da")}
    for case, (kind, lang) in kinds.items():
        sheet.cell(rows[case], 6).value = "Bageriet"
        sheet.cell(rows[case], 7).value = t(f"placement_kind_{kind}", lang)
    cv_case = next((c for c in no_cv if c not in (*cases[:3], *kinds)), None)
    if cv_case:
        sheet.cell(rows[cv_case], 4).value = "Ja"
    response = _preview(client, app, _saved(book))
    preview = _text(response[ids.SHEET_PREVIEW])
    assert "Change" in preview and "When downloaded" in preview  # the preview in English
    answer, response = post(client, _confirm(app, response[ids.SHEET_PENDING]["data"]))
    assert answer.status_code == 200, answer.text
    for case, level in want.items():
        assert _state(services, case).readiness == level, case
    for case, (kind, _lang) in kinds.items():
        placement = _state(services, case).placement
        assert placement is not None and (placement.employer, placement.kind) == ("Bageriet", kind)
    if cv_case:
        assert _state(services, cv_case).has_cv


def test_a_cell_left_as_downloaded_is_unchanged_though_the_worker_was_renamed(client, services, jobcentre, app,
                                                                               monkeypatch):
    from dashboard import directory
    from ingest.organisation import WorkerIn, list_workers, put_worker

    monkeypatch.setattr(directory, "REFRESH_SECONDS", 0)  # the rename is seen at once, not within 10 s
    sign_in(client, "leder", jobcentre.users["leder"])
    _, book = _download(client, jobcentre)
    sheet = book[book.sheetnames[0]]
    rows = _rows(sheet)
    worker = next(w for w in list_workers(services.engine) if w.worker_id == jobcentre.worker)
    held = [c for c, r in rows.items() if sheet.cell(r, 3).value == worker.name]
    assert held
    put_worker(services.engine, worker.worker_id, WorkerIn(name=worker.name + " Hansen", team_id=worker.team_id,
                                                           roles=list(worker.roles)))
    other = next(c for c in rows if c not in held)
    sheet.cell(rows[other], 9).value = 7
    response = _preview(client, app, _saved(book))
    preview = _text(response[ids.SHEET_PREVIEW])
    assert _count(response, "sheet_events") == 1 and t("invalid_worker", "da") not in preview, preview
