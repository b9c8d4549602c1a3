"""Every route under /api/ declares the shape of its answer and of its body: the OpenAPI document
names a schema with fields for each JSON answer and each JSON body, and no route function takes
an untyped dict (or Any) from the request."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from typing import Any

import pytest
from fastapi import params
from fastapi.routing import APIRoute
from pydantic import BaseModel

import api.routes

# Answers that are no JSON object, by design.
NOT_JSON = {
    ("GET", "/api/v1/audit.csv"): "the audit log as a CSV download",
}
# The routes whose shapes come with the services layer (organisation, privacy, quarantine,
# imports, tokens). Listed until then; the test fails as soon as one of them has its shape, so
# this list only shrinks.
# The one body without a model of its own: a corrected event is any event of the contract, and
# the one ingest path (ingest/store.py) validates it as it validates every pushed event.
FREE_FORM = {
    ("POST", "/api/v1/quarantine/{entry_id}/resubmit body"),
}


def _typed(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    """A schema with named fields: an object with properties (inline or by $ref), a list of
    such, or one of such."""
    if "$ref" in schema:
        return _typed(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return bool(options) and all(_typed(s, components) for s in options)
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}), components)
    return schema.get("type") == "object" and bool(schema.get("properties"))


def _operations(app):
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/"):
            for method, operation in operations.items():
                yield method.upper(), path, operation


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # no storage is involved
def test_every_api_answer_and_body_has_a_shape(app):
    components = app.openapi()["components"]["schemas"]
    unshaped = set()
    for method, path, operation in _operations(app):
        for code, response in operation["responses"].items():
            if not code.startswith("2") or code == "204":  # 204: no body at all
                continue
            content = response.get("content") or {}
            if "application/json" not in content:
                assert (method, path) in NOT_JSON, f"{method} {path} answers no JSON and is not listed"
                continue
            if not _typed(content["application/json"]["schema"], components):
                unshaped.add((method, path))
        body = (operation.get("requestBody") or {}).get("content", {})
        for kind, media in body.items():
            if kind in ("application/json", "multipart/form-data") and not _typed(media["schema"], components):
                unshaped.add((method, f"{path} body"))
    assert unshaped <= FREE_FORM, f"answers or bodies without a shape: {sorted(unshaped - FREE_FORM)}"
    assert unshaped >= FREE_FORM, f"these have their shape now, drop them: {sorted(FREE_FORM - unshaped)}"


def _route_modules():
    for info in pkgutil.iter_modules(api.routes.__path__):
        module = importlib.import_module(f"api.routes.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            yield module, router


def _untyped(annotation: Any) -> bool:
    """dict, Mapping or Any anywhere in a parameter's type (a model's own fields aside)."""
    if annotation is Any or annotation is dict:
        return True
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return False
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _untyped(typing.get_args(annotation)[0])
    if origin in (dict, typing.Mapping) or (inspect.isclass(origin) and issubclass(origin, dict)):
        return True
    return any(_untyped(arg) for arg in typing.get_args(annotation))


def test_no_route_function_takes_an_untyped_body():
    found = set()
    for module, router in _route_modules():
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            hints = typing.get_type_hints(route.endpoint, include_extras=True)
            for name, annotation in hints.items():
                if name == "return":
                    continue
                extras = typing.get_args(annotation)[1:] if typing.get_origin(annotation) is typing.Annotated else ()
                if any(isinstance(extra, params.Depends) for extra in extras):
                    continue  # a dependency (the caller, the services), not the request's data
                if _untyped(annotation):
                    found.add(f"{module.__name__}.{route.endpoint.__name__}({name})")
    # a corrected event is any event of the contract (FREE_FORM above)
    assert found == {"api.routes.quarantine.post_resubmit(corrected)"}, sorted(found)
