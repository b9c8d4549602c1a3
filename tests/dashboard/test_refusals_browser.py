"""A server's refusal on the administration view reaches the admin in their language (German
here) in Debian's Chromium, never as the English reason the API answers."""

from __future__ import annotations

import os
import re

import pytest

from ingest.sources import list_sources
from tests.dashboard.test_browser import CHROMIUM, browser, page, sign_in, site  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's Chromium"),
              pytest.mark.browser]


def test_a_feed_on_an_internal_address_is_refused_in_german(page, site):  # noqa: F811
    page.context.clear_cookies()
    sign_in(page, site, "admin")
    page.goto(f"{site.base}/language/de?next=/admin")
    page.locator("#admin-teams table").wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    page.fill("#admin-source-name", "feed-intern")
    page.locator("#admin-source-kind").click()
    page.locator("[role=listbox] [role=option]", has_text="HTTP-Feed").first.click()
    page.fill("#admin-source-location", "http://10.1.2.3/events")
    page.click("#admin-source-add")
    message = page.locator("#admin-source-message")
    message.filter(has_text=re.compile("Nicht gespeichert")).wait_for(timeout=15_000)
    shown = message.inner_text()
    assert "Der Host 10.1.2.3 hat eine interne Adresse" in shown, shown
    assert "private address" not in shown and "Value error" not in shown, shown
    assert list_sources(site.services.engine) == []
