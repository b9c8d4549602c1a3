"""No code reaches the page: the main views, read in Chromium in Danish and German as a person
sees them, show no event type, phase id, flow node, metric or reason code and no English server
message; and at a phone's width (390 px) no view runs off the screen sideways."""

from __future__ import annotations

import pytest

from dashboard.i18n import month_label
from ingest.store import CPR_REASON
from metrics.calendar import month_of
from metrics.service import MetricsService
from tests.dashboard.raw_codes import raw_codes
from tests.dashboard.test_browser import CHROMIUM_ARGS, browser, sign_in, site  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

# (user, path) of the views checked; the admin view holds the quarantine section
VIEWS = [("leder", "/team"), ("leder", "/wall"), ("medarbejder", "/my-caseload"), ("chef", "/benchmarking"),
         ("admin", "/admin")]


# what runs past the right edge outside a scrolling box: named when the page is too wide
WIDE = """Array.from(document.querySelectorAll('body *')).filter(e => {
  if (e.getBoundingClientRect().right <= 390) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    if (['auto', 'hidden', 'scroll'].includes(getComputedStyle(p).overflowX)) return false;
  }
  return true;
}).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def quarantined(site):  # noqa: F811
    """Two refused events in the quarantine: an identity number in a note, an end before its start."""
    case = "q-case-1"
    site.services.store.append([
        {"event_id": "q1", "type": "case_opened", "case_id": case, "occurred_at": "2026-01-05T09:00:00",
         "citizen": "0101701234", "team_id": site.jobcentre.team},
        {"event_id": "q2", "type": "placement_started", "case_id": case, "occurred_at": "2026-02-10T09:00:00",
         "placement_id": "p1", "employer": "Bageriet"},
        {"event_id": "q3", "type": "placement_ended", "case_id": case, "occurred_at": "2026-02-01T09:00:00",
         "placement_id": "p1"},
        {"event_id": "q4", "type": "follow_up_held", "case_id": case, "occurred_at": "2026-02-12T09:00:00",
         "participants": ["citizen"], "note": "ring 0101701234"},
    ], origin="test")
    return case


@pytest.mark.parametrize("lang", ["da", "de"])
@pytest.mark.parametrize(("username", "path"), VIEWS)
def test_no_code_reaches_the_page(browser, site, quarantined, lang, username, path):  # noqa: F811
    context = browser.new_context(locale="da-DK", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{site.base}/language/{lang}?next=/")
        sign_in(page, site, username)
        page.goto(site.base + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
        text = page.inner_text("body")
        assert len(text) > 200, text
        assert page.locator("html").get_attribute("lang") == lang
        assert not raw_codes(text), f"{path} ({lang}) shows {raw_codes(text)}"
        if path == "/wall":  # the month as the language writes it ("december 2026", not "December 2026")
            month = month_of(MetricsService(site.services.engine, site.services.settings.zone).clock(),
                             site.services.settings.zone)
            assert page.inner_text(".wall-month").splitlines()[0] == month_label(month, lang)
        if path == "/admin":
            assert ("CPR-nummer" if lang == "da" else "Personennummer") in text
            assert CPR_REASON not in text
    finally:
        context.close()


@pytest.mark.parametrize(("username", "path"), VIEWS)
def test_a_phone_reads_every_view_without_scrolling_sideways(browser, site, username, path):  # noqa: F811
    context = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, site, username)
        page.goto(site.base + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, (path, page.evaluate(WIDE))
        if path != "/wall":  # the wall screen is a kiosk without the header
            switch = page.locator(".lang-link", has_text="DE").bounding_box()
            assert switch is not None and switch["x"] + switch["width"] <= 390
    finally:
        context.close()
