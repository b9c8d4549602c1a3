"""Teams and workers: reading them, saving one, importing many from CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from core.access import Action
from core.audit import AuditAction
from core.database import session_scope
from core.models import Team, Worker
from ingest.organisation import (
    TeamIn,
    TeamOut,
    WorkerIn,
    WorkerOut,
    import_teams_csv,
    import_workers_csv,
    list_teams,
    list_workers,
    put_team,
    put_worker,
)
from services.actor import Actor


def teams(engine: Engine, actor: Actor) -> list[TeamOut]:
    actor.authorise(Action.read_organisation)
    return list_teams(engine)


def workers(engine: Engine, actor: Actor, team_id: str | None = None) -> list[WorkerOut]:
    actor.authorise(Action.read_organisation)
    return list_workers(engine, team_id)


def _exists(engine: Engine, model, key: str) -> bool:
    with session_scope(engine) as session:
        return session.get(model, key) is not None


def save_team(engine: Engine, actor: Actor, team_id: str, team: TeamIn) -> TeamOut:
    """Creates the team or renames it; the audit entry says which (ids only, never the name)."""
    actor.authorise(Action.write_organisation)
    existed = _exists(engine, Team, team_id)
    saved = put_team(engine, team_id, team)
    actor.record(engine, AuditAction.rename_team if existed else AuditAction.create_team, team_id=team_id)
    return saved


def save_worker(engine: Engine, actor: Actor, worker_id: str, worker: WorkerIn) -> WorkerOut:
    actor.authorise(Action.write_organisation)
    existed = _exists(engine, Worker, worker_id)
    saved = put_worker(engine, worker_id, worker)
    actor.record(engine, AuditAction.change_worker if existed else AuditAction.create_worker, worker_id=worker_id,
                 team_id=worker.team_id, detail="roles: " + ",".join(saved.roles))
    return saved


def import_teams(engine: Engine, actor: Actor, path: Path) -> dict[str, Any]:
    """Columns team_id, name, optional unit; refused rows are reported, the others kept."""
    actor.authorise(Action.write_organisation)
    result = import_teams_csv(engine, path)
    actor.record(engine, AuditAction.import_teams, detail=f"{result['saved']} saved, {result['rejected']} refused")
    return result


def import_workers(engine: Engine, actor: Actor, path: Path) -> dict[str, Any]:
    """Columns worker_id, name, team_id, roles (separated by `;`)."""
    actor.authorise(Action.write_organisation)
    result = import_workers_csv(engine, path)
    actor.record(engine, AuditAction.import_workers, detail=f"{result['saved']} saved, {result['rejected']} refused")
    return result
