"""The quarantine of refused events: listing them, resubmitting one (as sent or corrected), and
dismissing one that is not to be sent again, kept with who dismissed it and why."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import update
from sqlmodel import select

from core.database import as_utc, session_scope, utcnow
from core.errors import NotFound
from core.messages import N_
from core.models import QuarantinedEvent
from ingest.store import EventStore, IngestSummary


class NotInQuarantine(NotFound):
    def __init__(self, entry_id: int):
        super().__init__("no open quarantine entry with this id", key=N_("reason_not_in_quarantine"))
        self.entry_id = entry_id


def quarantine_entry(row: QuarantinedEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "received_at": as_utc(row.received_at),
        "origin": row.origin,
        "source": row.source,
        "event_id": row.event_id,
        "case_id": row.case_id,
        "type": row.type,
        "reason": row.reason,
        "status": row.status,
        "attempts": row.attempts,
        "resolved_at": as_utc(row.resolved_at),
        "import_run_id": row.import_run_id,
        "dismissed_by": row.dismissed_by,
        "dismissed_reason": row.dismissed_reason,
        "event": orjson.loads(row.payload),
    }


def list_quarantine(store: EventStore, *, status: str | None = "open", limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
    with session_scope(store.engine) as session:
        query = select(QuarantinedEvent).order_by(QuarantinedEvent.id).offset(offset).limit(limit)
        if status:
            query = query.where(QuarantinedEvent.status == status)
        return [quarantine_entry(r) for r in session.exec(query)]


def resubmit(store: EventStore, entry_id: int, corrected: Any | None = None) -> IngestSummary:
    """Sends the entry's event (or the corrected one) through ingest again. Accepted or a
    duplicate: the entry is resolved. Refused again: the entry stays open with the new reason."""
    with session_scope(store.engine) as session:
        row = session.get(QuarantinedEvent, entry_id)
        if row is None:
            raise NotInQuarantine(entry_id)
        if row.status != "open":
            raise NotInQuarantine(entry_id)
        event = corrected if corrected is not None else orjson.loads(row.payload)
    # The stored copy carries the citizen's pseudonym, never the identifier itself.
    summary = store.append([event], origin="resubmit", allow_pseudonym=True, quarantine=False)
    with session_scope(store.engine) as session:
        row = session.get(QuarantinedEvent, entry_id)
        assert row is not None
        if summary.rejected:
            row.reason = summary.errors[0].reason
            row.attempts += 1
            if corrected is not None:
                row.payload = orjson.dumps(store.scrub(corrected), default=str).decode()
        else:
            row.status = "resubmitted"
            row.resolved_at = utcnow()
    return summary


def dismiss(store: EventStore, entry_id: int, by: str, reason: str) -> dict[str, Any]:
    """Takes an open entry off the open list for good, kept as `dismissed` with who, when and why."""
    with session_scope(store.engine) as session:
        # one statement, so that of two admins dismissing or resubmitting at once only one does
        done = session.execute(
            update(QuarantinedEvent)
            .where(QuarantinedEvent.id == entry_id, QuarantinedEvent.status == "open")  # type: ignore[arg-type]
            .values(status="dismissed", resolved_at=utcnow(), dismissed_by=by, dismissed_reason=reason))
        if done.rowcount != 1:
            raise NotInQuarantine(entry_id)
        row = session.get(QuarantinedEvent, entry_id)
        assert row is not None
        session.refresh(row)
        return quarantine_entry(row)
