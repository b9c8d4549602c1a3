"""Privacy: reading and exporting the audit log, and erasing a case everywhere it is stored."""

from __future__ import annotations

from typing import Any

from core import audit
from core.access import Action
from core.audit import AuditAction
from ingest.erasure import erase_case
from services.actor import Actor
from services.runtime import Services


def audit_entries(services: Services, actor: Actor, *, limit: int = 1000, offset: int = 0,
                  worker_id: str | None = None) -> list[dict[str, Any]]:
    actor.authorise(Action.read_audit)
    return audit.entries(services.engine, limit=limit, offset=offset, worker_id=worker_id)


def audit_csv(services: Services, actor: Actor, *, limit: int = 100_000) -> str:
    """The audit log as CSV; that it was exported is itself recorded."""
    actor.authorise(Action.read_audit)
    text = audit.as_csv(audit.entries(services.engine, limit=limit))
    actor.record(services.engine, AuditAction.export_audit)
    return text


def erase(services: Services, actor: Actor, case_id: str) -> dict[str, int]:
    """Erases a case everywhere and records that a case was erased, without saying which."""
    actor.authorise(Action.erase_case)
    erased = erase_case(services.engine, case_id)
    services.read_model.forget_case(case_id)
    actor.record(services.engine, AuditAction.erase_case,
                 detail=f"{erased.events} events, {erased.quarantined} quarantine entries, {erased.notes} notes")
    return erased.as_dict()
