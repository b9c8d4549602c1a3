"""What the browser may send to a dashboard callback, checked before any callback runs.

Every input and state of every callback has a declared kind in `SLOTS` (a new callback whose
slot is missing there fails at start-up). A request to `/_dash-update-component` whose envelope
(`output`, `outputs`, `inputs`, `state`, `changedPropIds`) does not match the callback it names,
or one of whose values is not of its slot's kind (a number where text belongs, a month that is
not a calendar month, NaN, a list where one value belongs, text over its length), is refused
with 400 and a reason before the callback runs: no real page sends it, and nothing is stored.
What a person can type or pick wrong on a real page (an empty field, a figure out of range) is
answered by the callback itself with a message on the page.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

from dash import ctx
from flask import Flask, abort, g, jsonify, request

from core.access import CALLBACKS, Role, allowed
from core.accounts import USER_ROLES
from dashboard import ids
from dashboard.agreements import KINDS as AGREEMENT_KINDS
from dashboard.i18n import t
from dashboard.steering import READINESS_SHOWN
from ingest.sources import SOURCE_KINDS
from metrics.definitions import BY_NAME
from services.recording import ACTIONS as RECORD_ACTIONS

log = logging.getLogger(__name__)

DISPATCH_PATH = "/_dash-update-component"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_CLICKS = 10**9
MAX_NUMBER = 10**12
MAX_ID = 128  # team, worker, case and source ids
MAX_TEXT = 2000  # notes and actions (dashboard/agreements.py keeps as much)
MAX_LINE = 256  # names, addresses, passwords
MAX_ITEMS = 5000  # components of one ALL pattern, or entries of one list
MAX_UPLOAD = 2_000_000 * 4 // 3 + 1024  # dashboard/sheet.py's 2 MB file, base64 in a data URL
ENVELOPE = {"output", "outputs", "inputs", "state", "changedPropIds", "parsedChangedPropsIds"}


class BadInput(ValueError):
    """A request no real page sends: refused with 400, the reason naming the slot."""


Kind = Callable[[Any], bool]


def is_month(value: Any) -> bool:
    """A calendar month written YYYY-MM (2000-13, 0000-00 and 2026-1 are not)."""
    if not isinstance(value, str):
        return False
    match = MONTH.fullmatch(value)
    return bool(match) and 1900 <= int(match.group(1)) <= 2999


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
        and abs(value) <= MAX_NUMBER


def text(limit: int) -> Kind:
    return lambda value: value is None or (isinstance(value, str) and len(value) <= limit)


def ident(value: Any) -> bool:
    """The id of a team, worker, case or source as a page holds it: no control characters
    (a database holds no NUL, and no id has one)."""
    return value is None or (isinstance(value, str) and len(value) <= MAX_ID
                             and not any(ord(c) < 32 or ord(c) == 127 for c in value))


def choice(options: Callable[[], Any]) -> Kind:
    return lambda value: value is None or (isinstance(value, str) and value in options())


def clicks(value: Any) -> bool:
    return value is None or (type(value) is int and 0 <= value <= MAX_CLICKS)


def month(value: Any) -> bool:
    return value is None or is_month(value)


def number(value: Any) -> bool:
    """A figure typed into a field: a finite number, or its text (the callback reads it)."""
    return value is None or _number(value) or (isinstance(value, str) and len(value) <= 64)


def texts(limit: int, options: Callable[[], Any] | None = None) -> Kind:
    def check(value: Any) -> bool:
        if value is None:
            return True
        return isinstance(value, list) and len(value) <= 64 and all(
            isinstance(v, str) and len(v) <= limit and (options is None or v in options()) for v in value)
    return check


def plain(value: Any, depth: int = 4) -> bool:
    """JSON a page's store holds: bounded, with finite numbers."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and len(value) <= MAX_UPLOAD):
        return True
    if isinstance(value, int | float):
        return _number(value)
    if depth == 0:
        return False
    if isinstance(value, list):
        return len(value) <= MAX_ITEMS and all(plain(v, depth - 1) for v in value)
    if isinstance(value, dict):
        return len(value) <= 64 and all(isinstance(k, str) and len(k) <= MAX_LINE and plain(v, depth - 1)
                                        for k, v in value.items())
    return False


def field_value(value: Any) -> bool:
    """A recording form's field: text, a date, a figure, one choice or a few."""
    return text(MAX_TEXT)(value) or _number(value) or texts(MAX_LINE)(value)


def component_id(value: Any) -> bool:
    return isinstance(value, dict) and len(value) <= 8 and all(
        isinstance(k, str) and (isinstance(v, str) and len(v) <= MAX_LINE or _number(v) and not isinstance(v, float))
        for k, v in value.items())


def _metrics() -> set[str]:
    return set(BY_NAME)


TOKEN_ROLES = tuple(r.value for r in Role)

# (component id, property) -> kind; for an ALL pattern the component id is the pattern's type.
SLOTS: dict[tuple[str, str], Kind] = {
    (ids.URL, "pathname"): text(2048),
    (ids.URL, "search"): text(2048),
    (ids.LIVE_PUSH, "n_clicks"): clicks,
    (ids.LIVE_VERSION, "data"): text(MAX_LINE),
    (ids.CASELOAD_FILTERS, "value"): texts(64),
    (ids.CASELOAD_READINESS, "value"): choice(lambda: READINESS_SHOWN),
    (ids.CASELOAD_WORKER, "data"): ident,
    (ids.RECORD_LAST, "data"): plain,
    (ids.RECORD_ACTION, "value"): choice(lambda: RECORD_ACTIONS),
    (ids.RECORD_CASE, "value"): ident,
    (ids.RECORD_FORM_ID, "data"): text(64),
    (ids.RECORD_SUBMIT, "n_clicks"): clicks,
    (ids.RECORD_UNDO, "n_clicks"): clicks,
    (ids.RECORD_FIELD, "n_submit"): clicks,
    (ids.RECORD_FIELD, "value"): field_value,
    (ids.RECORD_FIELD, "id"): component_id,
    (ids.SHEET_UPLOAD, "contents"): text(MAX_UPLOAD),
    (ids.SHEET_CONFIRM, "n_clicks"): clicks,
    (ids.SHEET_PENDING, "data"): lambda v: v is None or (isinstance(v, dict) and plain(v, 1)),
    (ids.SHEET_RESOLVE, "value"): lambda v: v is None or (isinstance(v, list) and len(v) <= MAX_ITEMS
                                                          and all(ident(c) and c is not None for c in v)),
    (ids.TEAM_SELECT, "value"): ident,
    (ids.MONTH_SELECT, "value"): month,
    (ids.TEAM_DRAWN, "data"): text(MAX_LINE),
    (ids.TEAM_MORE_DIGEST, "data"): text(MAX_LINE),
    (ids.TEAM_CHARTS_DIGEST, "data"): text(MAX_LINE),
    (ids.DRILL, "n_clicks"): clicks,
    (ids.DRILL_CLOSE, "n_clicks"): clicks,
    (ids.TEAM_ACTION_ADD, "n_clicks"): clicks,
    (ids.TEAM_ACTION_DONE, "n_clicks"): clicks,
    (ids.TEAM_ACTION_KIND, "value"): choice(lambda: AGREEMENT_KINDS),
    (ids.TEAM_ACTION_TEXT, "value"): text(MAX_TEXT),
    (ids.TALK_WORKER, "value"): ident,
    (ids.TALK_ADD, "n_clicks"): clicks,
    (ids.TALK_DONE, "n_clicks"): clicks,
    (ids.TALK_KIND, "value"): choice(lambda: AGREEMENT_KINDS),
    (ids.TALK_TEXT, "value"): text(MAX_TEXT),
    (ids.BENCH_FROM, "value"): month,
    (ids.BENCH_TO, "value"): month,
    (ids.BENCH_METRIC, "value"): choice(_metrics),
    (ids.WALL_TEAM, "data"): ident,
    (ids.USER_CREATE, "n_clicks"): clicks,
    (ids.USER_TOGGLE, "n_clicks"): clicks,
    (ids.USER_NAME, "value"): text(MAX_LINE),
    (ids.USER_PASSWORD, "value"): text(MAX_LINE),
    (ids.USER_ROLE, "value"): choice(lambda: tuple(r.value for r in USER_ROLES)),
    (ids.USER_WORKER, "value"): ident,
    (ids.USER_TEAM, "value"): ident,
    (ids.ADMIN_TEAM_SAVE, "n_clicks"): clicks,
    (ids.ADMIN_TEAM_ID, "value"): text(MAX_LINE),
    (ids.ADMIN_TEAM_NAME, "value"): text(MAX_LINE),
    (ids.ADMIN_TEAM_UNIT, "value"): text(MAX_LINE),
    (ids.ADMIN_TEAM_EDIT, "n_clicks"): clicks,
    (ids.ADMIN_WORKER_SAVE, "n_clicks"): clicks,
    (ids.ADMIN_WORKER_ID, "value"): text(MAX_LINE),
    (ids.ADMIN_WORKER_NAME, "value"): text(MAX_LINE),
    (ids.ADMIN_WORKER_TEAM, "value"): ident,
    (ids.ADMIN_WORKER_ROLES, "value"): texts(64),
    (ids.ADMIN_WORKER_EDIT, "n_clicks"): clicks,
    (ids.ADMIN_TARGET_SAVE, "n_clicks"): clicks,
    (ids.ADMIN_TARGET_TEAM, "value"): ident,
    (ids.ADMIN_TARGET_METRIC, "value"): choice(_metrics),
    (ids.ADMIN_TARGET_MONTH, "value"): month,
    (ids.ADMIN_TARGET_VALUE, "value"): number,
    (ids.ADMIN_GOAL_SAVE, "n_clicks"): clicks,
    (ids.ADMIN_GOAL_TEAM, "value"): ident,
    (ids.ADMIN_GOAL_METRIC, "value"): choice(_metrics),
    (ids.ADMIN_GOAL_MONTH, "value"): month,
    (ids.ADMIN_GOAL_VALUE, "value"): number,
    (ids.ADMIN_NORM_SAVE, "n_clicks"): clicks,
    (ids.ADMIN_NORM_LOW, "value"): number,
    (ids.ADMIN_NORM_HIGH, "value"): number,
    (ids.ADMIN_SOURCE_ADD, "n_clicks"): clicks,
    (ids.ADMIN_SOURCE_RUN, "n_clicks"): clicks,
    (ids.ADMIN_SOURCE_REMOVE, "n_clicks"): clicks,
    (ids.ADMIN_SOURCE_NAME, "value"): text(MAX_LINE),
    (ids.ADMIN_SOURCE_KIND, "value"): choice(lambda: SOURCE_KINDS),
    (ids.ADMIN_SOURCE_LOCATION, "value"): text(2048),
    (ids.ADMIN_SOURCE_TOKEN, "value"): text(1024),
    (ids.ADMIN_SOURCE_INTERVAL, "value"): number,
    (ids.ADMIN_RESUBMIT, "n_clicks"): clicks,
    (ids.ADMIN_TOKEN_CREATE, "n_clicks"): clicks,
    (ids.ADMIN_TOKEN_REVOKE, "n_clicks"): clicks,
    (ids.ADMIN_TOKEN_NAME, "value"): text(MAX_LINE),
    (ids.ADMIN_TOKEN_ROLE, "value"): choice(lambda: TOKEN_ROLES),
    (ids.ADMIN_TOKEN_WORKER, "value"): ident,
    (ids.ADMIN_TOKEN_TEAM, "value"): ident,
    (ids.ADMIN_TOKEN_DAYS, "value"): number,
    (ids.ADMIN_DISMISS, "n_clicks"): clicks,
    (ids.ADMIN_QUARANTINE_REASON, "value"): text(MAX_TEXT),
    (ids.LIST_PAGE, "n_clicks"): clicks,
    **{(ids.list_search(table), "value"): text(MAX_LINE) for table in ids.ADMIN_LISTS},
}


def clicked() -> bool:
    """Whether a click fired the callback: a button drawn anew fires it too, with no clicks."""
    return bool(ctx.triggered) and any(item["value"] for item in ctx.triggered)


def entry_id(trigger: Any) -> int | None:
    """The row id a pattern button carries (a crafted request may send any text): a positive
    integer, else None."""
    value = trigger.get("id") if isinstance(trigger, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | str) or (isinstance(value, str) and not value.isdigit()):
        return None
    number_ = int(value) if len(str(value)) <= 10 else 0
    return number_ if 1 <= number_ <= 2**31 - 1 else None


def _pattern(spec_id: str) -> dict | None:
    if not spec_id.startswith("{"):
        return None
    parsed = json.loads(spec_id)
    return parsed if isinstance(parsed, dict) else None


def _slot(spec: dict) -> tuple[str, str]:
    pattern = _pattern(spec["id"])
    return (pattern["type"] if pattern else spec["id"]), spec["property"]


def missing_slots(callback_map: dict) -> list[str]:
    """Inputs and states of registered callbacks that have no declared kind."""
    return sorted({f"{_slot(s)[0]}.{s['property']}" for cb in callback_map.values()
                   for s in cb["inputs"] + cb["state"] if _slot(s) not in SLOTS})


def _check_item(spec: dict, item: Any, where: str) -> None:
    pattern = _pattern(spec["id"])
    kind = SLOTS[_slot(spec)]
    name = f"{_slot(spec)[0]}.{spec['property']}"
    if pattern is not None:
        if not isinstance(item, list) or len(item) > MAX_ITEMS:
            raise BadInput(f"{where}: {name} is not a list of components")
        for element in item:
            if not isinstance(element, dict) or set(element) - {"id", "property", "value"}:
                raise BadInput(f"{where}: {name} holds something that is not a component")
            found = element.get("id")
            if not component_id(found) or found.get("type") != pattern["type"] or set(found) != set(pattern) \
                    or element.get("property") != spec["property"]:
                raise BadInput(f"{where}: {name} holds another component")
            if not kind(element.get("value")):
                raise BadInput(f"{where}: {name} has a value of the wrong kind")
        return
    if not isinstance(item, dict) or set(item) - {"id", "property", "value"} \
            or item.get("id") != spec["id"] or item.get("property") != spec["property"]:
        raise BadInput(f"{where}: expected {name}")
    if not kind(item.get("value")):
        raise BadInput(f"{where}: {name} has a value of the wrong kind")


def _changed(value: str, specs: list[dict]) -> bool:
    if not isinstance(value, str) or len(value) > 1024 or "." not in value:
        return False
    component, prop = value.rsplit(".", 1)
    for spec in specs:
        if spec["property"] != prop:
            continue
        pattern = _pattern(spec["id"])
        if pattern is None and component == spec["id"]:
            return True
        if pattern is not None and component.startswith("{"):
            try:
                found = json.loads(component)
            except ValueError:
                return False
            if component_id(found) and found.get("type") == pattern["type"] and set(found) == set(pattern):
                return True
    return False


def check(callback_map: dict, body: Any) -> None:
    """Raises BadInput unless `body` is a request a page of this dashboard could send."""
    if not isinstance(body, dict) or set(body) - ENVELOPE:
        raise BadInput("the request is not a callback request")
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        raise BadInput("no such callback")
    callback = callback_map[output]
    expected = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
                for part in output.strip(".").split("...")]
    outputs = body.get("outputs")
    if len(expected) == 1 and isinstance(outputs, dict):
        outputs = [outputs]
    if not isinstance(outputs, list) or len(outputs) != len(expected) or any(
            not isinstance(o, dict) or o.get("id") != e["id"] or o.get("property") != e["property"]
            or set(o) - {"id", "property"} for o, e in zip(outputs, expected, strict=False)):
        raise BadInput("outputs do not match the callback")
    for where in ("inputs", "state"):
        specs = callback[where]
        items = body.get(where, [] if where == "state" and not specs else None)
        if not isinstance(items, list) or len(items) != len(specs):
            raise BadInput(f"{where} do not match the callback")
        for spec, item in zip(specs, items, strict=True):
            _check_item(spec, item, where)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > len(callback["inputs"]) * MAX_ITEMS \
            or not all(_changed(c, callback["inputs"]) for c in changed):
        raise BadInput("changedPropIds do not name the callback's inputs")
    parsed = body.get("parsedChangedPropsIds", [])
    if not isinstance(parsed, list) or not all(isinstance(p, str) or component_id(p) for p in parsed):
        raise BadInput("parsedChangedPropsIds do not name the callback's inputs")


def install(server: Flask, dash_app) -> None:
    """Checks every callback request before Dash dispatches it (after the session check)."""
    missing = missing_slots(dash_app.callback_map)
    if missing:
        raise RuntimeError(f"callback inputs without a declared kind (dashboard/inputs.py): {missing}")

    @server.before_request
    def check_callback_request():
        if request.path != DISPATCH_PATH or request.method != "POST":
            return None
        body = request.get_json(silent=True)
        # a role outside the callback's action is refused first, as the callback would (403)
        output = body.get("output") if isinstance(body, dict) else None
        action = CALLBACKS.get(output, (None,))[0] if isinstance(output, str) else None
        user = g.get("user")
        if action is not None and user is not None and not allowed(user.role, action):
            abort(403)
        try:
            check(dash_app.callback_map, body)
        except BadInput as exc:
            log.info("callback request refused: %s", exc)
            lang = g.get("lang") or "da"
            return jsonify(detail=f"{t('bad_request', lang)} ({exc})"), 400
        return None
