"""Which views, teams and workers a signed-in user may see: core/access.py's table, scoped."""

from __future__ import annotations

from flask import abort, g, request

from core import audit
from core.access import Action, Role, allowed
from core.accounts import SignedInUser
from dashboard.context import DashboardContext
from metrics import suppression
from metrics.milestones import Organisation
from services.actor import Actor

EVERYTHING = (Role.manager, Role.admin)


def current_user() -> SignedInUser:
    """The user of this request; the sign-in hook has refused every request without one."""
    user = getattr(g, "user", None)
    if user is None:
        abort(401)
    return user


def permit(user: SignedInUser, action: Action) -> None:
    """Refuses the request (403, no data) unless the user's role may take `action`."""
    if not allowed(user.role, action):
        abort(403)


def acting(action: Action) -> Actor:
    """The signed-in user, permitted `action` (else 403), as the actor a service function takes."""
    user = current_user()
    permit(user, action)
    return Actor(name=f"user:{user.username}", role=user.role, entry="dashboard", worker_id=user.worker_id,
                 team_id=user.team_id, address=request.remote_addr)


def own_team(user: SignedInUser, org: Organisation) -> str | None:
    if user.role is Role.worker:
        return org.workers.get(user.worker_id or "")
    return user.team_id


def sees_exactly(user: SignedInUser, org: Organisation, team_id: str) -> bool:
    """Whether this user sees the counts of people of `team_id` (and its workers) exactly, in
    every view, PDF and export alike (metrics/suppression.py's one rule)."""
    return suppression.sees_exactly(user.role.value, own_team(user, org) == team_id)


def visible_teams(user: SignedInUser, org: Organisation) -> list[str]:
    if user.role in EVERYTHING:
        return list(org.teams)
    team = own_team(user, org)
    return [team] if team else []


def scope_team(user: SignedInUser, org: Organisation, team_id: str | None) -> str:
    """The team the request may read: the one asked for if in scope, else refused with 403."""
    teams = visible_teams(user, org)
    if team_id is None:
        team_id = teams[0] if teams else None
    if team_id is None or (user.role not in EVERYTHING and team_id not in teams):
        abort(403)
    return team_id


def scope_worker(user: SignedInUser, org: Organisation, worker_id: str | None) -> str:
    """One's own caseload as a worker, one's team's as a team lead, anyone's as manager/admin."""
    if worker_id is None and user.role is Role.worker:
        worker_id = user.worker_id
    if worker_id is None:
        abort(403)
    if user.role in EVERYTHING:
        return worker_id
    if user.role is Role.worker and worker_id == user.worker_id:
        return worker_id
    if user.role is Role.team_lead and user.team_id and org.workers.get(worker_id) == user.team_id:
        return worker_id
    abort(403)


def audit_open(context: DashboardContext, user: SignedInUser, action: str, *, worker_id: str | None = None,
               team_id: str | None = None, detail: str | None = None, always: bool = False) -> None:
    """Records in the audit log that `user` opened a board, case list or export (no citizen
    data); a view the live stream re-runs, once per AUDIT_REPEAT_SECONDS (dashboard/context.py)."""
    if not context.openings.due((user.user_id, action, worker_id, team_id, detail), always=always):
        return
    audit.record(context.engine, channel="dashboard", actor=f"user:{user.username}", role=user.role.value,
                 action=action, worker_id=worker_id, team_id=team_id, detail=detail,
                 address=request.remote_addr)
