"""The ingest check of `phase_changed` against the process model of the case's programme."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Engine

from core.database import is_sqlite
from core.programmes import ModelCache
from ingest.events import NormalisedEvent

IN_CHUNK = 900


class PhaseCheck:
    """A BatchCheck of the event store (docs/programmes.md, "Checking phases"): a
    `phase_changed` whose case's programme is known — from a `case_opened` in the same batch
    or already stored — and has a process model must name one of its phases. A case not opened
    yet is accepted and its phase shown as unchecked by the phase views until it is."""

    def __init__(self, engine: Engine, cache: ModelCache | None = None):
        self.cache = cache or ModelCache(engine)
        self._sqlite = is_sqlite(engine)

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
        """One query (per 900 cases on SQLite) by the one-per-case key's index."""
        found: dict[str, str] = {}
        if not self._sqlite:
            cursor.execute(
                "SELECT case_id, payload FROM events "
                "WHERE case_id = ANY(%s) AND singleton_key = 'case_opened'",
                (cases,),
            )
            rows = cursor.fetchall()
        else:
            rows = []
            for start in range(0, len(cases), IN_CHUNK):
                chunk = cases[start : start + IN_CHUNK]
                marks = ", ".join("?" * len(chunk))
                cursor.execute(
                    f"SELECT case_id, payload FROM events WHERE case_id IN ({marks}) "  # noqa: S608
                    "AND singleton_key = 'case_opened'",
                    tuple(chunk),
                )
                rows.extend(cursor.fetchall())
        for case_id, payload in rows:
            found[case_id] = orjson.loads(payload).get("programme", "default")
        return found
