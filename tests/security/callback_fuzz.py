"""Crafted /_dash-update-component payloads for every callback the running dashboard registers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MISSING = object()

# What a slot of a callback holds, as the test sees it (independent of dashboard/inputs.py):
# "text" free text, "month" a YYYY-MM month, "ref" the id of an existing team/worker/case in the
# caller's reach, "clicks" a click count, "number" a figure, "list" a list of choices, "data" a
# store's data, "id" a pattern component's id, "choice" one of a fixed set.
SLOT_KINDS = {
    "url.pathname": "text", "url.search": "text",
    "live-push.n_clicks": "clicks", "live-version.data": "data",
    "caseload-filters.value": "list", "caseload-readiness.value": "choice", "caseload-worker.data": "ref",
    "record-last.data": "data", "record-action.value": "choice", "record-case.value": "ref",
    "record-form-id.data": "data", "record-submit.n_clicks": "clicks", "record-undo.n_clicks": "clicks",
    "sheet-upload.contents": "text", "sheet-confirm.n_clicks": "clicks", "sheet-pending.data": "data",
    "sheet-resolve.value": "list",
    "team-select.value": "ref", "month-select.value": "month", "team-drawn.data": "data",
    "team-more-digest.data": "data", "team-charts-digest.data": "data", "drill-close.n_clicks": "clicks",
    "team-action-add.n_clicks": "clicks", "team-action-kind.value": "choice", "team-action-text.value": "text",
    "talk-worker.value": "ref", "talk-add.n_clicks": "clicks", "talk-kind.value": "choice",
    "talk-text.value": "text", "bench-from.value": "month", "bench-to.value": "month",
    "bench-metric.value": "choice", "wall-team.data": "ref",
    "user-create.n_clicks": "clicks", "user-name.value": "text", "user-password.value": "text",
    "user-role.value": "choice", "user-worker.value": "ref", "user-team.value": "ref",
    "admin-team-save.n_clicks": "clicks", "admin-team-id.value": "text", "admin-team-name.value": "text",
    "admin-team-unit.value": "text", "admin-worker-save.n_clicks": "clicks", "admin-worker-id.value": "text",
    "admin-worker-name.value": "text", "admin-worker-team.value": "ref", "admin-worker-roles.value": "list",
    "admin-target-save.n_clicks": "clicks", "admin-target-team.value": "ref", "admin-target-metric.value": "choice",
    "admin-target-month.value": "month", "admin-target-value.value": "number",
    "admin-goal-save.n_clicks": "clicks", "admin-goal-team.value": "ref", "admin-goal-metric.value": "choice",
    "admin-goal-month.value": "month", "admin-goal-value.value": "number",
    "admin-norm-save.n_clicks": "clicks", "admin-source-add.n_clicks": "clicks",
    "admin-source-name.value": "text", "admin-source-kind.value": "choice", "admin-source-location.value": "text",
    "admin-source-token.value": "text", "admin-source-interval.value": "number",
    "admin-token-create.n_clicks": "clicks", "admin-token-name.value": "text", "admin-token-role.value": "choice",
    "admin-token-worker.value": "ref", "admin-token-team.value": "text", "admin-token-days.value": "number",
}

HUGE = "x" * 100_000
WRONG_TYPES: list[tuple[str, Any]] = [
    ("int", 7), ("negative", -1), ("float", 1.5), ("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf),
    ("huge int", 10**30), ("bool", True), ("list", ["a", 1]), ("dict", {"a": 1}), ("nested", [[{"x": [None]}]]),
]
MONTHS = [("month 2000-13", "2000-13"), ("month 0000-00", "0000-00"), ("month 9999-99", "9999-99"),
          ("month 2026-1", "2026-1"), ("month ../", "../"), ("month ../../etc/passwd", "../../etc/passwd")]
STRINGS = [("oversized", HUGE), ("unknown id", "no-such-id-4711"), ("NUL", "a\x00b"), ("markup", "<script>x</script>")]


@dataclass
class Payload:
    callback: str
    label: str  # the class of attack, for the counts
    body: Any
    invalid: bool  # nothing may be stored
    slot: str = ""
    value: Any = None

    @property
    def value_is_text(self) -> bool:
        return isinstance(self.value, str) and len(self.value) < 200


def _outputs(key: str) -> list[dict]:
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in key.strip(".").split("...")]


def _pattern(spec_id: str) -> dict | None:
    try:
        parsed = json.loads(spec_id)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _slot_kind(item: dict) -> str:
    if _pattern(item["id"]) is not None:
        return "pattern"
    return SLOT_KINDS.get(f"{item['id']}.{item['property']}", "text")


def invalid_for(kind: str, label: str, value: Any) -> bool:
    """Whether `value` can never be a real page's value for a slot of `kind` (nothing may be stored)."""
    if value is None:
        return False
    if kind == "clicks":
        return not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**9)
    if kind == "number":
        return isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or abs(value) > 10**9 or label in ("negative",) and False
    if kind in ("text", "month", "ref", "choice"):
        if not isinstance(value, str) or len(value) > 10_000:
            return True
        if kind == "month":
            return label.startswith("month") or label in ("unknown id", "NUL", "markup")
        if kind == "ref":
            return label in ("unknown id", "NUL", "markup", "other team") or label.startswith("month")
        if kind == "choice":
            return label in ("unknown id", "NUL", "markup") or label.startswith("month")
        return False
    if kind == "list":
        return not isinstance(value, list) or any(not isinstance(v, str) for v in value)
    if kind == "pattern":
        return not isinstance(value, list)
    return False  # a store's data: the server checks what it means


def payloads(callback_map: dict, base: dict, other: dict[str, Any]) -> list[Payload]:
    """Every mutation of every callback: each slot with each bad value, then the envelope."""
    made: list[Payload] = []
    for key, spec in callback_map.items():
        outputs = _outputs(key)
        slots = [("inputs", i, item) for i, item in enumerate(spec["inputs"])] + \
                [("state", i, item) for i, item in enumerate(spec["state"])]

        def resolve(item):
            pattern = _pattern(item["id"])
            if pattern is not None:  # an ALL pattern: the list of its matching components
                return base.get(f"{pattern['type']}.{item['property']}", [])
            return {**item, "value": base.get(f"{item['id']}.{item['property']}")}

        def body(changes: dict | None = None, **envelope):
            inputs = [resolve(item) for item in spec["inputs"]]
            state = [resolve(item) for item in spec["state"]]
            for (where, index), value in (changes or {}).items():
                (inputs if where == "inputs" else state)[index] = value
            changed = [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"] if spec["inputs"] else []
            result = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
                      "inputs": inputs, "state": state, "changedPropIds": changed}
            result.update(envelope)
            return {k: v for k, v in result.items() if v is not MISSING}

        for where, index, item in slots:
            kind = _slot_kind(item)
            name = f"{item['id']}.{item['property']}"
            values = WRONG_TYPES + MONTHS + STRINGS + [("null", None)]
            if kind == "ref":
                values = values + [("other team", other.get(name))]
            for label, value in values:
                if kind == "pattern":
                    pattern = _pattern(item["id"])
                    replaced = value if label not in ("unknown id",) else [
                        {"id": {k: "no-such-id" for k in pattern}, "property": item["property"], "value": 1}]
                    made.append(Payload(key, label, body({(where, index): replaced}), invalid=True, slot=name))
                else:
                    made.append(Payload(key, label, body({(where, index): {**item, "value": value}}),
                                        invalid=invalid_for(kind, label, value), slot=name, value=value))
            # a slot without a value key, or an item that is not an object
            # a browser leaves out the value of a property never set: as null
            made.append(Payload(key, "missing value", body({(where, index): {"id": item["id"],
                                                                             "property": item["property"]}}),
                                invalid=False, slot=name))
            made.append(Payload(key, "item not an object", body({(where, index): "x"}), invalid=True, slot=name))
        # the envelope
        full = body()
        made += [
            Payload(key, "missing inputs", body(inputs=MISSING), invalid=True),
            Payload(key, "inputs short", {**full, "inputs": full["inputs"][:-1]}, invalid=True),
            Payload(key, "extra input", {**full, "inputs": full["inputs"] + [{"id": "x", "property": "value",
                                                                              "value": 1}]}, invalid=True),
            Payload(key, "extra state", {**full, "state": full["state"] + [{"id": "y", "property": "data",
                                                                            "value": {}}]}, invalid=True),
            Payload(key, "inputs not a list", {**full, "inputs": {"a": 1}}, invalid=True),
            Payload(key, "state null", {**full, "state": None}, invalid=True),
            Payload(key, "wrong outputs", {**full, "outputs": {"id": "page", "property": "children"}}, invalid=True),
            Payload(key, "outputs null", {**full, "outputs": None}, invalid=True),
            Payload(key, "unknown output", {**full, "output": "nothing.children"}, invalid=True),
            Payload(key, "output not a string", {**full, "output": 5}, invalid=True),
            Payload(key, "changedPropIds wrong", {**full, "changedPropIds": ["nothing.value"]}, invalid=True),
            Payload(key, "changedPropIds not a list", {**full, "changedPropIds": "x"}, invalid=True),
            Payload(key, "changedPropIds nested", {**full, "changedPropIds": [{"a": 1}]}, invalid=True),
            Payload(key, "renamed input", {**full, "inputs": [{**i, "id": "other"} if isinstance(i, dict) else i
                                                              for i in full["inputs"]]}, invalid=True),
        ]
    for label, value in [("body a list", []), ("body a number", 5), ("body null", None), ("body a string", "x"),
                         ("empty object", {})]:
        made.append(Payload("-", label, value, invalid=True))
    return made
