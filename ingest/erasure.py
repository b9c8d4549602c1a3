"""Erasure of a case everywhere it is stored, and the retention rule that erases old closed cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select

from core.database import session_scope
from core.models import Event, QuarantinedEvent


@dataclass(frozen=True, slots=True)
class Erased:
    events: int
    quarantined: int

    def as_dict(self) -> dict[str, int]:
        return {"events": self.events, "quarantined": self.quarantined}


def erase_case(engine: Engine, case_id: str) -> Erased:
    """Deletes a case's events and quarantine entries in one transaction. Read models must then
    forget it (metrics.readmodel.ReadModel.forget_case)."""
    with session_scope(engine) as session:
        events = session.execute(delete(Event).where(Event.case_id == case_id)).rowcount
        quarantined = session.execute(
            delete(QuarantinedEvent).where(QuarantinedEvent.case_id == case_id)
        ).rowcount
    return Erased(events or 0, quarantined or 0)


def closed_before(engine: Engine, cutoff: datetime, limit: int = 1000) -> list[str]:
    """Cases whose closing event happened before `cutoff` (a case closes once; see events.md)."""
    with session_scope(engine) as session:
        query = (
            select(Event.case_id)
            .where(Event.type == "case_closed", Event.occurred_at < cutoff)
            .group_by(Event.case_id)
            .order_by(func.min(Event.seq))
            .limit(limit)
        )
        return [row[0] for row in session.execute(query)]
