"""The ingest check of `phase_changed` against the process model of the case's programme."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Engine

from core.contract import DEFAULT_PROGRAMME
from core.eventlog import EventLog
from core.programmes import ModelCache
from ingest.events import NormalisedEvent


class PhaseCheck:
    """A BatchCheck of the event store (docs/programmes.md, "Checking phases"): a
    `phase_changed` whose case's programme is known — from a `case_opened` in the same batch
    or already stored — and has a process model must name one of its phases. A case not opened
    yet is accepted and its phase shown as unchecked by the phase views until it is."""

    def __init__(self, engine: Engine, cache: ModelCache | None = None):
        self.cache = cache or ModelCache(engine)
        self.log = EventLog(engine)

    def __call__(self, cursor: Any, events: Sequence[NormalisedEvent]) -> dict[int, str]:
        changes = [e for e in events if e.type == "phase_changed"]
        if not changes:
            return {}
        models = self.cache.models()
        programmes = {
            e.case_id: e.payload.get("programme", "default")
            for e in events
            if e.type == "case_opened"
        }
        missing = [c for c in dict.fromkeys(e.case_id for e in changes) if c not in programmes]
        if missing:
            programmes.update(self._stored_programmes(cursor, missing))
        problems: dict[int, str] = {}
        for event in changes:
            programme = programmes.get(event.case_id)
            model = models.get(programme) if programme is not None else None
            if model is None or event.payload.get("phase") in model.phase_ids:
                continue
            problems[id(event)] = (
                f"phase: not a phase of programme {programme!r}; expected one of "
                f"{', '.join(model.phase_ids)}"
            )
        return problems

    def _stored_programmes(self, cursor: Any, cases: list[str]) -> dict[str, str]:
        return {
            case_id: orjson.loads(payload).get("programme", DEFAULT_PROGRAMME)
            for case_id, payload in self.log.opened(cursor, cases)
        }
