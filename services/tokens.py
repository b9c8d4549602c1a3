"""Access tokens: listing, creating (the secret is in the answer only) and revoking them,
for the API, the dashboard's administration and the command line alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import select

from core.access import Action, Role
from core.audit import AuditAction
from core.database import session_scope
from core.errors import Invalid, NotFound
from core.messages import N_
from core.models import AccessToken
from core.tokens import (
    BindingError,
    UnknownBinding,
    check_binding_exists,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from services.actor import Actor

DAYS_DEFAULT, DAYS_MAX = 90, 3650


@dataclass(frozen=True, slots=True)
class CreatedToken:
    token: AccessToken
    secret: str
    # False when the command line issued it bound to a worker or team not (yet) in the
    # organisation data: the operator is warned that it reaches nothing until then
    binding_known: bool = True


def listed(engine: Engine, actor: Actor) -> list[AccessToken]:
    actor.authorise(Action.manage_tokens)
    return list_tokens(engine)


def _binding(engine: Engine, actor: Actor, role: str, worker_id: str | None,
             team_id: str | None) -> tuple[str | None, str | None, bool]:
    if role == Role.worker.value and not worker_id:
        raise Invalid("a worker token needs a worker_id", key="err_token_worker")
    if role == Role.team_lead.value and not team_id:
        raise Invalid("a team_lead token needs a team_id", key="err_token_team")
    try:
        worker_id, team_id = check_binding_exists(engine, role, worker_id, team_id)
    except UnknownBinding as exc:
        # the operator provisions on the server, often before the organisation data is loaded
        # (docs/security.md); the API and the dashboard name only what exists
        if actor.entry == "cli":
            return worker_id or None, team_id or None, False
        raise Invalid(str(exc), key="err_unknown_worker" if role == Role.worker.value else "err_unknown_team") from None
    except BindingError as exc:
        raise Invalid(str(exc), key=exc.key, **exc.params) from None
    return worker_id, team_id, True


def create(engine: Engine, actor: Actor, *, role: str, worker_id: str | None = None, team_id: str | None = None,
           name: str | None = None, days: int = DAYS_DEFAULT) -> CreatedToken:
    """A new token of `role`, bound as the role needs, expiring in `days`."""
    actor.authorise(Action.manage_tokens)
    if not 1 <= days <= DAYS_MAX:
        raise Invalid(f"expires_in_days must be between 1 and {DAYS_MAX}", key="err_days")
    if role not in {r.value for r in Role}:
        raise Invalid(f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}", key=N_("error_token_role"))
    worker_id, team_id, known = _binding(engine, actor, role, worker_id, team_id)
    secret = create_token(engine, role, worker_id=worker_id, team_id=team_id, name=name[:128] if name else None,
                          expires_in=timedelta(days=days))
    with session_scope(engine) as session:
        made = session.exec(select(AccessToken).where(AccessToken.token_hash == hash_token(secret))).one()
    actor.record(engine, AuditAction.create_token, worker_id=worker_id, team_id=team_id,
                 detail=f"token {made.id}, role {role}, {days} days")
    return CreatedToken(made, secret, known)


def revoke(engine: Engine, actor: Actor, token_id: int) -> None:
    actor.authorise(Action.manage_tokens)
    if not revoke_token(engine, token_id):
        raise NotFound("no such token", key=N_("error_token_unknown"))
    actor.record(engine, AuditAction.revoke_token, detail=f"token {token_id}")
