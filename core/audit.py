"""The audit log: recording who opened whose case data, and reading it back for admins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import select

from core.database import as_utc, session_scope, utcnow
from core.models import AuditEntry
from core.outputs import csv_cell


class AuditAction(StrEnum):
    """The one vocabulary of the audit log: every entry point (API, dashboard, command line,
    scheduler) records the same action under the same name (docs/architecture.md)."""

    # organisation data (services/organisation.py): a PUT or a form that makes a new team is
    # `create_team`, one that changes an existing team `rename_team`; workers alike
    create_team = "create_team"
    rename_team = "rename_team"
    create_worker = "create_worker"
    change_worker = "change_worker"
    import_teams = "import_teams"
    import_workers = "import_workers"
    # a file of events, or a case system's export through a mapping (services/imports.py)
    import_events = "import_events"
    # targets, goals and norms (services/targets.py): one entry per change, however many rows
    set_targets = "set_targets"
    set_goals = "set_goals"
    set_norms = "set_norms"
    # collectors' sources (services/sources.py)
    add_source = "add_source"
    change_source = "change_source"
    remove_source = "remove_source"
    run_source = "run_source"
    resubmit_quarantine = "resubmit_quarantine"
    dismiss_quarantine = "dismiss_quarantine"
    # access (services/tokens.py, services/users.py)
    create_token = "create_token"  # noqa: S105 (a name, not a secret)
    revoke_token = "revoke_token"  # noqa: S105
    create_user = "create_user"
    disable_user = "disable_user"
    enable_user = "enable_user"
    # privacy (services/privacy.py, ingest/retention.py)
    erase_case = "erase_case"
    export_audit = "export_audit"
    # opening case data and recording casework (the read routes and dashboard views)
    open_board = "open_board"
    open_case_list = "open_case_list"
    open_caseload_talk = "open_caseload_talk"
    export_meeting_pack = "export_meeting_pack"
    export_talk = "export_talk"
    export_caseload_sheet = "export_caseload_sheet"
    record_event = "record_event"
    record_sheet = "record_sheet"


FIELDS = ("id", "at", "channel", "actor", "role", "action", "worker_id", "team_id", "detail", "address")


def record(
    engine: Engine,
    *,
    channel: str,
    actor: str,
    role: str,
    action: str,
    worker_id: str | None = None,
    team_id: str | None = None,
    detail: str | None = None,
    address: str | None = None,
) -> None:
    """Appends one entry. `detail` must never hold a citizen or case identifier."""
    with session_scope(engine) as session:
        session.add(
            AuditEntry(
                at=utcnow(), channel=channel, actor=actor[:160], role=role, action=action,
                worker_id=worker_id, team_id=team_id, detail=detail[:256] if detail else None,
                address=address[:64] if address else None,
            )
        )


def entries(engine: Engine, *, limit: int = 1000, offset: int = 0, worker_id: str | None = None) -> list[dict]:
    with session_scope(engine) as session:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)  # type: ignore[union-attr]
        if worker_id is not None:
            query = query.where(AuditEntry.worker_id == worker_id)
        return [_as_dict(row) for row in session.exec(query)]


def _as_dict(row: AuditEntry) -> dict:
    values = {name: getattr(row, name) for name in FIELDS}
    values["at"] = as_utc(row.at).isoformat() if row.at else None
    return values


def as_csv(rows: Iterable[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return out.getvalue()

