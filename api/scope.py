"""Who sees which team and worker through the API: a worker its own board and row and its own
team's aggregates; a team lead its team, per worker and per case; a manager and an admin
everything. The role table (core/access.py) says which routes a role may call at all; this
says which team or worker such a call may name."""

from __future__ import annotations

from api.access import Role
from api.tokens import Caller
from core.errors import Forbidden, NotFound
from core.messages import N_
from metrics.readmodel import load_organisation
from services.runtime import Services


def _forbidden() -> Forbidden:
    return Forbidden("outside the scope of this token", key=N_("error_outside_scope"))


def _worker_team(services: Services, worker_id: str | None) -> str | None:
    if worker_id is None:
        return None
    return load_organisation(services.engine).workers.get(worker_id)


def _caller_team(services: Services, caller: Caller) -> str | None:
    if caller.role == Role.worker:
        return caller.team_id or _worker_team(services, caller.worker_id)
    return caller.team_id


def scope_team(services: Services, caller: Caller, team_id: str | None) -> str | None:
    """The team a request may read: its own for workers and team leads, any for the others."""
    if caller.role in (Role.manager, Role.admin):
        return team_id
    own = _caller_team(services, caller)
    if own is None or (team_id is not None and team_id != own):
        raise _forbidden()
    return own


def scope_existing_team(services: Services, caller: Caller, team_id: str | None) -> str | None:
    """scope_team, and a team asked for by name must exist (404 otherwise)."""
    if team_id is not None and team_id not in load_organisation(services.engine).teams:
        if caller.role not in (Role.manager, Role.admin):
            raise _forbidden()  # nothing said about other teams, not even whether they exist
        raise NotFound("no such team", key=N_("error_team_unknown"))
    return scope_team(services, caller, team_id)


def scope_worker(services: Services, caller: Caller, worker_id: str) -> str:
    """A worker's board or row: one's own as a worker, one's team's as a team lead."""
    if caller.role in (Role.manager, Role.admin):
        return worker_id
    if caller.role == Role.worker and worker_id == caller.worker_id:
        return worker_id
    if (
        caller.role == Role.team_lead
        and caller.team_id is not None
        and _worker_team(services, worker_id) == caller.team_id
    ):
        return worker_id
    raise _forbidden()



def scope_team_or_worker(
    services: Services, caller: Caller, team_id: str | None, worker_id: str | None
) -> str | None:
    """One worker's figures when a worker is named (scope_worker), a team's otherwise
    (scope_team); answers the team to read."""
    if worker_id is not None:
        scope_worker(services, caller, worker_id)
        return team_id
    return scope_team(services, caller, team_id)


def scope_rows(caller: Caller, rows: list[dict]) -> list[dict]:
    """The rows of a per-worker table a caller may see: a worker its own, its team's only as the
    team's aggregate; the others every row the team scope left."""
    if caller.role == Role.worker:
        return [row for row in rows if row["worker_id"] == caller.worker_id]
    return rows
