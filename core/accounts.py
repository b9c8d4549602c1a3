"""Dashboard users and their sign-in sessions: argon2 passwords, hashed session secrets."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from core import identity
from core.access import Role
from core.database import as_utc, session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import DashboardSession, DashboardUser
from core.passwords import MIN_LENGTH, PasswordRefused, canonical_username, check_password
from core.tokens import BindingError, check_binding_exists

USER_ROLES = (Role.worker, Role.team_lead, Role.manager, Role.admin)
# checked on the folded name (canonical_username): one account per name, however it is typed
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MIN_PASSWORD = MIN_LENGTH
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(Invalid):
    pass


class WeakPassword(AccountError):
    """A password the policy (core/passwords.py) refuses; `reason` names the rule."""

    def __init__(self, refused: PasswordRefused):
        self.reason = refused.reason
        super().__init__(str(refused), key=refused.key)


class UsernameTaken(AccountError):
    kind = "conflict"
    """Another account has the name, however it was typed (case, width)."""


def check_new_password(password: str, username: str) -> None:
    """The password policy, as an AccountError: every path that sets a password calls this."""
    try:
        check_password(password, username)
    except PasswordRefused as refused:
        raise WeakPassword(refused) from None


@dataclass(frozen=True, slots=True)
class SignedInUser:
    """Who a dashboard request is made by: the user, its role and what it is bound to."""

    user_id: int
    username: str
    role: Role
    worker_id: str | None
    team_id: str | None
    session_id: int | None = None


def _signed_in(user: DashboardUser, session_id: int | None = None) -> SignedInUser:
    return SignedInUser(user.id, user.username, Role(user.role), user.worker_id, user.team_id, session_id)


def check_binding(role: str, worker_id: str | None, team_id: str | None) -> Role:
    try:
        checked = Role(role)
    except ValueError:
        checked = None
    if checked not in USER_ROLES:
        raise AccountError(f"role must be one of {', '.join(r.value for r in USER_ROLES)}", key=N_("error_user_role"))
    if checked is Role.worker and not worker_id:
        raise AccountError("a worker user needs a worker id", key=N_("error_user_needs_worker"))
    if checked is Role.team_lead and not team_id:
        raise AccountError("a team_lead user needs a team id", key=N_("error_user_needs_team"))
    return checked


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    *,
    worker_id: str | None = None,
    team_id: str | None = None,
    existing: bool = False,
) -> SignedInUser:
    """Creates a user; the password is kept only as its argon2 hash. The name is kept folded
    (NFKC, case folding): a second user differing only by case is refused as taken. `existing`:
    the worker or team binding must name one of the organisation data
    (core.tokens.check_binding_exists), as the command line and the users page ask."""
    username = canonical_username(username)
    if not USERNAME.match(username):
        raise AccountError("a username is 2–64 letters, digits or . _ @ -, starting with a letter or digit",
                           key=N_("error_username_form"))
    if identity.detect(username):
        raise AccountError("a username must not be an identity number (such as a CPR number)",
                           key=N_("error_username_identity"))
    check_new_password(password, username)
    checked = check_binding(role, worker_id, team_id)
    if existing:
        try:
            worker_id, team_id = check_binding_exists(engine, checked.value, worker_id, team_id)
        except BindingError as exc:
            raise AccountError(str(exc), key=exc.key, **exc.params) from None
    user = DashboardUser(
            username=username,
            password_hash=_hasher.hash(password),
            role=checked.value,
            worker_id=worker_id if checked is Role.worker else None,
            # a worker's team follows the organisation data, so only team leads are bound to one
            team_id=team_id if checked is Role.team_lead else None,
            created_at=utcnow(),
        )
    # Insert first and let the unique index judge: on SQLite a read before the write could not
    # wait for a concurrent writer (the event store) and would fail with "database is locked".
    try:
        with session_scope(engine) as session:
            session.add(user)
            session.flush()
            return _signed_in(user)
    except IntegrityError:
        raise UsernameTaken(f"the username {username!r} is taken", key=N_("username_taken")) from None


def list_users(engine: Engine) -> list[DashboardUser]:
    with session_scope(engine) as session:
        return list(session.exec(select(DashboardUser).order_by(DashboardUser.username)))


def set_disabled(engine: Engine, user_id: int, disabled: bool) -> bool:
    """Disables (and signs out everywhere) or enables a user; False when there is no such user."""
    now = utcnow()
    with session_scope(engine) as session:
        # writes first, reads after: see create_user
        changed = session.exec(
            update(DashboardUser).where(DashboardUser.id == user_id).values(disabled_at=now if disabled else None)
        ).rowcount
        if not changed:
            return False
        if disabled:
            session.exec(
                update(DashboardSession)
                .where(DashboardSession.user_id == user_id, DashboardSession.ended_at.is_(None))
                .values(ended_at=now)
            )
    return True


def set_password(engine: Engine, user_id: int, password: str) -> bool:
    """Sets a new password (the policy applies: WeakPassword) and ends every session of the user;
    False when there is no such user."""
    now = utcnow()
    with session_scope(engine) as session:
        user = session.get(DashboardUser, user_id)
    if user is None:
        return False
    check_new_password(password, user.username)
    with session_scope(engine) as session:  # writes first: see create_user
        changed = session.exec(
            update(DashboardUser).where(DashboardUser.id == user_id).values(password_hash=_hasher.hash(password))
        ).rowcount
        if not changed:
            return False
        session.exec(
            update(DashboardSession)
            .where(DashboardSession.user_id == user_id, DashboardSession.ended_at.is_(None))
            .values(ended_at=now)
        )
    return True


def verify_password(engine: Engine, username: str, password: str) -> SignedInUser | None:
    """The user when the username and password match an enabled user, else None."""
    with session_scope(engine) as session:
        user = session.exec(select(DashboardUser).where(DashboardUser.username == canonical_username(username))
                            ).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled_at is not None:
        return None
    values: dict = {"last_sign_in_at": utcnow()}
    if _hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = _hasher.hash(password)
    with session_scope(engine) as session:  # a transaction that writes first: see create_user
        session.exec(update(DashboardUser).where(DashboardUser.id == user.id).values(**values))
    return _signed_in(user)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(engine: Engine, user: SignedInUser, lifetime: timedelta) -> tuple[str, datetime]:
    """A new session for a signed-in user: its secret (for the cookie) and when it expires."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + lifetime
    with session_scope(engine) as session:
        session.add(DashboardSession(token_hash=_hash(secret), user_id=user.user_id, created_at=now, expires_at=expires))
    return secret, expires


def session_user(engine: Engine, secret: str) -> SignedInUser | None:
    """The user of a live session, or None when it is unknown, ended, expired or its user disabled."""
    with session_scope(engine) as session:
        row = session.exec(select(DashboardSession).where(DashboardSession.token_hash == _hash(secret))).first()
        if row is None or row.ended_at is not None or as_utc(row.expires_at) <= utcnow():
            return None
        user = session.get(DashboardUser, row.user_id)
        if user is None or user.disabled_at is not None:
            return None
        return _signed_in(user, row.id)


def end_session(engine: Engine, secret: str) -> None:
    with session_scope(engine) as session:
        session.exec(
            update(DashboardSession)
            .where(DashboardSession.token_hash == _hash(secret), DashboardSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
