"""Schemathesis against the OpenAPI document as every non-admin role: no 5xx, refusals hold no data."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api.tokens import create_token
from tests.api.test_fuzz import fuzz_app  # noqa: F401 (the fixture)
from tests.conftest import bearer

pytestmark = pytest.mark.slow

EXAMPLES = 3  # per operation and role; the admin run in test_fuzz.py draws more
BINDINGS = {"ingest": {}, "worker": {"worker_id": "w1"}, "team_lead": {"team_id": "t1"}, "manager": {}}


def test_openapi_routes_never_answer_5xx_for_any_role(fuzz_app, services):  # noqa: F811
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tokens = {role: create_token(services.engine, role, **binding) for role, binding in BINDINGS.items()}
    failures: list[str] = []
    for role, operation in itertools.product(BINDINGS, operations):
        token = tokens[role]

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(GenerationMode.POSITIVE))
        def run(case):
            response = case.call(headers=bearer(token))
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code in (401, 403):
                assert set(response.json()) == {"detail"}, response.text[:300]

        try:
            run()
        except Unsatisfiable:
            pass
        except Exception as exc:
            failures.append(f"{operation.label} as {role}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
