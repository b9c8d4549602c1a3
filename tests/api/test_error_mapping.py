"""One error hierarchy, one handler: every kind of domain refusal, raised under a real route,
is answered with its status and `{"detail": reason}`; an address under /api/ that is no route
is a JSON 404 (405 with `Allow` for a wrong method), with and without a token, and never the
dashboard's sign-in page; the dashboard's own addresses are unaffected."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from api.tokens import create_token
from core.errors import STATUS, DomainError
from tests.conftest import bearer

ROOT = Path(__file__).resolve().parents[2]


def _refused(answer, status: int, reason: str) -> None:
    assert answer.status_code == status, (answer.request.method, answer.request.url, answer.text)
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and reason in detail, detail


def test_every_kind_of_refusal_answers_its_status_and_reason(client, services, admin_token, monkeypatch):
    admin = bearer(admin_token)
    assert client.put("/api/v1/teams/t1", json={"name": "Team 1"}, headers=admin).status_code == 200
    lead = bearer(create_token(services.engine, "team_lead", team_id="t1"))

    # malformed: 400
    _refused(client.post("/api/v1/events", content=b"{not json", headers={**admin, "content-type": "application/json"}),
             400, "not valid JSON")
    # invalid: 422, from core, ingest and metrics alike
    _refused(client.post("/api/v1/events", content=b"17", headers={**admin, "content-type": "application/json"}),
             422, "must be an event object")
    _refused(client.get("/api/v1/milestones/cases", params={"month": "2026-01", "field": "nope", "team_id": "t1"},
                        headers=admin), 422, "field must be one of")
    _refused(client.post("/api/v1/reference-figures", content="label,metric\n".encode("utf-16"), headers=admin),
             422, "the CSV must be UTF-8")
    _refused(client.post("/api/v1/imports", files={"file": ("events.pdf", b"%PDF", "application/pdf")},
                         headers=admin), 422, "pdf")
    _refused(client.post("/api/v1/imports", params={"mapping": "fagsystem"},
                         files={"file": ("export.csv", b"a,b\n1,2\n", "text/csv")}, headers=admin),
             422, "no mappings on this server")
    _refused(client.post("/api/v1/teams/import", files={"file": ("teams.csv", b"wrong,columns\n1,2\n", "text/csv")},
                         headers=admin), 422, "the header row lacks the columns")
    _refused(client.post("/api/v1/tokens", json={"role": "worker", "worker_id": "nobody", "expires_in_days": 1},
                         headers=admin), 422, "no worker with that id")
    # forbidden: 403
    _refused(client.get("/api/v1/milestones", params={"month": "2026-01", "team_id": "t2"}, headers=lead),
             403, "outside the scope of this token")
    # not found: 404
    _refused(client.get("/api/v1/programmes/nope", headers=admin), 404, "nope")
    _refused(client.delete("/api/v1/sources/nope", headers=admin), 404, "no source named nope")
    _refused(client.post("/api/v1/sources/nope/run", headers=admin), 404, "no source named nope")
    _refused(client.post("/api/v1/quarantine/99/resubmit", headers=admin), 404,
             "no open quarantine entry with this id")
    # conflict: 409
    source = {"name": "feed", "kind": "http_feed", "config": {"url": "https://feed.example/events"}}
    assert client.post("/api/v1/sources", json=source, headers=admin).status_code == 201
    _refused(client.post("/api/v1/sources", json=source, headers=admin), 409, "feed")
    assert [s["name"] for s in client.get("/api/v1/sources", headers=admin).json()] == ["feed"]
    assert client.post("/api/v1/months/2026-01/close", headers=admin).status_code == 200
    _refused(client.post("/api/v1/months/2026-01/close", headers=admin), 409, "2026-01")

    # unavailable: 503 — a feed that cannot be reached (a run reports it itself, so it is made
    # to escape here), and the database gone, both answered by the same table
    from ingest.feed import FeedError

    def feed_away(*_args, **_kwargs):
        raise FeedError("the feed at feed.example cannot be reached")

    monkeypatch.setattr("services.sources.run_source", feed_away)
    _refused(client.post("/api/v1/sources/feed/run", headers=admin), 503, "cannot be reached")

    def database_away(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr("services.sources.list_sources", database_away)
    away = client.get("/api/v1/sources", headers=admin)
    _refused(away, 503, "the database is not available")
    assert away.headers["retry-after"] == "5"
    # nothing refused above was stored: one closed month, no events
    assert len(client.get("/api/v1/months", headers=admin).json()) == 1


def test_a_refusal_with_a_message_key_names_it_beside_its_reason(client, services, admin_token):
    admin = bearer(admin_token)
    assert client.put("/api/v1/teams/t1", json={"name": "Team 1"}, headers=admin).status_code == 200
    lead = bearer(create_token(services.engine, "team_lead", team_id="t1"))
    csv = client.post("/api/v1/reference-figures", content="label,metric\n".encode("utf-16"), headers=admin)
    assert csv.status_code == 422 and csv.json() == {"detail": "the CSV must be UTF-8", "key": "error_csv_not_utf8"}
    missing = client.delete("/api/v1/sources/nope", headers=admin)
    assert missing.json() == {"detail": "no source named nope", "key": "error_source_unknown"}
    # a refusal of access holds its reason only
    other = client.get("/api/v1/milestones", params={"month": "2026-01", "team_id": "t2"}, headers=lead)
    assert other.status_code == 403 and set(other.json()) == {"detail"}


UNKNOWN = ["/api", "/api/", "/api/v1", "/api/v1/", "/api/v1/nope", "/api/v2/teams", "/api/v1/teams/t1/extra",
           "/api/v1/events/", "/api/nothing/here", "/api/v1/%2e%2e/sign-in"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # no storage is involved
def test_an_address_under_api_that_is_no_route_is_a_json_404(client, admin_token):
    for headers in ({}, bearer(admin_token), bearer("ovb_not-a-token")):
        for path in UNKNOWN:
            for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
                answer = client.request(method, path, headers=headers, content=b'{"x": 1}')
                assert answer.status_code == 404, (method, path, headers, answer.status_code, answer.text[:200])
                assert answer.headers["content-type"] == "application/json"
                assert answer.json() == {"detail": "no such route"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_route_asked_with_the_wrong_method_is_a_json_405_with_allow(client, admin_token):
    cases = [
        ("DELETE", "/api/v1/events", "POST"),
        ("PUT", "/api/v1/health", "GET"),
        ("POST", "/api/v1/milestones", "GET"),
        ("PATCH", "/api/v1/teams/t1", "PUT"),
        ("PUT", "/api/v1/sources/feed", "DELETE"),
        ("GET", "/api/v1/months/2026-01/close", "POST"),
        ("POST", "/api/v1/tokens/7", "DELETE"),
    ]
    for headers in ({}, bearer(admin_token)):
        for method, path, allow in cases:
            answer = client.request(method, path, headers=headers)
            assert answer.status_code == 405, (method, path, headers, answer.text[:200])
            assert answer.headers["allow"] == allow
            assert answer.json() == {"detail": f"method {method} is not allowed here"}
    # the right method still needs its token
    assert client.get("/api/v1/milestones", params={"month": "2026-01"}).status_code == 401
    assert client.get("/api/v1/health").status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_request_to_no_route_is_answered_before_its_body_is_read(app):
    """Without a token an unknown address is answered by the guard itself: 404, the declared
    body never read and the connection closed (a body that never arrives does not hold it)."""
    import asyncio

    async def call(method: str, path: str):
        sent: list[dict] = []
        asked = 0

        async def receive():
            nonlocal asked
            asked += 1
            await asyncio.sleep(3600)  # the body never comes

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": [(b"content-length", b"1000000"), (b"content-type", b"application/json")],
                 "http_version": "1.1", "scheme": "http", "server": ("test", 80), "client": ("10.0.0.9", 1),
                 "root_path": "", "app": app}
        await asyncio.wait_for(app(scope, receive, send), 5)
        return sent, asked

    for method, path, status in (("POST", "/api/v1/nope", 404), ("PUT", "/api/v1/events", 405)):
        sent, asked = asyncio.run(call(method, path))
        assert sent[0]["status"] == status and asked == 0
        assert (b"connection", b"close") in sent[0]["headers"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_dashboards_own_addresses_are_unaffected(client):
    for path in ("/", "/team", "/apiary", "/api-docs", "/sign-in"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html"), path
    assert client.get("/_dash-layout").headers["content-type"].startswith("application/json")
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Overblik"
    assert client.get("/api/v1/docs").status_code == 200


def _domain_modules():
    for package in ("core", "ingest", "metrics"):
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            yield importlib.import_module(info.name)


def test_every_refusal_of_the_domain_is_a_domain_error_of_a_known_kind():
    """A new exception class in core, ingest or metrics is a DomainError (so the API answers it
    with a status, not a 500) or is named here as deliberately internal."""
    internal = {"ingest.mapping.mapper._Skip"}
    seen = set()
    for module in _domain_modules():
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == module.__name__:
                name = f"{value.__module__}.{value.__qualname__}"
                seen.add(name)
                if name in internal:
                    continue
                assert issubclass(value, DomainError), f"{name} is not a core.errors.DomainError"
                assert value.kind in STATUS, name
    assert "metrics.calendar.MonthError" in seen and "ingest.sources.SourceNotFound" in seen


def test_no_route_maps_a_refusal_by_hand():
    """No route catches an exception to answer it: api/errors.py does, once."""
    for path in sorted((ROOT / "api" / "routes").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler):
                raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise)]
                assert not raises, f"{path.name}:{node.lineno} maps an exception by hand"
