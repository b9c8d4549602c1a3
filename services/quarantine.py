"""The quarantine of refused events: reading it, resubmitting an entry (as sent or corrected), and
dismissing one that is not to be sent again."""

from __future__ import annotations

from typing import Any

from core import identity
from core.access import Action
from core.audit import AuditAction
from core.errors import Invalid
from core.messages import N_
from ingest.quarantine import dismiss, list_quarantine, resubmit
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


DISMISS_REASON_LENGTH = 500


class DismissRefused(Invalid):
    pass


def dismiss_entry(store: EventStore, actor: Actor, entry_id: int, reason: str | None) -> dict[str, Any]:
    """Takes an open entry off the open list for good (it is kept, marked dismissed with who, when
    and why); the reason is required, and refused if it holds an identity number, as other free
    text is: it is shown to every admin and kept."""
    actor.authorise(Action.dismiss_quarantine)
    words = (reason or "").replace("\x00", "").strip()
    if not words:
        raise DismissRefused("a reason is required to dismiss an entry", key=N_("error_dismiss_reason_required"))
    if len(words) > DISMISS_REASON_LENGTH:
        raise DismissRefused(f"the reason may be at most {DISMISS_REASON_LENGTH} characters",
                             key=N_("error_dismiss_reason_long"), limit=DISMISS_REASON_LENGTH)
    found = identity.detect(words)
    if found:
        raise DismissRefused(identity.reason(found), key=N_("error_dismiss_reason_identity"))
    entry = dismiss(store, entry_id, actor.name, words)
    # the reason stays with the entry; the audit log keeps ids only
    actor.record(store.engine, AuditAction.dismiss_quarantine, detail=f"entry {entry_id}")
    return entry
