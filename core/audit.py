"""The audit log: recording who opened whose case data, and reading it back for admins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy import Engine
from sqlmodel import select

from core.database import as_utc, session_scope, utcnow
from core.models import AuditEntry
from core.outputs import csv_cell

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

