"""Notes and actions agreed in caseload talks and steering meetings, kept for the next one."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, update
from sqlmodel import select

from core import identity
from core.database import session_scope, utcnow
from core.models import AgreedAction
from metrics.calendar import MONTH_PATTERN

log = logging.getLogger(__name__)

KINDS = ("action", "note")
MAX_TEXT = 2000


class IdentityInText(ValueError):
    """The text holds an identity number (core/identity.py): refused, nothing stored. The
    message names the kind of number, never the value."""

    def __init__(self, pattern: str):
        super().__init__(identity.reason(pattern))
        self.pattern = pattern


def add_agreement(engine: Engine, *, team_id: str, worker_id: str | None, month: str, kind: str, text: str,
                  created_by: str) -> AgreedAction | None:
    text = (text or "").strip()[:MAX_TEXT]
    if not text or kind not in KINDS or not isinstance(month, str) or not MONTH_PATTERN.fullmatch(month):
        return None
    found = identity.detect(text)
    if found:
        raise IdentityInText(found)
    now = utcnow()
    with session_scope(engine) as session:
        row = AgreedAction(team_id=team_id, worker_id=worker_id, month=month, kind=kind, text=text,
                           status="open", created_by=created_by, created_at=now, updated_at=now)
        session.add(row)
        return row


def agreements_of(engine: Engine, *, team_id: str, worker_id: str | None) -> list[AgreedAction]:
    """Newest first: a worker's talk log, or the team's meeting log (worker_id None)."""
    with session_scope(engine) as session:
        query = select(AgreedAction).where(AgreedAction.team_id == team_id)
        query = query.where(AgreedAction.worker_id == worker_id) if worker_id else query.where(
            AgreedAction.worker_id.is_(None))
        rows = list(session.exec(query.order_by(AgreedAction.created_at.desc(), AgreedAction.id.desc())))
    kept = [row for row in rows if isinstance(row.month, str) and MONTH_PATTERN.fullmatch(row.month)]
    if len(kept) < len(rows):
        # stored before months were checked at the edge: left out rather than breaking every pack
        log.warning("left out %d agreed actions of team %s with a month that is not a month",
                    len(rows) - len(kept), team_id)
    return kept


def mark_done(engine: Engine, agreement_id: int, *, team_id: str) -> bool:
    """Marks an action done, only within the team it belongs to."""
    with session_scope(engine) as session:
        # one UPDATE: on SQLite a read before the write could not wait for a concurrent writer
        return bool(session.exec(
            update(AgreedAction)
            .where(AgreedAction.id == agreement_id, AgreedAction.team_id == team_id)
            .values(status="done", updated_at=utcnow())
        ).rowcount)
