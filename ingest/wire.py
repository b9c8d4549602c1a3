"""Turns request bodies into raw events: a JSON array, one JSON object, or NDJSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from core.errors import Invalid
from core.messages import N_


class BodyError(Invalid):
    """The body as a whole is not events; answered 400 (not JSON) or 422 (not events)."""

    def __init__(self, status: int, reason: str, key: str, **params: object):
        super().__init__(reason, key=key, **params)
        self.kind = "malformed" if status == 400 else "invalid"
        self.reason = reason


@dataclass(slots=True)
class UnreadableLine:
    """An NDJSON line that is not JSON: refused on its own, the other lines still count."""

    line: int
    reason: str


def parse_json_body(body: bytes) -> list[Any]:
    if not body.strip():
        raise BodyError(400, "the body is empty: send an event object or an array of events", N_("error_body_empty"))
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BodyError(400, f"the body is not valid JSON ({exc.msg} at position {exc.pos})", N_("error_body_not_json"),
                        position=exc.pos) from None
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    raise BodyError(422, "the body must be an event object or an array of event objects", N_("error_body_not_events"))


def parse_ndjson(body: bytes) -> list[Any]:
    """One event per non-blank line; a line that is not JSON becomes an UnreadableLine."""
    events: list[Any] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            events.append(UnreadableLine(number, f"line {number} is not valid JSON ({exc.msg})"))
    if not events:
        raise BodyError(400, "the body holds no events", N_("error_body_no_events"))
    return events
