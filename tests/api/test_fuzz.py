"""Fuzzes the API: bad input is answered 400/413/422 (or refused per event) with a reason, never 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from api.app import create_app
from core.contract import EVENT_TYPES
from tests.conftest import bearer

# Small enough that the fuzzer also produces bodies above it (413), large enough for batches.
FUZZ_BODY_LIMIT = 8192
ANSWERED = {200, 400, 413, 422}
FUZZ = settings(
    max_examples=120,
    deadline=None,
    # The app and database are made once per test on purpose: the log fills up across
    # examples, which also fuzzes duplicates and conflicts.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Shrinking a failure against PostgreSQL takes minutes; the drawn bodies are small enough
    # to read unshrunk, and the edge cases below keep each bug found as a plain test.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@pytest.fixture
def fuzz_app(settings):
    return create_app(settings.model_copy(update={"max_body_bytes": FUZZ_BODY_LIMIT}), run_scheduler=False)


@pytest.fixture
def raw_client(fuzz_app) -> Iterator[TestClient]:
    # A 500 must come back as a response to assert on, not as the app's exception.
    with TestClient(fuzz_app, raise_server_exceptions=False) as client:
        yield client


# -- strategies ------------------------------------------------------------------------------

surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.text(st.one_of(st.characters(), surrogates), max_size=6),  # lone surrogates: not UTF-8
    st.sampled_from(["", " ", "\x00", "e\x00", "🙂", "Ærø—Å", "null", "citizen", "x" * 129]),
)
numbers = st.one_of(
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**40, -(10**40), 0, -1, 745, 169]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, 0.1]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=16,
)
times = st.one_of(
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True),  # 2026-02-30, 0000-13-45, …
    st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?", fullmatch=True),
    st.sampled_from(
        ["0001-01-01", "9999-12-31T23:59:59-01:00", "9999-12-31", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00",
         "2026-03-29T02:30:00", "2026-10-25T02:30:00", "2026-01-05T00:00:00+01:00", "2026-W01",
         "2026-1-5", "05-01-2026", "20260105", "2026-01-05T24:00:00", "now"]
    ),
    json_values,
)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "event_id": texts,
    "case_id": texts,
    "source": texts,
    "occurred_at": times,
    "citizen": texts,
    "citizen_pseudonym": texts,
    "team_id": texts,
    "programme": texts,
    "target_group": texts,
    "channel": texts,
    "worker_id": texts,
    "role": st.sampled_from(["caseworker", "company_consultant", "jobcoach", "mentor", "boss"]),
    "level": st.sampled_from(["ready", "close", "far", "READY"]),
    "phase": texts,
    "placement_id": texts,
    "kind": st.sampled_from(["internship", "wage_subsidy", "other", "job"]),
    "employer": texts,
    "hours_per_week": numbers,
    "reason": st.sampled_from(["completed", "dropped_out", "referred_back", "moved", "other", "x"]),
    "outcome": st.sampled_from(["job", "education", "extended_placement", "other", "x"]),
    "participants": st.lists(
        st.sampled_from(["citizen", "caseworker", "company_consultant", "employer", "jobcoach", "mentor", "x"]),
        max_size=8,
    ),
    "month": st.one_of(st.from_regex(r"\d{4}-\d{1,2}", fullmatch=True), st.sampled_from(["2026-01", "2026-13"])),
    "hours": numbers,
}


@st.composite
def events(draw) -> dict[str, Any]:
    """Event-like objects: mostly the right field names, values right, wrong, or missing."""
    event: dict[str, Any] = {}
    known = st.sampled_from(EVENT_TYPES)
    # Mostly a known type, so that validation reaches the type's fields.
    event_type = draw(st.one_of(known, known, known, texts, json_values))
    if draw(st.integers(0, 9)):  # a missing `type` now and then
        event["type"] = event_type
    for name, values in FIELD_VALUES.items():
        # The envelope is usually there, type fields sometimes; any value may be of a wrong kind.
        present = draw(st.integers(0, 9)) < (9 if name in ("event_id", "case_id", "occurred_at") else 3)
        if present:
            event[name] = draw(st.one_of(values, values, values, json_values))
    event.update(draw(st.dictionaries(texts, json_values, max_size=3)))
    return event


def dumps(value: Any, ascii_only: bool) -> bytes:
    # surrogatepass: a lone surrogate becomes invalid UTF-8, which the server must refuse.
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


items = st.one_of(events(), events(), json_values)


@st.composite
def bodies(draw) -> tuple[bytes, str, int | None]:
    """(body, content type, number of events in it when the body is well-formed)."""
    form = draw(st.sampled_from(["array", "object", "ndjson", "bytes"]))
    ascii_only = draw(st.booleans())
    if form == "array":
        batch = draw(st.lists(items, max_size=8))
        return dumps(batch, ascii_only), "application/json", len(batch)
    if form == "object":
        return dumps(draw(events()), ascii_only), "application/json", 1
    if form == "ndjson":
        junk = st.text(st.characters(exclude_characters="\r\n"), max_size=30).map(lambda t: t.encode())
        lines = draw(st.lists(st.one_of(items.map(lambda v: dumps(v, ascii_only)), junk), max_size=8))
        body = b"\n".join(lines)
        return body, "application/x-ndjson", sum(1 for line in body.splitlines() if line.strip())
    content_type = draw(st.sampled_from(["application/json", "application/x-ndjson", "text/plain", ""]))
    raw = draw(st.one_of(st.binary(max_size=200), st.sampled_from([b"[1e400]", b"{", b"[]", b"null", b"\xff\xfe"])))
    return raw, content_type, None


def check_answer(response, sent: int | None, body: bytes = b"") -> None:
    assert response.status_code in ANSWERED, (response.status_code, response.text[:300], body[:1500])
    answer = response.json()
    if response.status_code != 200:
        assert answer.get("detail"), answer
        return
    counted = answer["accepted"] + answer["duplicates"] + answer["rejected"]
    if sent is not None:
        assert counted == sent, answer
    assert len(answer["errors"]) == answer["rejected"]
    for error in answer["errors"]:
        assert isinstance(error["reason"], str) and error["reason"].strip(), error
        assert 0 <= error["index"] < counted


# -- (a) hypothesis against the events route ---------------------------------------------------


@FUZZ
@given(body=bodies())
@pytest.mark.slow
def test_events_route_answers_every_body_with_a_reason(raw_client, admin_token, body):
    content, content_type, sent = body
    headers = {**bearer(admin_token), "Content-Type": content_type} if content_type else bearer(admin_token)
    check_answer(raw_client.post("/api/v1/events", content=content, headers=headers), sent, content)


@FUZZ
@given(batch=st.lists(events(), min_size=1, max_size=6))
@example(batch=[{"event_id": "e", "type": "enrolled", "case_id": "c", "occurred_at": "2026-01-05"}])
@pytest.mark.slow
def test_event_like_batches_are_counted_one_by_one(raw_client, ingest_token, batch):
    headers = {**bearer(ingest_token), "Content-Type": "application/json"}
    content = dumps(batch, True)
    check_answer(raw_client.post("/api/v1/events", content=content, headers=headers), len(batch), content)


def nested(depth: int) -> str:
    """A placeholder for a list nested `depth` deep: json.dumps itself cannot nest that far."""
    return f"@@nested:{depth}@@"


def edge_body(event: dict[str, Any]) -> bytes:
    text = json.dumps([event])
    for depth in (300, 990):
        text = text.replace(f'"{nested(depth)}"', "[" * depth + '"leaf"' + "]" * depth)
    return text.encode()


def enrolled(**fields: Any) -> dict[str, Any]:
    return {"event_id": "edge", "type": "enrolled", "case_id": "c-edge", "occurred_at": "2026-01-05", **fields}


# Inputs the fuzzer found that crashed the route (500); kept as plain regression cases.
EDGE_CASES = {
    "date at the start of the calendar": enrolled(occurred_at="0001-01-01"),
    "instant past the end of the calendar in UTC": enrolled(occurred_at="9999-12-31T23:59:59-01:00"),
    "extra field nested 300 deep": enrolled(extra=nested(300)),
    "case_opened with an extra field nested 990 deep": {
        "event_id": "deep", "type": "case_opened", "case_id": "c-deep", "occurred_at": "2026-01-05",
        "citizen": "0101801234", "team_id": "t1", "extra": nested(990),
    },
    "NUL in event_id": enrolled(event_id="edge\x00nul"),
    "NUL in case_id of a refused event": {"event_id": "nul-2", "type": "no_such_type", "case_id": "c\x00"},
    "NUL in source": enrolled(event_id="nul-3", source="s\x00"),
}


@pytest.mark.parametrize("event", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_are_refused_or_stored_never_crash(raw_client, admin_token, event):
    headers = {**bearer(admin_token), "Content-Type": "application/json"}
    response = raw_client.post("/api/v1/events", content=edge_body(event), headers=headers)
    check_answer(response, 1)
    # The route must still work for the next, good, batch.
    check_answer(raw_client.post("/api/v1/events", json=[enrolled(event_id="after")], headers=bearer(admin_token)), 1)


# -- (b) schemathesis against the OpenAPI document, every route ----------------------------------


# schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`) cannot run under
# pytest 9.2: it rewrites `request.node._nodeid`, which pytest no longer has. Its Python API
# works, so each operation's cases are drawn with `as_strategy` and run under `given` here.
OPENAPI_EXAMPLES = 12


@pytest.mark.slow
def test_openapi_routes_never_answer_5xx(fuzz_app, admin_token):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded), [r for r in loaded if not isinstance(r, Ok)]
    operations = [result.ok() for result in loaded]
    assert {op.path for op in operations} >= {"/api/v1/events", "/api/v1/imports", "/api/v1/quarantine"}
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=OPENAPI_EXAMPLES,
                deadline=None,
                database=None,  # the inner test is the same function for every operation
                # No shrinking: it would run a failing route for minutes; the first failing
                # case is reported as drawn.
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(mode))
            def run(case):
                try:
                    case.call_and_validate(headers=bearer(admin_token), checks=[not_a_server_error])
                except Exception as exc:
                    # An exception out of the app is what uvicorn answers 500: name the request.
                    body = "" if type(case.body).__name__ == "NotSet" else f" body={case.body!r}"
                    request = f"{case.method} {case.formatted_path} query={case.query}{body}"
                    raise AssertionError(f"{request[:400]}\n{type(exc).__name__}: {exc}") from exc

            try:
                run()
            except Unsatisfiable:
                pass  # e.g. no negative case exists for a route without parameters
            except Exception as exc:  # collected, so one failing route does not hide the others
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:800]}")
    assert not failures, "\n\n".join(failures)


# Requests schemathesis drew that crashed a route (the exception is uvicorn's 500); kept as
# plain regression cases.
CRASHING_REQUESTS = {
    "quarantine offset beyond 64 bits": ("GET", "/api/v1/quarantine?offset=143541664127612612509696"),
    "resubmit of an id beyond 32 bits": ("POST", "/api/v1/quarantine/35079492349/resubmit"),
    "milestones of year 0": ("GET", "/api/v1/milestones?month=0000-01"),
    "funnel from year 0": ("GET", "/api/v1/funnel?programme=default&from=0000-01&to=0000-02"),
}


@pytest.mark.parametrize(("method", "path"), CRASHING_REQUESTS.values(), ids=CRASHING_REQUESTS.keys())
def test_requests_found_by_schemathesis_are_answered(raw_client, admin_token, method, path):
    response = raw_client.request(method, path, headers=bearer(admin_token))
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert response.json().get("detail")
