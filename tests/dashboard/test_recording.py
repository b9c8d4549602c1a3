"""Recording from the board and the XLSX round-trip, through real HTTP callback requests to the
app, on SQLite and PostgreSQL: stored through the ingest path, once, only within the role."""

from __future__ import annotations

import base64
import io
import json

import orjson
import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from core.access import CALLBACKS
from core.audit import entries
from dashboard import ids
from tests.dashboard.conftest import callback_key, fill_jobcentre
from tests.dashboard.test_accounts import sign_in

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test

FIELD = ids.RECORD_FIELD


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=40, months=2)


def _outputs(key: str):
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in key.strip(".").split("...")]
    return outputs if len(outputs) > 1 else outputs[0]


def record_body(app, *, action, case_id, fields: dict, form_id, worker, last=None, undo=False) -> dict:
    """The record form's callback request; `app` may be None (the key then comes from the matrix)."""
    names = list(fields)
    fid = [{"type": FIELD, "name": n} for n in names]
    key = callback_key(app, ids.RECORD_MESSAGE) if app is not None else next(
        k for k in CALLBACKS if f"{ids.RECORD_MESSAGE}." in k)
    trigger = ids.RECORD_UNDO if undo else ids.RECORD_SUBMIT
    return {
        "output": key, "outputs": _outputs(key),
        "inputs": [{"id": ids.RECORD_SUBMIT, "property": "n_clicks", "value": 0 if undo else 1},
                   {"id": ids.RECORD_UNDO, "property": "n_clicks", "value": 1 if undo else 0},
                   [{"id": i, "property": "n_submit", "value": 0} for i in fid]],
        "state": [{"id": ids.RECORD_ACTION, "property": "value", "value": action},
                  {"id": ids.RECORD_CASE, "property": "value", "value": case_id},
                  [{"id": i, "property": "value", "value": fields[n]} for i, n in zip(fid, names, strict=True)],
                  [{"id": i, "property": "id", "value": i} for i in fid],
                  {"id": ids.RECORD_FORM_ID, "property": "data", "value": form_id},
                  {"id": ids.RECORD_LAST, "property": "data", "value": last},
                  {"id": ids.CASELOAD_WORKER, "property": "data", "value": worker}],
        "changedPropIds": [f"{trigger}.n_clicks"],
    }


def post(client, body):
    answer = client.post("/_dash-update-component", json=body)
    return answer, (answer.json()["response"] if answer.status_code == 200 else None)


def _dashboard_events(services):
    with services.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT event_id, type, case_id, payload FROM events WHERE source = 'dashboard' ORDER BY seq")).fetchall()
    return [(r[0], r[1], r[2], orjson.loads(r[3]) if isinstance(r[3], str | bytes) else r[3]) for r in rows]


def _state(services, case_id):
    model = services.read_model
    model.catch_up()
    from datetime import UTC, datetime

    from metrics.calendar import to_us
    return model.cases[case_id].state(to_us(datetime.now(UTC)) + 1)


def _own_case(services, worker):
    from metrics.service import MetricsService

    cases = MetricsService(services.engine, services.settings.zone).board(worker)["cases"]
    return next(c for c in cases if c["roles"] == ["caseworker"] and c["readiness"] != "far")


def test_a_worker_records_on_its_own_case_once_and_undoes_it(client, services, jobcentre, app):
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    case = _own_case(services, jobcentre.worker)
    from datetime import datetime

    today = datetime.now(services.settings.zone).date().isoformat()
    body = record_body(app, action="readiness_assessed", case_id=case["case_id"], worker=jobcentre.worker,
                       fields={"date": today, "level": "far"}, form_id="ob-0001")
    answer, response = post(client, body)
    assert answer.status_code == 200, answer.text
    assert "Registreret" in _text(response[ids.RECORD_MESSAGE])
    last = response[ids.RECORD_LAST]["data"]
    assert last["event_ids"] == ["ob-0001"] and response[ids.RECORD_FORM_ID]["data"] != "ob-0001"
    # a double click: the same form id again is acknowledged, stored once
    again, response2 = post(client, body)
    assert again.status_code == 200 and "Allerede registreret" in _text(response2[ids.RECORD_MESSAGE])
    stored = _dashboard_events(services)
    assert [(e[0], e[1], e[2]) for e in stored] == [("ob-0001", "readiness_assessed", case["case_id"])]
    assert stored[0][3]["recorded_by"] == "user:medarbejder" and stored[0][3]["level"] == "far"
    assert _state(services, case["case_id"]).readiness == "far"
    assert any(e["action"] == "record_event" and e["detail"] == "readiness_assessed" for e in entries(services.engine))

    undo = record_body(app, action="readiness_assessed", case_id=case["case_id"], worker=jobcentre.worker,
                       fields={}, form_id="ob-0002", last=last, undo=True)
    answer, response = post(client, undo)
    assert answer.status_code == 200 and "Fortrudt" in _text(response[ids.RECORD_MESSAGE])
    assert _state(services, case["case_id"]).readiness == case["readiness"]
    types = [e[1] for e in _dashboard_events(services)]
    assert types == ["readiness_assessed", "event_retracted"]  # nothing deleted


def _board_page(app, client, worker: str) -> dict:
    """The board as a reload opens it: the route callback's page for /my-caseload."""
    from tests.dashboard.test_accounts import callback_body

    body = callback_body(app, ids.PAGE, inputs=[{"id": ids.URL, "property": "pathname", "value": "/my-caseload"},
                                                {"id": ids.URL, "property": "search", "value": f"?worker={worker}"}],
                         state=[])
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["response"][ids.PAGE]["children"]


def _found(tree, component_id: str) -> dict | None:
    """The props of the component with this id in a layout tree."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == component_id:
            return props
        return _found(props.get("children"), component_id)
    if isinstance(tree, list):
        return next((found for child in tree if (found := _found(child, component_id)) is not None), None)
    return None


def test_undo_of_ones_own_last_entry_survives_a_reload(client, services, jobcentre, app):
    from datetime import datetime

    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    case = _own_case(services, jobcentre.worker)
    page = _board_page(app, client, jobcentre.worker)
    assert _found(page, ids.RECORD_LAST)["data"] is None and _found(page, ids.RECORD_UNDO)["disabled"] is True
    today = datetime.now(services.settings.zone).date().isoformat()
    answer, _response = post(client, record_body(app, action="readiness_assessed", case_id=case["case_id"],
                                                 worker=jobcentre.worker, fields={"date": today, "level": "far"},
                                                 form_id="ob-r1"))
    assert answer.status_code == 200
    # a reload: the browser's state is gone, the log still knows the entry
    page = _board_page(app, client, jobcentre.worker)
    last = _found(page, ids.RECORD_LAST)["data"]
    assert last == {"event_ids": ["ob-r1"], "case_id": case["case_id"], "action": "readiness_assessed"}
    assert _found(page, ids.RECORD_UNDO)["disabled"] is False
    # the team lead on the same board: not the lead's entry, nothing to undo
    client.cookies.clear()
    sign_in(client, "leder", jobcentre.users["leder"])
    page = _board_page(app, client, jobcentre.worker)
    assert _found(page, ids.RECORD_LAST)["data"] is None and _found(page, ids.RECORD_UNDO)["disabled"] is True
    client.cookies.clear()
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    answer, response = post(client, record_body(app, action=None, case_id=None, worker=jobcentre.worker, fields={},
                                                form_id="ob-r2", last=last, undo=True))
    assert answer.status_code == 200 and "Fortrudt" in _text(response[ids.RECORD_MESSAGE])
    assert _state(services, case["case_id"]).readiness == case["readiness"]
    page = _board_page(app, client, jobcentre.worker)
    assert _found(page, ids.RECORD_LAST)["data"] is None


def test_validation_comes_first_and_in_the_users_language(client, services, jobcentre, app):
    client.get("/language/en?next=/")
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    case = _own_case(services, jobcentre.worker)
    body = record_body(app, action="hours_reported", case_id=case["case_id"], worker=jobcentre.worker,
                       fields={"date": "2999-01-01", "month": "1999-01", "hours": "800"}, form_id="ob-0003")
    answer, response = post(client, body)
    message = _text(response[ids.RECORD_MESSAGE])
    assert "must not be in the future" in message and "from 0 to 744" in message and "recent months" in message
    assert _dashboard_events(services) == []
    client.get("/language/de?next=/")
    answer, response = post(client, body)
    assert "Zukunft" in _text(response[ids.RECORD_MESSAGE])


def test_recording_is_refused_outside_the_role(client, services, jobcentre, app):
    from metrics.service import MetricsService

    metrics = MetricsService(services.engine, services.settings.zone)
    other_case = metrics.board(jobcentre.other_worker)["cases"][0]["case_id"]
    today = "2020-01-01"
    for username, worker, case_id in (
        ("medarbejder", jobcentre.worker, other_case),  # a case it does not hold, on its own board
        ("medarbejder", jobcentre.other_worker, other_case),  # another worker's board
        ("leder", jobcentre.other_worker, other_case),  # another team's
        ("chef", jobcentre.worker, _own_case(services, jobcentre.worker)["case_id"]),  # a manager does not record
        ("admin", jobcentre.worker, _own_case(services, jobcentre.worker)["case_id"]),
    ):
        client.cookies.clear()
        sign_in(client, username, jobcentre.users[username])
        body = record_body(app, action="cv_completed", case_id=case_id, worker=worker,
                           fields={"date": today}, form_id="ob-0004")
        answer = client.post("/_dash-update-component", json=body)
        assert answer.status_code == 403, (username, answer.status_code)
        assert _dashboard_events(services) == []
    # a crafted undo of someone else's entry records nothing
    client.cookies.clear()
    sign_in(client, "leder", jobcentre.users["leder"])
    own = _own_case(services, jobcentre.worker)
    answer, response = post(client, record_body(
        app, action="cv_completed", case_id=own["case_id"], worker=jobcentre.worker,
        fields={"date": today}, form_id="ob-0005"))
    assert answer.status_code == 200 and [e[0] for e in _dashboard_events(services)] == ["ob-0005"]
    client.cookies.clear()
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    answer, response = post(client, record_body(
        app, action="cv_completed", case_id=own["case_id"], worker=jobcentre.worker, fields={},
        form_id="ob-0006", last={"event_ids": ["ob-0005"], "case_id": own["case_id"], "action": "cv_completed"},
        undo=True))
    assert "intet at fortryde" in _text(response[ids.RECORD_MESSAGE])
    assert [e[0] for e in _dashboard_events(services)] == ["ob-0005"]


def test_a_closed_case_is_reopened_by_undo_and_a_new_case_is_pseudonymised(client, services, jobcentre, app):
    from datetime import datetime

    today = datetime.now(services.settings.zone).date().isoformat()
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    case = _own_case(services, jobcentre.worker)
    answer, response = post(client, record_body(
        app, action="case_closed", case_id=case["case_id"], worker=jobcentre.worker,
        fields={"date": today, "reason": "moved", "outcome": None}, form_id="ob-0007"))
    assert answer.status_code == 200, answer.text
    assert not _state(services, case["case_id"]).active
    answer, response = post(client, record_body(
        app, action="case_closed", case_id=case["case_id"], worker=jobcentre.worker, fields={},
        form_id="ob-0008", last=response[ids.RECORD_LAST]["data"], undo=True))
    assert answer.status_code == 200 and _state(services, case["case_id"]).active
    answer, response = post(client, record_body(
        app, action="case_closed", case_id=case["case_id"], worker=jobcentre.worker,
        fields={"date": today, "reason": "completed", "outcome": "job"}, form_id="ob-0009"))
    assert "Registreret" in _text(response[ids.RECORD_MESSAGE])
    assert not _state(services, case["case_id"]).active

    answer, response = post(client, record_body(
        app, action="case_opened", case_id=None, worker=jobcentre.worker,
        fields={"date": today, "citizen": "0101901234", "programme": "default"}, form_id="ob-0010"))
    assert answer.status_code == 200, answer.text
    assert "0101901234" not in answer.text
    new_case = response[ids.RECORD_LAST]["data"]["case_id"]
    state = _state(services, new_case)
    assert state.active and state.holders == {"caseworker": jobcentre.worker} and state.team == jobcentre.team
    with services.engine.connect() as connection:
        everything = " ".join(str(r) for r in connection.execute(text("SELECT * FROM events")).fetchall())
        quarantined = " ".join(str(r) for r in connection.execute(text("SELECT * FROM quarantine")).fetchall())
    assert "0101901234" not in everything and "0101901234" not in quarantined


def _sheet_body(app, contents):
    key = callback_key(app, ids.SHEET_PREVIEW)
    return {"output": key, "outputs": _outputs(key),
            "inputs": [{"id": ids.SHEET_UPLOAD, "property": "contents", "value": contents}],
            "state": [], "changedPropIds": [f"{ids.SHEET_UPLOAD}.contents"]}


def _confirm_body(app, pending):
    key = callback_key(app, ids.SHEET_MESSAGE)
    return {"output": key, "outputs": _outputs(key),
            "inputs": [{"id": ids.SHEET_CONFIRM, "property": "n_clicks", "value": 1}],
            "state": [{"id": ids.SHEET_PENDING, "property": "data", "value": pending},
                      {"id": ids.SHEET_RESOLVE, "property": "value", "value": []}],
            "changedPropIds": [f"{ids.SHEET_CONFIRM}.n_clicks"]}


def _as_upload(content: bytes) -> str:
    return "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + \
        base64.b64encode(content).decode()


def test_the_sheet_round_trip_records_the_changed_cells_only(client, services, jobcentre, app):
    signed_out = client.get("/caseload.xlsx")  # the sign-in page, not the sheet
    assert 'name="password"' in signed_out.text and not signed_out.content.startswith(b"PK")
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    assert client.get("/caseload.xlsx").status_code == 403
    client.cookies.clear()
    sign_in(client, "leder", jobcentre.users["leder"])
    assert client.get("/caseload.xlsx", params={"team": jobcentre.other_team}).status_code == 403
    download = client.get("/caseload.xlsx", params={"team": jobcentre.team})
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Sag", "Pseudonym", "Sagsbehandler", "CV", "Parathed", "Virksomhedsforløb"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows and all(len(str(r[1] or "")) <= 8 for r in rows)

    # unchanged: nothing to record
    answer, response = post(client, _sheet_body(app, _as_upload(download.content)))
    assert answer.status_code == 200 and "Ingen ændringer" in _text(response[ids.SHEET_PREVIEW])
    assert response[ids.SHEET_PENDING]["data"] is None

    # one readiness cell and one hours cell changed
    target = next(i for i, r in enumerate(rows, start=2) if r[4] != "Parat")
    case_id = sheet.cell(target, 1).value
    sheet.cell(target, 5).value = "Parat"
    sheet.cell(target, 9).value = 37.5  # this month's hours
    edited = io.BytesIO()
    book.save(edited)
    answer, response = post(client, _sheet_body(app, _as_upload(edited.getvalue())))
    preview = _text(response[ids.SHEET_PREVIEW])
    assert "Parathed vurderet" in preview and "Ordinære timer for en måned" in preview and case_id in preview
    assert _dashboard_events(services) == []  # nothing recorded before the confirm
    pending = response[ids.SHEET_PENDING]["data"]
    answer, response = post(client, _confirm_body(app, pending))
    assert answer.status_code == 200 and "2 hændelser registreret" in _text(response[ids.SHEET_MESSAGE])
    stored = _dashboard_events(services)
    assert sorted(e[1] for e in stored) == ["hours_reported", "readiness_assessed"]
    assert all(e[2] == case_id and e[3]["recorded_by"] == "user:leder" for e in stored)
    assert _state(services, case_id).readiness == "ready"
    # confirming again, or uploading the same sheet again, records nothing new
    answer, response = post(client, _confirm_body(app, pending))
    assert len(_dashboard_events(services)) == 2
    answer, response = post(client, _sheet_body(app, _as_upload(edited.getvalue())))
    assert "Ingen ændringer" in _text(response[ids.SHEET_PREVIEW])
    # a crafted pending sheet of another team's case is not recorded
    assert client.post("/_dash-update-component", json=_confirm_body(app, {"contents": "x", "digest": "y"})
                       ).status_code in (200, 204)
    assert len(_dashboard_events(services)) == 2


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_a_citizen_number_in_free_text_is_refused_by_the_form(client, services, jobcentre, app):
    """A citizen number typed into free text is refused by the form, with a message that does
    not repeat it; nothing is stored, not even in the quarantine."""
    from datetime import datetime

    today = datetime.now(services.settings.zone).date().isoformat()
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    case = _own_case(services, jobcentre.worker)
    answer, response = post(client, record_body(
        app, action="placement_started", case_id=case["case_id"], worker=jobcentre.worker,
        fields={"date": today, "employer": "Bageriet, kontakt 010190-1234", "kind": "internship",
                "hours_per_week": "20"}, form_id="ob-0011"))
    assert answer.status_code == 200
    message = _text(response[ids.RECORD_MESSAGE])
    assert "Ret venligst" in message and "cpr-nummer" in message and "010190-1234" not in message
    assert _dashboard_events(services) == []
    with services.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM quarantine")).scalar() == 0


def test_a_refusal_of_the_server_is_shown_in_the_users_language(client, services, jobcentre, app):
    from datetime import datetime, timedelta

    today = datetime.now(services.settings.zone).date()
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    case = _own_case(services, jobcentre.worker)
    answer, response = post(client, record_body(
        app, action="placement_started", case_id=case["case_id"], worker=jobcentre.worker,
        fields={"date": today.isoformat(), "employer": "Bageriet", "kind": "internship", "hours_per_week": None},
        form_id="ob-0020"))
    assert answer.status_code == 200, answer.text
    assert "Registreret" in _text(response[ids.RECORD_MESSAGE])
    # ended the day before it started: ingest refuses it, and the form says why in Danish
    answer, response = post(client, record_body(
        app, action="placement_ended", case_id=case["case_id"], worker=jobcentre.worker,
        fields={"date": (today - timedelta(days=1)).isoformat(), "placement_id": "P-0020", "end_reason": None},
        form_id="ob-0021"))
    assert answer.status_code == 200, answer.text
    message = _text(response[ids.RECORD_MESSAGE])
    assert "Virksomhedsforløbets slutdato ligger før dets startdato" in message, message
    assert "placement_ended" not in message
