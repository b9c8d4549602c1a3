"""Numbers typed into the administration view's forms, through its Dash callbacks over real HTTP
on SQLite and PostgreSQL: read in the user's language, confirmed exactly as read (never
rounded), refused with a reason; and every page says its language in <html lang>."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from core.audit import entries
from dashboard import ids
from metrics.service import MetricsService
from tests.dashboard.conftest import fill_jobcentre
from tests.dashboard.test_accounts import sign_in
from tests.dashboard.test_admin_edit import post

pytestmark = pytest.mark.slow  # a simulated jobcentre with signed-in users (argon2) per test


@pytest.fixture
def jobcentre(services):
    return fill_jobcentre(services, cases=8, months=1)


def target_form(team: str, metric: str, value: str):
    month = datetime.now(UTC).strftime("%Y-%m")
    return [(ids.ADMIN_TARGET_TEAM, "value", team), (ids.ADMIN_TARGET_METRIC, "value", metric),
            (ids.ADMIN_TARGET_MONTH, "value", month), (ids.ADMIN_TARGET_VALUE, "value", value)]


def text_of(component) -> str:
    """The text a Dash component tree shows."""
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children"))
    if isinstance(component, list):
        return "".join(text_of(c) for c in component)
    return "" if component is None else str(component)


def message(answer) -> str:
    return text_of(answer.json()["response"][ids.ADMIN_TARGET_MESSAGE]["children"])


def test_a_target_of_55_5_per_cent_is_saved_and_confirmed_exactly_in_each_language(app, client, services,
                                                                                      jobcentre):
    metrics = MetricsService(services.engine, services.settings.zone)
    sign_in(client, "admin", jobcentre.users["admin"])

    def save(lang: str, metric: str, value: str):
        client.cookies.set("overblik_lang", lang)
        answer = post(app, client, ids.ADMIN_TARGETS, click=ids.ADMIN_TARGET_SAVE,
                      state=target_form(jobcentre.team, metric, value))
        assert answer.status_code == 200 and "Traceback" not in answer.text
        return answer

    def stored(metric: str):
        return [t["value"] for t in metrics.get_targets() if t["metric"] == metric]

    answer = save("da", "cv_share", "55,5")
    assert "Gemt" in message(answer) and "55,5\xa0%" in message(answer) and "56" not in message(answer)
    assert "55,5\xa0%" in text_of(answer.json()["response"][ids.ADMIN_TARGETS]["children"])  # the list too
    assert stored("cv_share") == [0.555]
    answer = save("en", "cv_share", "55.5")
    assert "Saved" in message(answer) and "55.5\xa0%" in message(answer) and "56" not in message(answer)
    assert stored("cv_share") == [0.555]
    answer = save("de", "cv_share", "12,25")
    assert "12,25\xa0%" in message(answer) and stored("cv_share") == [0.1225]

    # the thousands separator of each language, on a count
    assert "1.234,5" in message(save("da", "placement_starts", "1.234,5"))
    assert stored("placement_starts") == [1234.5]
    assert "1,234.5" in message(save("en", "placement_starts", "1,234.5"))
    assert "1.234" in message(save("da", "placement_starts", "1.234")) and stored("placement_starts") == [1234.0]
    assert "1.234" in message(save("en", "placement_starts", "1.234")) and stored("placement_starts") == [1.234]

    before = metrics.get_targets()
    audited = len(entries(services.engine))
    refusals = {
        ("en", "55,5"): "Not saved: Value: “55,5” cannot be read unambiguously – write e.g. 1,234.5 or 55.5.",
        ("da", "1,234.5"): "Ikke gemt: Værdi: »1,234.5« kan ikke læses entydigt – skriv fx 1.234,5 eller 55,5.",
        ("de", "1,2,3"): "Nicht gespeichert: Wert: „1,2,3“ ist nicht eindeutig lesbar",
        ("da", "12.34.567"): "kan ikke læses entydigt",
        ("en", "1e3"): "Not saved: Value: “1e3” is not a number.",
        ("da", "nan"): "»nan« er ikke et tal.",
        ("de", "-5"): "Wert: eine Zahl ab 0 eingeben.",
    }
    for (lang, typed), expected in refusals.items():
        assert expected in message(save(lang, "placement_starts", typed)), (lang, typed)
    assert metrics.get_targets() == before and len(entries(services.engine)) == audited  # nothing saved


def test_a_goal_is_confirmed_exactly_as_typed(app, client, services, jobcentre):
    sign_in(client, "admin", jobcentre.users["admin"])
    now = datetime.now(UTC)
    for lang, typed, shown in (("da", "62,5", "62,5\xa0%"), ("en", "62.5", "62.5\xa0%")):
        client.cookies.set("overblik_lang", lang)
        goal = [(ids.ADMIN_GOAL_TEAM, "value", jobcentre.team), (ids.ADMIN_GOAL_METRIC, "value", "cv_share"),
                (ids.ADMIN_GOAL_MONTH, "value", f"{now.year + 1}-{now.month:02d}"),
                (ids.ADMIN_GOAL_VALUE, "value", typed)]
        answer = post(app, client, ids.ADMIN_GOALS, click=ids.ADMIN_GOAL_SAVE, state=goal)
        confirmed = text_of(answer.json()["response"][ids.ADMIN_GOAL_MESSAGE]["children"])
        assert f" {shown}, " in confirmed, confirmed  # "Gemt: Andel med CV 62,5 %, december 2027"
    goals = MetricsService(services.engine, services.settings.zone).get_goals()
    assert [g["value"] for g in goals if g["metric"] == "cv_share"] == [0.625]


def lang_of(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', page).group(1)


def test_every_page_says_the_chosen_language(client, jobcentre):
    assert lang_of(client.get("/").text) == "da"  # the sign-in page, by default
    assert lang_of(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).text) == "de"
    client.get("/language/de?next=/")
    assert lang_of(client.get("/").text) == "de"  # the sign-in page after choosing German
    sign_in(client, "admin", jobcentre.users["admin"])
    for path in ("/team", "/admin", "/users"):
        page = client.get(path)
        assert page.status_code == 200 and lang_of(page.text) == "de", path
    client.get("/language/en?next=/")
    assert lang_of(client.get("/admin").text) == "en"
    client.get("/language/da?next=/")
    assert lang_of(client.get("/team").text) == "da"
