"""Erasure of a case everywhere it is stored, and the retention rule that erases old closed cases."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select

from core import identity
from core.database import compact_after_erasure, session_scope
from core.eventlog import TABLE, EventLog, delete_case
from core.models import AgreedAction, QuarantinedEvent

ERASED_CASE = "[erased case]"
# the tables an erasure changes: compacted afterwards, so no copy of a deleted row stays behind
ERASED_TABLES = (TABLE, "quarantine", "agreed_actions")


@dataclass(frozen=True, slots=True)
class Erased:
    events: int
    quarantined: int
    notes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"events": self.events, "quarantined": self.quarantined, "notes": self.notes}


def erase_case(engine: Engine, case_id: str, *, compact: bool = True) -> Erased:
    """Deletes a case's events and quarantine entries in one transaction, and removes the case
    id (and any identity number) from the notes and actions of steering meetings and caseload
    talks that name it. Then nothing of it stays in the database's files: the SQLite WAL is
    checkpointed and emptied, PostgreSQL's tables vacuumed (`compact=False`: the caller does
    that once for many cases, with `finish_erasure`). Read models must then forget it
    (metrics.readmodel.ReadModel.forget_case)."""
    with session_scope(engine) as session:
        events = delete_case(session, case_id)
        quarantined = session.execute(
            delete(QuarantinedEvent).where(QuarantinedEvent.case_id == case_id)
        ).rowcount
        notes = scrub_agreements(session, [case_id])
    if compact:
        finish_erasure(engine)
    return Erased(events or 0, quarantined or 0, notes)


def finish_erasure(engine: Engine) -> int:
    """After one or more erasures: every identity number left in a note or action (one written
    before the screen existed) masked, then the tables compacted so that no copy of a deleted
    row stays behind; how many notes changed."""
    with session_scope(engine) as session:
        changed = 0
        for row in session.scalars(select(AgreedAction)):
            masked = identity.mask(row.text)
            if masked != row.text:
                row.text = masked
                changed += 1
    compact_after_erasure(engine, ERASED_TABLES)
    return changed


def scrub_agreements(session, case_ids: Iterable[str]) -> int:
    """Agreed notes and actions (team action log, caseload talks) that name one of the cases
    get the case id replaced by ERASED_CASE and every identity number masked; how many."""
    wanted = [c for c in case_ids if c]
    if not wanted:
        return 0
    words = [re.compile(rf"(?<![\w-]){re.escape(c)}(?![\w-])") for c in wanted]
    query = select(AgreedAction).where(
        func.lower(AgreedAction.text).contains(func.lower(wanted[0]))
        if len(wanted) == 1 else AgreedAction.id.is_not(None)
    )
    changed = 0
    for row in session.scalars(query):
        text = row.text
        for word in words:
            text = word.sub(ERASED_CASE, text)
        text = identity.mask(text)
        if text != row.text:
            row.text = text
            changed += 1
    return changed


def closed_before(engine: Engine, cutoff: datetime, limit: int = 1000) -> list[str]:
    """Cases whose closing event happened before `cutoff` (a case closes once; see events.md)."""
    return EventLog(engine).closed_before(cutoff, limit)
