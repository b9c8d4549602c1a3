"""Dashboard users: creating one with a role and a password, disabling and enabling it."""

from __future__ import annotations

from sqlalchemy import Engine

from core.access import Action
from core.accounts import AccountError, SignedInUser, create_user, list_users, set_disabled
from core.audit import AuditAction
from core.errors import Conflict, NotFound
from core.messages import N_
from core.models import DashboardUser
from core.tokens import BindingError, UnknownBinding, check_binding_exists
from services.actor import Actor


def listed(engine: Engine, actor: Actor) -> list[DashboardUser]:
    actor.authorise(Action.manage_users)
    return list_users(engine)


def _binding_known(engine: Engine, role: str, worker_id: str | None, team_id: str | None) -> bool:
    try:
        check_binding_exists(engine, role, worker_id, team_id)
    except UnknownBinding:
        return False
    except BindingError as exc:
        raise AccountError(str(exc), key=exc.key, **exc.params) from None
    return True


def create(engine: Engine, actor: Actor, username: str, password: str, role: str, *,
           worker_id: str | None = None, team_id: str | None = None) -> tuple[SignedInUser, bool]:
    """The new user, and whether its worker or team binding is in the organisation data: the
    operator's command line may bind one that is not there yet (docs/security.md), the users
    page may not."""
    actor.authorise(Action.manage_users)
    known = actor.entry != "cli" or _binding_known(engine, role, worker_id, team_id)
    user = create_user(engine, username, password, role, worker_id=worker_id, team_id=team_id, existing=known)
    actor.record(engine, AuditAction.create_user, worker_id=user.worker_id, team_id=user.team_id,
                 detail=f"user {user.user_id}, role {user.role.value}")
    return user, known


def set_enabled(engine: Engine, actor: Actor, user_id: int, enabled: bool) -> None:
    """Enables a user, or disables it and ends its sessions; nobody disables itself."""
    actor.authorise(Action.manage_users)
    target = next((u for u in list_users(engine) if u.id == user_id), None)
    if target is None:
        raise NotFound(f"no user with id {user_id}", key=N_("error_user_unknown"))
    if not enabled and actor.name == f"user:{target.username}":
        raise Conflict("an administrator cannot disable itself", key=N_("error_user_disable_self"))
    set_disabled(engine, user_id, not enabled)
    actor.record(engine, AuditAction.enable_user if enabled else AuditAction.disable_user, detail=f"user {user_id}")
