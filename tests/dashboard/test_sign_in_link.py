"""A sign-in link keeps the path and query it was opened with, and never leaves the site."""

from __future__ import annotations

import re

import pytest

from core.accounts import create_user
from dashboard.auth import safe_next

PASSWORD = "Tre hvide svaner 7!"

ELSEWHERE = [
    "//evil.example", "//evil.example/talk", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "/talk\\..\\", "/\t/evil.example",
    "/\n/evil.example", "evil.example", "talk?worker=w-0004", "", None,
]


def test_only_paths_of_this_site_are_followed():
    assert safe_next("/talk?worker=w-0004") == "/talk?worker=w-0004"
    assert safe_next("/team?team=team-01&month=2026-11") == "/team?team=team-01&month=2026-11"
    assert safe_next("/my-caseload") == "/my-caseload"
    for target in ELSEWHERE:
        assert safe_next(target) is None, target


def _next_field(page: str) -> str:
    found = re.search(r'name="next" value="([^"]*)"', page)
    assert found, page[:400]
    return found.group(1).replace("&amp;", "&")


def test_signing_in_from_a_link_lands_on_its_path_and_query(client, services):
    create_user(services.engine, "leder", PASSWORD, "team_lead", team_id="team-01")
    page = client.get("/talk?worker=w-0004&month=2026-11")
    assert page.status_code == 200
    kept = _next_field(page.text)
    assert kept == "/talk?worker=w-0004&month=2026-11"
    answer = client.post("/sign-in", data={"username": "leder", "password": PASSWORD, "next": kept},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/talk?worker=w-0004&month=2026-11"


@pytest.mark.slow  # an argon2 sign-in per target
def test_a_link_elsewhere_signs_in_to_the_home_view(client, services):
    create_user(services.engine, "leder", PASSWORD, "team_lead", team_id="team-01")
    for target in (t for t in ELSEWHERE if t):
        client.cookies.clear()
        answer = client.post("/sign-in", data={"username": "leder", "password": PASSWORD, "next": target},
                             follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/team", target
        assert client.get("/language/en", params={"next": target},
                          follow_redirects=False).headers["location"] == "/", target
