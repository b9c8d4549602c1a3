"""Access tokens: created with a role (and the worker or team it is bound to), stored hashed."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from core.access import Role
from core.database import as_utc, session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import AccessToken, Team, Worker

log = logging.getLogger(__name__)

# how finely a token's last use is recorded: a feed posting every second would otherwise write
# its token's row on every request of the hot ingest path
LAST_USE_RESOLUTION = timedelta(minutes=1)
TOKEN_PREFIX = "ovb_"  # noqa: S105 (a marker that helps secret scanners, not a secret)


class TokenError(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class Caller:
    """Whoever presented a valid token."""

    token_id: int
    role: Role
    worker_id: str | None
    team_id: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BindingError(Invalid):
    """A worker or team binding that names no worker or team of the organisation."""


class UnknownBinding(BindingError):
    """A binding of the right shape whose worker or team the organisation data does not (yet)
    hold. The API and the dashboard refuse it; the operator's command line, used to provision
    before the organisation data is loaded, warns and issues it (docs/security.md)."""


def check_binding_exists(engine: Engine, role: str, worker_id: str | None,
                         team_id: str | None) -> tuple[str | None, str | None]:
    """The (worker_id, team_id) a token or user of `role` is bound to, checked against the
    organisation data: a worker binding names an existing worker (whose team is its team: a team
    given beside it must be that one, and is not kept, as the worker's team follows the
    organisation data); a team_lead binding names an existing team; other roles take none."""
    worker_id, team_id = worker_id or None, team_id or None
    with session_scope(engine) as session:
        if role == Role.worker.value:
            if worker_id is None:
                raise BindingError("a worker token or user must name its worker", key=N_("error_binding_needs_worker"))
            worker = session.get(Worker, worker_id)
            if worker is None:
                raise UnknownBinding("there is no worker with that id", key=N_("error_binding_no_worker"))
            if team_id is not None and team_id != worker.team_id:
                raise BindingError("the team given is not the worker's team", key=N_("error_binding_other_team"))
            return worker_id, None
        if role == Role.team_lead.value:
            if team_id is None:
                raise BindingError("a team_lead token or user must name its team", key=N_("error_binding_needs_team"))
            if worker_id is not None:
                raise BindingError("a team_lead token or user is bound to a team, not to a worker",
                                   key=N_("error_binding_team_not_worker"))
            if session.get(Team, team_id) is None:
                raise UnknownBinding("there is no team with that id", key=N_("error_binding_no_team"))
            return None, team_id
    if worker_id is not None or team_id is not None:
        raise BindingError(f"a {role} token or user is bound to no worker or team", key=N_("error_binding_none"),
                           role=role)
    return None, None


def create_token(
    engine: Engine,
    role: str,
    *,
    worker_id: str | None = None,
    team_id: str | None = None,
    name: str | None = None,
    expires_in: timedelta | None = None,
    existing: bool = False,
) -> str:
    """Creates a token and returns its secret, which is never shown again. `existing`: the
    binding must name a worker or team of the organisation data (check_binding_exists), as
    every entry point (CLI, API, admin view) asks."""
    try:
        role = Role(role)
    except ValueError:
        raise TokenError(f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}") from None
    if role is Role.worker and not worker_id:
        raise TokenError("a worker token needs --worker-id")
    if role is Role.team_lead and not team_id:
        raise TokenError("a team_lead token needs --team-id")
    if existing:
        try:
            worker_id, team_id = check_binding_exists(engine, role.value, worker_id, team_id)
        except BindingError as exc:
            raise TokenError(str(exc), key=exc.key, **exc.params) from None
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope(engine) as session:
        session.add(
            AccessToken(
                name=name,
                token_hash=hash_token(secret),
                prefix=secret[:10],
                role=role.value,
                worker_id=worker_id,
                team_id=team_id,
                created_at=now,
                expires_at=now + expires_in if expires_in else None,
            )
        )
    return secret


def authenticate(engine: Engine, secret: str) -> Caller | None:
    """The caller a token stands for, or None when it is unknown, expired or revoked."""
    with session_scope(engine) as session:
        row = session.exec(select(AccessToken).where(AccessToken.token_hash == hash_token(secret))).first()
        if row is None or row.revoked_at is not None:
            return None
        now = utcnow()
        expires = as_utc(row.expires_at)
        if expires is not None and expires <= now:
            return None
        last_used = as_utc(row.last_used_at)
        caller = Caller(row.id, Role(row.role), row.worker_id, row.team_id)  # type: ignore[arg-type]
    if last_used is None or now - last_used >= LAST_USE_RESOLUTION:
        _note_use(engine, caller.token_id, now)
    return caller


def _note_use(engine: Engine, token_id: int, now: datetime) -> None:
    """Records a token's last use, best effort: in a transaction of its own (on SQLite a read
    transaction that turns into a write fails at once when a batch was committed meanwhile), and
    never failing the request it belongs to."""
    try:
        with engine.begin() as connection:
            connection.execute(update(AccessToken).where(AccessToken.id == token_id).values(last_used_at=now))
    except OperationalError as exc:  # the database busy or away: the next use records it
        log.debug("token %s: last use not recorded (%s)", token_id, type(exc).__name__)


def list_tokens(engine: Engine) -> list[AccessToken]:
    with session_scope(engine) as session:
        return list(session.exec(select(AccessToken).order_by(AccessToken.id)))


def revoke_token(engine: Engine, token_id: int) -> bool:
    with session_scope(engine) as session:
        row = session.get(AccessToken, token_id)
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return True


