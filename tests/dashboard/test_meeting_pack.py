"""Meeting pack and caseload talk PDFs: they download, hold the API's figures, and carry the action log."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlmodel import select

from core.database import session_scope
from core.models import AgreedAction
from dashboard import ids
from dashboard.agreements import add_agreement
from dashboard.i18n import figure, metric_label, month_label, t
from metrics.calendar import add_months, month_of
from metrics.definitions import BY_NAME, METRICS, TARGET_METRICS
from metrics.service import MetricsService
from tests.dashboard.conftest import fill_jobcentre
from tests.dashboard.test_accounts import callback_body, sign_in

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=120, months=2)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # one space for any run of whitespace: table cells may be laid out on separate lines
    return squash("\n".join(page.extract_text() for page in reader.pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _month(services) -> str:
    return month_of(MetricsService(services.engine, services.settings.zone).clock(), services.settings.zone)


def test_meeting_pack_holds_the_teams_figures_as_the_api_gives_them(client, services, jobcentre):
    month = _month(services)
    metrics = MetricsService(services.engine, services.settings.zone)
    metrics.put_targets([{"team_id": jobcentre.team, "metric": "placement_starts", "month": month, "value": 7}])
    sign_in(client, "leder", jobcentre.users["leder"])
    response = client.get(f"/meeting-pack.pdf?team={jobcentre.team}&month={month}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    # what GET /api/v1/milestones answers: the same service call, serialised
    api = metrics.milestones(month, "team", jobcentre.team)["rows"][0]
    assert "Mødepakke" in text and month_label(month, "da") in text
    for name in TARGET_METRICS:
        # the row of the milestones table: the label, then this month's figure as the API gives it,
        # or, for hours not reported yet, those words instead of a 0
        shown = "Ikke indberettet endnu" if name in api["not_reported_yet"] else figure(name, api[name], "da")
        assert squash(f"{metric_label(name, 'da')} {shown}") in text, name
    target = api["targets"]["placement_starts"]
    assert f"{metric_label('placement_starts', 'da')} {figure('placement_starts', api['placement_starts'], 'da')} 7" \
        in text
    assert {"on_track": "På sporet", "at_risk": "I risiko", "behind": "Bagud"}[target["status"]] in text
    # every worker of the team by name, none of the other team's
    workers = metrics.milestones(month, "worker", jobcentre.team)["rows"]
    names = {w.worker_id: w.name for w in jobcentre.org.workers}
    assert workers and all(names[w["worker_id"]] in text for w in workers)
    other = [w.name for w in jobcentre.org.workers if w.team_id == jobcentre.other_team]
    assert not any(name in text for name in other)
    # the overdue follow-ups by case id, and no citizen identifier or pseudonym
    overdue = metrics.milestone_cases(month, "follow_up_overdue", team_id=jobcentre.team)["cases"]
    assert all(case["case_id"] in text for case in overdue)
    # the appendix: every figure explained in plain words, and what "<5" means
    assert "Sådan læses tallene" in text
    assert all(squash(m.explained("da")) in text for m in METRICS), [m.name for m in METRICS
                                                                     if squash(m.explained("da")) not in text]
    assert squash(t("suppressed_explained", "da")) in text
    client.cookies.set("overblik_lang", "en")
    english = client.get(f"/meeting-pack.pdf?team={jobcentre.team}&month={month}")
    assert "Meeting pack" in pdf_text(english.content)
    assert squash(BY_NAME["follow_up_overdue"].explained("en")) in pdf_text(english.content)


def test_meeting_pack_is_scoped_like_the_team_view(client, services, jobcentre):
    month = _month(services)
    sign_in(client, "leder", jobcentre.users["leder"])
    assert client.get(f"/meeting-pack.pdf?team={jobcentre.other_team}&month={month}").status_code == 403
    assert client.get(f"/meeting-pack.pdf?team={jobcentre.team}&month=1999-01").status_code == 404
    client.cookies.clear()
    sign_in(client, "medarbejder", jobcentre.users["medarbejder"])
    assert client.get(f"/meeting-pack.pdf?team={jobcentre.team}&month={month}").status_code == 403
    assert client.get(f"/talk.pdf?worker={jobcentre.worker}").status_code == 403
    client.cookies.clear()
    assert b"%PDF" not in client.get(f"/meeting-pack.pdf?team={jobcentre.team}").content  # the sign-in page
    sign_in(client, "chef", jobcentre.users["chef"])
    assert client.get(f"/meeting-pack.pdf?team={jobcentre.other_team}&month={month}").status_code == 200


def _action_callback(app, team_id: str, month: str, *, add: int, done: list[dict], text: str | None) -> dict:
    body = callback_body(
        app, ids.TEAM_ACTION_LOG,
        inputs=[{"id": ids.TEAM_SELECT, "property": "value", "value": team_id},
                {"id": ids.TEAM_ACTION_ADD, "property": "n_clicks", "value": add},
                [{"id": {"type": ids.TEAM_ACTION_DONE, "id": d["id"]}, "property": "n_clicks", "value": d["n"]}
                 for d in done]],
        state=[{"id": ids.MONTH_SELECT, "property": "value", "value": month},
               {"id": ids.TEAM_ACTION_KIND, "property": "value", "value": "action"},
               {"id": ids.TEAM_ACTION_TEXT, "property": "value", "value": text}],
    )
    if add:
        body["changedPropIds"] = [f"{ids.TEAM_ACTION_ADD}.n_clicks"]
    elif done:
        key = json.dumps({"id": done[0]["id"], "type": ids.TEAM_ACTION_DONE}, separators=(",", ":"))
        body["changedPropIds"] = [f"{key}.n_clicks"]
    return body


def test_actions_agreed_in_the_meeting_appear_in_the_next_months_pack(app, client, services, jobcentre):
    month = _month(services)
    last_month = add_months(month, -1)
    sign_in(client, "leder", jobcentre.users["leder"])
    for text in ("Ring til tre virksomheder om praktik", "Gennemgå alle sager uden CV"):
        answer = client.post("/_dash-update-component",
                             json=_action_callback(app, jobcentre.team, last_month, add=1, done=[], text=text))
        assert answer.status_code == 200, answer.text
        assert text in answer.text
    with session_scope(services.engine) as session:
        first = session.exec(select(AgreedAction).where(AgreedAction.text.startswith("Ring"))).one()
        assert (first.team_id, first.worker_id, first.month) == (jobcentre.team, None, last_month)
        first_id = first.id
    done = client.post("/_dash-update-component", json=_action_callback(
        app, jobcentre.team, month, add=0, done=[{"id": first_id, "n": 1}], text=None))
    assert done.status_code == 200 and "Udført" in done.text
    pack = pdf_text(client.get(f"/meeting-pack.pdf?team={jobcentre.team}&month={month}").content)
    assert "Ring til tre virksomheder om praktik ✓ Udført" in pack
    assert "Gennemgå alle sager uden CV ○ Åben" in pack
    # an action agreed this month is not in last month's pack
    client.post("/_dash-update-component",
                json=_action_callback(app, jobcentre.team, month, add=1, done=[], text="Trepartssamtaler i uge 3"))
    earlier = pdf_text(client.get(f"/meeting-pack.pdf?team={jobcentre.team}&month={last_month}").content)
    assert "Ring til tre virksomheder" in earlier and "Trepartssamtaler" not in earlier
    # the lead has no say over another team's log
    other_team = client.post("/_dash-update-component", json=_action_callback(
        app, jobcentre.other_team, month, add=0, done=[], text=None))
    assert other_team.status_code == 403


def test_the_caseload_talk_downloads_with_its_figures_and_actions(client, services, jobcentre):
    add_agreement(services.engine, team_id=jobcentre.team, worker_id=jobcentre.worker, month=_month(services),
                  kind="action", text="Opfølgning på alle praktikker", created_by="leder")
    sign_in(client, "leder", jobcentre.users["leder"])
    response = client.get(f"/talk.pdf?worker={jobcentre.worker}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    name = next(w.name for w in jobcentre.org.workers if w.worker_id == jobcentre.worker)
    assert f"Sagsstammesamtale med {name}" in text
    assert "Opfølgning på alle praktikker ○ Åben" in text
    board = MetricsService(services.engine, services.settings.zone).board(jobcentre.worker)
    # cases by readiness as on the board; the citizen's pseudonym is not printed
    ready = sum(1 for c in board["cases"] if c["readiness"] == "ready")
    assert f"Parat {ready}" in text
    assert not any(c["citizen"] and c["citizen"] in text for c in board["cases"])
    assert client.get(f"/talk.pdf?worker={jobcentre.other_worker}").status_code == 403


@pytest.mark.parametrize("lang", ["da", "de"])
def test_the_pdfs_show_labels_not_codes(client, services, jobcentre, lang):
    from tests.dashboard.raw_codes import raw_codes

    sign_in(client, "leder", jobcentre.users["leder"])
    client.cookies.set("overblik_lang", lang)
    for path in (f"/meeting-pack.pdf?team={jobcentre.team}&month={_month(services)}",
                 f"/talk.pdf?worker={jobcentre.worker}"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = pdf_text(response.content)
        assert not raw_codes(text), f"{path} ({lang}): {raw_codes(text)}"
