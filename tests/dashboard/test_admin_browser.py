"""The administration view in Debian's Chromium (SQLite): every admin action by mouse or
keyboard, its outcome on screen and in the services, axe-core clean, screenshots."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime

import orjson
import pytest

from core.programmes import load_models, save_model
from core.tokens import authenticate, list_tokens
from ingest.organisation import list_teams, list_workers
from ingest.quarantine import list_quarantine
from ingest.sources import list_sources
from metrics.service import MetricsService
from tests.dashboard.test_browser import AXE, CHROMIUM, browser, page, sign_in, site  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's Chromium"),
              pytest.mark.browser]


def open_admin(page, site) -> None:  # noqa: F811
    page.context.clear_cookies()
    sign_in(page, site, "admin")
    page.goto(site.base + "/admin")
    page.locator("#admin-teams table").wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")


def choose(page, component: str, text: str) -> None:  # noqa: F811
    page.locator(f"#{component}").click()
    page.locator("[role=listbox] [role=option]", has_text=text).first.click()


def message(page, component: str, text: str) -> str:  # noqa: F811
    locator = page.locator(f"#{component}")
    # a pattern matches case-sensitively: "Gemt" (saved) is not found in "Ikke gemt" (not saved)
    locator.filter(has_text=re.compile(re.escape(text))).wait_for(timeout=15_000)
    return locator.inner_text()


def test_a_team_is_created_by_keyboard_renamed_and_given_a_worker(page, site):  # noqa: F811
    open_admin(page, site)
    page.focus("#admin-team-id")
    page.keyboard.type("team-vest")
    page.keyboard.press("Tab")
    page.keyboard.type("Team Vest")
    page.keyboard.press("Tab")
    page.keyboard.type("Jobcenter Demo")
    page.keyboard.press("Tab")  # to Save
    page.keyboard.press("Enter")
    assert "Gemt: Team Vest (team-vest)" in message(page, "admin-team-message", "Team Vest")
    page.locator("#admin-teams tr", has_text="team-vest").wait_for()
    page.get_by_role("button", name="Redigér: Team Vest").click()
    page.wait_for_function("() => document.querySelector('#admin-team-name').value === 'Team Vest'")
    page.fill("#admin-team-name", "Team Vestegnen")
    page.click("#admin-team-save")
    message(page, "admin-team-message", "Team Vestegnen")
    assert next(t for t in list_teams(site.services.engine) if t.team_id == "team-vest").name == "Team Vestegnen"

    page.fill("#admin-worker-id", "w-vest-1")
    page.fill("#admin-worker-name", "Karen Vestergaard")
    choose(page, "admin-worker-team", "Team Vestegnen")
    choose(page, "admin-worker-roles", "Virksomhedskonsulent")  # beside Sagsbehandler, chosen already
    page.keyboard.press("Escape")
    page.click("#admin-worker-save")
    message(page, "admin-worker-message", "Karen Vestergaard")
    page.locator("#admin-workers tr", has_text="w-vest-1").filter(has_text="Team Vestegnen").wait_for()
    saved = next(w for w in list_workers(site.services.engine) if w.worker_id == "w-vest-1")
    assert saved.team_id == "team-vest" and set(saved.roles) == {"caseworker", "company_consultant"}
    page.fill("#admin-worker-name", "")
    page.click("#admin-worker-save")
    assert "Ikke gemt: Navn skal udfyldes." in message(page, "admin-worker-message", "Ikke gemt")


def test_a_target_and_a_goal_are_set_and_the_milestones_shown(page, site):  # noqa: F811
    team = site.jobcentre.org.teams[1]
    open_admin(page, site)
    choose(page, "admin-target-team", team.name)
    choose(page, "admin-target-metric", "Andel med CV")
    page.fill("#admin-target-value", "64,5")
    page.click("#admin-target-save")
    assert "64,5\xa0%" in message(page, "admin-target-message", "Gemt")  # exactly as typed, not rounded
    metrics = MetricsService(site.services.engine, site.services.settings.zone)
    assert any(x["team_id"] == team.team_id and x["metric"] == "cv_share" and x["value"] == pytest.approx(0.645)
               for x in metrics.get_targets())
    page.locator("#admin-targets tr", has_text=team.name).filter(has_text="Andel med CV").wait_for()

    choose(page, "admin-goal-team", team.name)
    choose(page, "admin-goal-metric", "Opstartede virksomhedsforløb")
    page.fill("#admin-goal-value", "30")
    page.click("#admin-goal-save")
    text = message(page, "admin-goal-message", "Milepæle")
    goal = next(g for g in metrics.get_goals() if g["team_id"] == team.team_id)
    assert goal["value"] == 30 and len(goal["milestones"]) >= 2
    assert text.count(":") >= len(goal["milestones"])  # every milestone on screen
    page.locator("#admin-goals tr", has_text=team.name).wait_for()


def test_norms_are_edited(page, site):  # noqa: F811
    open_admin(page, site)
    page.get_by_label("Sagsbehandler: Til", exact=True).fill("48")
    page.get_by_label("Mentor: Fra", exact=True).fill("10")
    page.get_by_label("Mentor: Til", exact=True).fill("5")
    page.click("#admin-norm-save")
    assert "»fra« må ikke være over »til«" in message(page, "admin-norm-message", "Ikke gemt")
    page.get_by_label("Mentor: Fra", exact=True).fill("")
    page.get_by_label("Mentor: Til", exact=True).fill("")
    page.click("#admin-norm-save")
    message(page, "admin-norm-message", "Gemt")
    bands = {n["role"]: n for n in MetricsService(site.services.engine, site.services.settings.zone).get_norms()}
    assert bands["caseworker"]["high"] == 48 and bands["mentor"]["high"] is None


def test_a_source_is_added_run_and_removed(page, site, tmp_path):  # noqa: F811
    folder = tmp_path / "drop"
    folder.mkdir()
    now = datetime.now(UTC).isoformat()
    lines = [{"event_id": f"browser-drop-{i}", "source": "browser-drop", "type": "case_opened", "case_id": f"bd-{i}",
              "occurred_at": now, "team_id": site.jobcentre.team, "citizen": f"01018{i}1234"} for i in range(4)]
    delivered = folder / "cases.ndjson"
    delivered.write_bytes(b"\n".join(orjson.dumps(x) for x in lines))
    os.utime(delivered, (time.time() - 60, time.time() - 60))
    open_admin(page, site)
    page.fill("#admin-source-name", "fagsystem-drop")
    choose(page, "admin-source-kind", "Drop-mappe")
    page.fill("#admin-source-location", str(folder))
    page.fill("#admin-source-interval", "600")
    page.click("#admin-source-add")
    message(page, "admin-source-message", "Gemt: fagsystem-drop")
    page.get_by_role("button", name="Kør nu: fagsystem-drop").click()
    assert "4 nye" in message(page, "admin-source-message", "Kørt")
    assert not (folder / "cases.ndjson").exists()  # imported, then deleted
    page.locator("#admin-sources tr", has_text="fagsystem-drop").filter(has_text="4").wait_for()
    page.get_by_role("button", name="Fjern: fagsystem-drop").click()
    message(page, "admin-source-message", "Fjernet")
    assert list_sources(site.services.engine) == []


def test_a_quarantined_event_is_resubmitted_and_the_outcome_shown(page, site):  # noqa: F811
    store = site.services.store
    at = datetime.now(UTC).isoformat()
    store.append([{"event_id": "bq-open", "source": "browser-q", "type": "case_opened", "case_id": "bq-case",
                   "occurred_at": at, "team_id": site.jobcentre.team, "citizen": "0101701234",
                   "programme": "mestring"}], origin="test")
    refused = store.append([{"event_id": "bq-phase", "source": "browser-q", "type": "phase_changed",
                             "case_id": "bq-case", "occurred_at": at, "phase": "aftercare"}], origin="test")
    assert refused.rejected == 1
    entry = next(q for q in list_quarantine(store) if q["event_id"] == "bq-phase")
    open_admin(page, site)
    row = page.locator("#admin-quarantine tr", has_text="bq-case")
    assert "aftercare" in row.inner_text() or "phase" in row.inner_text()
    assert "0101701234" not in page.content() and "citizen_pseudonym" not in page.content()
    page.get_by_role("button", name=f"Genindsend: #{entry['id']}").click()
    assert "Afvist igen" in message(page, "admin-quarantine-message", "Afvist igen")
    model = load_models(site.services.engine)["mestring"].as_dict()
    model["phases"].append({"id": "aftercare", "names": {"da": "Efterværn", "en": "Aftercare", "de": "Nachsorge"},
                            "planned_days": 30, "stage": "securing"})
    save_model(site.services.engine, "mestring", {k: v for k, v in model.items() if k not in ("programme", "preset")})
    page.get_by_role("button", name=f"Genindsend: #{entry['id']}").click()
    message(page, "admin-quarantine-message", "Modtaget – posten er løst.")
    page.locator("#admin-quarantine tr", has_text="bq-case").wait_for(state="detached")


def test_the_quarantine_is_searched_and_paged_by_keyboard_and_an_entry_dismissed(page, site):  # noqa: F811
    from ingest.quarantine import dismiss

    store = site.services.store
    at = datetime.now(UTC).isoformat()
    refused = store.append([{"event_id": f"bp-{i:02d}", "source": "browser-page", "type": "readiness_assessed",
                             "case_id": f"page-case-{i:02d}", "occurred_at": at, "level": "soonish"}
                            for i in range(25)], origin="test")
    assert refused.rejected == 25
    try:
        open_admin(page, site)
        section = page.locator("#section-quarantine")
        page.focus("#admin-quarantine-search")
        page.keyboard.type("PAGE-CASE")  # in any case
        section.get_by_text("1–20 af 25").wait_for(timeout=15_000)
        assert section.locator("tbody tr").count() == 20
        section.get_by_role("button", name="Næste ›").focus()
        page.keyboard.press("Enter")
        section.get_by_text("21–25 af 25").wait_for(timeout=15_000)
        assert section.locator("tbody tr").count() == 5
        last = next(q for q in list_quarantine(store) if q["event_id"] == "bp-24")
        page.fill("#admin-quarantine-reason", "Testdata")
        page.get_by_role("button", name=f"Henlæg: #{last['id']}").click()
        message(page, "admin-quarantine-message", "Henlagt")
        kept = next(q for q in list_quarantine(store, status="dismissed") if q["id"] == last["id"])
        assert (kept["dismissed_by"], kept["dismissed_reason"]) == ("user:admin", "Testdata")
    finally:  # the other tests see the quarantine as it was
        for q in list_quarantine(store):
            if q["event_id"].startswith("bp-"):
                dismiss(store, q["id"], "test", "browser test")


def test_a_token_is_created_shown_once_and_revoked(page, site):  # noqa: F811
    open_admin(page, site)
    page.fill("#admin-token-name", "Fagsystemets indlæsning")
    page.fill("#admin-token-days", "30")
    page.click("#admin-token-create")
    message(page, "admin-token-message", "Oprettet")
    secret = page.locator("#admin-token-secret-value").input_value()
    assert secret.startswith("ovb_") and authenticate(site.services.engine, secret) is not None
    if os.environ.get("OVERBLIK_SCREENSHOTS"):
        page.locator("#admin-tokens").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(os.environ["OVERBLIK_SCREENSHOTS"], "admin-tokens.png"), full_page=False)
    page.reload()
    page.locator("#admin-tokens table").wait_for()
    assert secret not in page.content() and secret[:10] in page.content()  # listed by its start only
    token = next(x for x in list_tokens(site.services.engine) if x.name == "Fagsystemets indlæsning")
    page.get_by_role("button", name=f"Tilbagekald: #{token.id}").click()
    message(page, "admin-token-message", "Tilbagekaldt")
    page.locator("#admin-tokens tr", has_text="Fagsystemets indlæsning").filter(has_text="Tilbagekaldt").wait_for()
    assert authenticate(site.services.engine, secret) is None
    page.fill("#admin-token-days", "9999")
    page.click("#admin-token-create")
    assert "Udløb: mellem 1 og 3650 dage." in message(page, "admin-token-message", "Ikke gemt")


def test_the_admin_view_with_its_forms_passes_axe(page, site):  # noqa: F811
    services = site.services
    store = services.store
    at = datetime.now(UTC).isoformat()
    store.append([{"event_id": "axe-bad", "source": "fagsystem", "type": "case_opened", "case_id": "axe-case",
                   "occurred_at": at, "citizen": "0101651234"}], origin="test")  # no team: refused
    metrics = MetricsService(services.engine, services.settings.zone)
    month = datetime.now(UTC).strftime("%Y-%m")
    metrics.put_targets([{"team_id": t.team_id, "metric": m, "month": month, "value": v}
                         for t in site.jobcentre.org.teams for m, v in (("placement_starts", 8), ("cv_share", 0.9))])
    if not metrics.get_goals():
        metrics.put_goals([{"team_id": site.jobcentre.team, "metric": "in_placement",
                            "by": f"{datetime.now(UTC).year + 1}-06", "value": 40}])
    from ingest.sources import add_source

    if not list_sources(services.engine):
        add_source(services.engine, "fagsystem-feed", "http_feed", {"url": "https://fagsystem.example/events",
                                                                     "token": "feed-secret"}, interval_seconds=300)
    open_admin(page, site)
    page.click("#admin-token-create")  # an ingest token, its secret on screen
    message(page, "admin-token-message", "Oprettet")
    choose(page, "admin-goal-team", site.jobcentre.org.teams[0].name)
    if os.environ.get("OVERBLIK_SCREENSHOTS"):
        page.keyboard.press("Escape")
        page.screenshot(path=os.path.join(os.environ["OVERBLIK_SCREENSHOTS"], "admin.png"), full_page=True)
    assert "feed-secret" not in page.content() and "0101651234" not in page.content()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run({exclude: [['.dash-dropdown-focus-target']]}, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    serious = [(v["id"], v["impact"], [(n["target"], n["html"][:200]) for n in v["nodes"]][:3])
               for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
