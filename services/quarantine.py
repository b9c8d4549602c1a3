"""The quarantine of refused events: reading it, and resubmitting an entry (as sent or corrected)."""

from __future__ import annotations

from typing import Any

from core.access import Action
from core.audit import AuditAction
from ingest.quarantine import list_quarantine, resubmit
from ingest.store import EventStore, IngestSummary
from services.actor import Actor


def entries(store: EventStore, actor: Actor, *, status: str | None = "open", limit: int = 500,
            offset: int = 0) -> list[dict[str, Any]]:
    actor.authorise(Action.read_quarantine)
    return list_quarantine(store, status=status, limit=limit, offset=offset)


def outcome(summary: IngestSummary) -> str:
    return "refused" if summary.rejected else "duplicate" if summary.duplicates else "accepted"


def resubmit_entry(store: EventStore, actor: Actor, entry_id: int, corrected: Any | None = None) -> IngestSummary:
    """Sends the entry's event again; refused again, the entry stays open with the new reason."""
    actor.authorise(Action.resubmit_quarantine)
    summary = resubmit(store, entry_id, corrected)
    actor.record(store.engine, AuditAction.resubmit_quarantine,
                 detail=f"entry {entry_id}{' corrected' if corrected is not None else ''}: {outcome(summary)}")
    return summary
